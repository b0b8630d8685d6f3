/**
 * Rows for the two VPC endpoint constructs: what one more instance adds to a stack (resources and
 * template bytes), and how many mutating calls each lifecycle event makes, through the built
 * handler bundle against the emulator on a virtual clock.
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { OpenSearchEmulator, World } from '../emulator';
import { DomainVpcEndpoint, VpcEndpointAccess } from '../lib';
import { vpcEndpointAccessPhysicalId, vpcEndpointPhysicalId } from '../lib/private/contracts/vpc-endpoint';
import { STACK_ID } from './api-calls';
import { callsOf, footprintAndCallRows } from './connections';
import { growthPerConstruct, measureTemplate, withTempDir } from './footprint';
import { Row } from './table';

/** The handler runs as 111111111111 in us-east-1: the consumer of OWNER's domain, and the owner of its own. */
const ENV = { account: '111111111111', region: 'us-east-1' };
const OWNER = '222222222222';
const OWNERS_DOMAIN_ARN = `arn:aws:es:us-east-1:${OWNER}:domain/bench-remote`;

type Kind = 'DomainVpcEndpoint' | 'VpcEndpointAccess';

/** A stack of `count` instances: endpoints from one VPC to a domain each; authorizations of one account on a domain each. */
function footprintOf(kind: Kind, count: number) {
  return withTempDir((dir) => {
    const app = new App({ outdir: dir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:version-reporting': true } });
    const stack = new Stack(app, 'BenchVpcEndpoints', { env: ENV });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0bench000000000001',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-0bench00000000001', 'subnet-0bench00000000002'],
    });
    for (let i = 0; i < count; i++) {
      if (kind === 'DomainVpcEndpoint') {
        const domain = Domain.fromDomainAttributes(stack, `Domain${i}`, {
          domainArn: `arn:aws:es:us-east-1:${OWNER}:domain/bench-remote-${i}`,
          domainEndpoint: `https://vpc-bench-remote-${i}-abc123.us-east-1.es.amazonaws.com`,
        });
        new DomainVpcEndpoint(stack, `Op${i}`, { domain, vpc });
      } else {
        const domain = Domain.fromDomainAttributes(stack, `Domain${i}`, {
          domainArn: `arn:aws:es:us-east-1:${ENV.account}:domain/bench-domain-${i}`,
          domainEndpoint: `https://vpc-bench-domain-${i}-abc123.us-east-1.es.amazonaws.com`,
        });
        new VpcEndpointAccess(stack, `Op${i}`, { domain, account: OWNER });
      }
    }
    app.synth();
    return measureTemplate('library', count, path.join(dir, 'BenchVpcEndpoints.template.json'));
  });
}

const base = {
  LogicalResourceId: 'Op0',
  StackId: STACK_ID,
  RequestId: 'bench',
  ResponseURL: 'https://cloudformation-custom-resource-response.example/bench',
};
const ENDPOINT_PROPS = {
  ServiceToken: 'framework',
  DomainArn: OWNERS_DOMAIN_ARN,
  VpcId: 'vpc-b1',
  SubnetIds: ['subnet-b1a', 'subnet-b1b'],
  TimeoutSeconds: '1800',
};
const ACCESS_PROPS = { ServiceToken: 'framework', DomainName: 'bench-domain', Account: OWNER, TimeoutSeconds: '1800' };
const WORLD: World = { domains: [{ domainName: 'bench-remote', ownerId: OWNER }, { domainName: 'bench-domain' }] };

/** The consumer's subnets, the owner's authorization, and the endpoint's statuses lasting a minute (6 polls). */
async function network(emulator: OpenSearchEmulator): Promise<void> {
  emulator.addSubnet({ subnetId: 'subnet-b1a', vpcId: 'vpc-b1', availabilityZone: 'us-east-1a' });
  emulator.addSubnet({ subnetId: 'subnet-b1b', vpcId: 'vpc-b1', availabilityZone: 'us-east-1b' });
  emulator.addVpcEndpointAccess('bench-remote', ENV.account);
  emulator.setVpcEndpointTiming({ createEndpointMs: 60_000, updateEndpointMs: 60_000, deleteEndpointMs: 60_000 });
}

async function withEndpoint(emulator: OpenSearchEmulator): Promise<void> {
  await network(emulator);
  emulator.addVpcEndpoint({ vpcEndpointId: 'aos-bench01', domainArn: OWNERS_DOMAIN_ARN, subnetIds: ['subnet-b1a', 'subnet-b1b'] });
}

export interface VpcEndpointBench {
  perConstruct: Array<{ kind: Kind; resources: number; bytes: number; from: number; to: number }>;
  events: Array<{ event: string; mutatingCalls: number; operations: string[] }>;
}

export async function measureVpcEndpoints(from = 1, to = 11): Promise<VpcEndpointBench> {
  const perConstruct = (['DomainVpcEndpoint', 'VpcEndpointAccess'] as const).map((kind) => {
    const growth = growthPerConstruct(footprintOf(kind, from), footprintOf(kind, to));
    return { kind, from, to, resources: growth.resourcesPerConstruct, bytes: growth.bytesPerConstruct };
  });
  const endpoint = { ...base, ResourceType: 'Custom::OpenSearchVpcEndpoint', ResourceProperties: ENDPOINT_PROPS };
  const access = { ...base, ResourceType: 'Custom::OpenSearchVpcEndpointAccess', ResourceProperties: ACCESS_PROPS };
  const endpointId = vpcEndpointPhysicalId('aos-bench01', 'created');
  const events = [
    await callsOf('DomainVpcEndpoint Create', WORLD, { ...endpoint, RequestType: 'Create' }, network),
    await callsOf(
      'DomainVpcEndpoint Update (subnets)',
      WORLD,
      {
        ...endpoint,
        RequestType: 'Update',
        PhysicalResourceId: endpointId,
        OldResourceProperties: ENDPOINT_PROPS,
        ResourceProperties: { ...ENDPOINT_PROPS, SubnetIds: ['subnet-b1a'] },
      },
      withEndpoint,
    ),
    await callsOf('DomainVpcEndpoint Delete', WORLD, { ...endpoint, RequestType: 'Delete', PhysicalResourceId: endpointId }, withEndpoint),
    await callsOf('VpcEndpointAccess Create', WORLD, { ...access, RequestType: 'Create' }),
    await callsOf(
      'VpcEndpointAccess Delete',
      WORLD,
      { ...access, RequestType: 'Delete', PhysicalResourceId: vpcEndpointAccessPhysicalId('bench-domain', OWNER, 'created') },
      async (emulator) => emulator.addVpcEndpointAccess('bench-domain', OWNER),
    ),
  ];
  return { perConstruct, events };
}

export function vpcEndpointRows(result: VpcEndpointBench): Row[] {
  return footprintAndCallRows(result, 'shares the stack provider and its one VPC endpoint statement');
}
