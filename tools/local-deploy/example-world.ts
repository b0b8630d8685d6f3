/**
 * The service as the example app (bin/example-stack.ts) expects to find it, plus one connection
 * and one package that nobody names, so that "nothing else changed" is visible. The source
 * stack's domain, shop-logs, lives in another account and region. Used by the demo and by the
 * example app's end-to-end test.
 */
import type { OpenSearchEmulator, PackageTiming, SeedSubnet, Timing, VpcEndpointTiming, World } from '../../emulator';

export const EXAMPLE_WORLD: World = {
  domains: [
    { domainName: 'logs-destination' },
    { domainName: 'shop-logs', ownerId: '222222222222', region: 'eu-west-1' },
    {
      domainName: 'search-products',
      packages: [{ packageId: 'F111111111' }, { packageId: 'F222222222' }, { packageId: 'pkg-0a1b2c3d' }, { packageId: 'F333333333' }],
    },
  ],
  connections: [
    {
      connectionId: 'cc-pending-0001',
      status: 'PENDING_ACCEPTANCE',
      source: { domainName: 'app-logs-eu', ownerId: '222222222222', region: 'eu-west-1' },
      destination: { domainName: 'logs-destination' },
    },
    {
      connectionId: 'cc-pending-0002',
      status: 'PENDING_ACCEPTANCE',
      source: { domainName: 'app-logs-us', ownerId: '222222222222' },
      destination: { domainName: 'logs-destination' },
    },
    {
      connectionId: 'cc-active-0001',
      status: 'ACTIVE',
      source: { domainName: 'audit-logs', ownerId: '333333333333' },
      destination: { domainName: 'logs-destination' },
    },
    {
      connectionId: 'cc-partner-0001',
      status: 'ACTIVE',
      source: { domainName: 'partner-metrics', ownerId: '444444444444' },
      destination: { domainName: 'logs-destination' },
    },
  ],
};

/**
 * Realistic durations (virtual time): rejecting takes ~20 s, deleting ~1 min, dissociating ~3 min,
 * associating ~2 min, validating a new connection ~30 s, accepting one ~1 min.
 */
export const EXAMPLE_TIMING: Timing = {
  rejectMs: 20_000,
  deleteMs: 60_000,
  dissociateMs: 180_000,
  associateMs: 120_000,
  validateMs: 30_000,
  acceptMs: 60_000,
};

/** Importing a dictionary: ~30 s copying, ~1 min validating; deleting a package ~20 s. */
export const EXAMPLE_PACKAGE_TIMING: PackageTiming = { copyMs: 30_000, validateMs: 60_000, deletePackageMs: 20_000 };

/** The consumer stack's subnets (bin/example-stack.ts CONSUMER_VPC), in account 222222222222, us-east-1. */
export const EXAMPLE_SUBNETS: SeedSubnet[] = [
  { subnetId: 'subnet-0c0ffee00000000a', vpcId: 'vpc-0c0ffee000000001', availabilityZone: 'us-east-1a', ownerId: '222222222222' },
  { subnetId: 'subnet-0c0ffee00000000b', vpcId: 'vpc-0c0ffee000000001', availabilityZone: 'us-east-1b', ownerId: '222222222222' },
];

/** A VPC endpoint becomes active in ~3 minutes (the developer guide says 2 to 5), updates in ~1, goes in ~1. */
export const EXAMPLE_VPC_ENDPOINT_TIMING: VpcEndpointTiming = {
  createEndpointMs: 180_000,
  updateEndpointMs: 60_000,
  deleteEndpointMs: 60_000,
};

/** Gives the emulator the consumer's subnets and the VPC endpoint timing. */
export function seedExampleNetwork(emulator: OpenSearchEmulator): void {
  for (const subnet of EXAMPLE_SUBNETS) emulator.addSubnet(subnet);
  emulator.setVpcEndpointTiming(EXAMPLE_VPC_ENDPOINT_TIMING);
}
