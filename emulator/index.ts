/**
 * In-process emulator of the Amazon OpenSearch Service control plane (REST-JSON, 2021-01-01),
 * limited to the inbound cross-cluster connection and package-association operations this
 * library drives. Tests point the real `@aws-sdk/client-opensearch` at `endpoint`, so request
 * signing, serialisation, retries and error decoding are the SDK's own.
 *
 * State changes are driven by `clock()` (a virtual clock in the runner), never by timers: each
 * request and each inspection first applies the transitions that are due.
 */
import { EmulatorHttpServer, MUTATING_OPERATIONS } from './server';
import type {
  ConnectionView,
  EmulatorOptions,
  Fault,
  FaultKind,
  OperationName,
  PackageView,
  RecordedRequest,
  SeedConnection,
  SeedDomain,
  Timing,
  Variants,
  World,
} from './types';
import { WorldState } from './world';
import type { SeedSubnet, SeedVpcEndpoint, VpcEndpointAccessView, VpcEndpointTiming, VpcEndpointView } from './vpc-endpoints';
import type { SecurityEntry, SecurityOperationName } from './security-api';
import { S3Server, type S3Request } from './s3-server';
import type { ManagedPackageView, ObjectEncryption, PackageTiming, SeedManagedPackage } from './packages';

export type {
  Caller,
  ConnectionStatusCode,
  ConnectionView,
  DomainPackageStatus,
  DomainRef,
  EmulatorOptions,
  Fault,
  FaultKind,
  InboundConnectionStatusCode,
  OperationName,
  PackageType,
  PackageView,
  RecordedRequest,
  SeedConnection,
  SeedDomain,
  SeedPackage,
  Timing,
  Variants,
  World,
} from './types';
import { VARIANT_CHOICES } from './types';
export { VARIANT_CHOICES };
export type { ManagedPackageStatus, ManagedPackageView, PackageTiming, SeedManagedPackage } from './packages';
export type {
  SeedSubnet,
  SeedVpcEndpoint,
  VpcEndpointAccessView,
  VpcEndpointStatus,
  VpcEndpointTiming,
  VpcEndpointView,
} from './vpc-endpoints';
export { OPENSEARCH_UI_SERVICE } from './vpc-endpoints';
export { MUTATING_OPERATIONS, operationOf } from './server';
export { localSessionToken } from './security-api';
export type { SecurityEntry, SecurityOperationName, SeedSecurity } from './security-api';
export type { S3Request } from './s3-server';
export type { ObjectEncryption } from './packages';

/**
 * Every combination of the values of these switches, as `[label, variants]` rows for
 * `describe.each`: a test that depends on an undocumented answer runs under each.
 */
export function variantCases(...keys: Array<keyof Variants>): Array<[string, Variants]> {
  let rows: Array<[string, Variants]> = [['', {}]];
  for (const key of keys) {
    rows = rows.flatMap(([label, variants]) =>
      (VARIANT_CHOICES[key] as ReadonlyArray<unknown>).map((value): [string, Variants] => [
        `${label}${label ? ', ' : ''}${key}=${String(value)}`,
        { ...variants, [key]: value },
      ]),
    );
  }
  return rows;
}

/**
 * A few profiles that together play every value of every switch: profile i takes the i-th choice
 * of each switch (its last when it has fewer). For end-to-end tests, where every combination
 * would cost too much; the handler tests run the combinations that matter (`variantCases`).
 */
export function variantProfiles(): Array<[string, Variants]> {
  const longest = Math.max(...Object.values(VARIANT_CHOICES).map((choices) => choices.length));
  return Array.from({ length: longest }, (_, i) => {
    const variants = Object.fromEntries(
      Object.entries(VARIANT_CHOICES).map(([key, choices]) => [key, choices[Math.min(i, choices.length - 1)]]),
    ) as Variants;
    return [i === 0 ? 'the first choice of every switch' : `choice ${i + 1} of every switch (or its last)`, variants];
  });
}

const FAULT_KINDS: ReadonlySet<FaultKind> = new Set<FaultKind>([
  'throttle',
  'internal',
  'conflict',
  'in-progress',
  'access-denied',
  'drop',
  'slow',
]);

export class OpenSearchEmulator {
  /** Starts listening on 127.0.0.1; call `stop()` in `afterAll`. */
  static async start(options: EmulatorOptions = {}): Promise<OpenSearchEmulator> {
    const emulator = new OpenSearchEmulator(options);
    const port = await emulator.server.listen(options.port ?? 0);
    emulator.url = `http://127.0.0.1:${port}`;
    try {
      emulator.s3Url = `http://127.0.0.1:${await emulator.s3.listen()}`;
    } catch (error) {
      await emulator.server.close();
      throw error;
    }
    return emulator;
  }

  /**
   * `http://127.0.0.1:<port>` of the emulator's S3 (CopyObject and DeleteObject, path-style), for
   * the handler's `AWS_ENDPOINT_URL_S3`.
   */
  get s3Endpoint(): string {
    return this.s3Url;
  }

  /** Every S3 request, in arrival order (not cleared by `reset`: call `clearRequests`). */
  get s3Requests(): readonly S3Request[] {
    return this.s3.requests;
  }

  /** `http://127.0.0.1:<port>`, for the SDK client's `endpoint`. */
  get endpoint(): string {
    return this.url;
  }

  /** Every request in arrival order, faulted and unauthenticated ones included. */
  readonly requests: RecordedRequest[] = [];

  private url = '';
  private s3Url = '';
  private readonly s3: S3Server;
  private readonly clock: () => number;
  private readonly world: WorldState;
  private readonly server: EmulatorHttpServer;
  private faults: Fault[] = [];
  private handled = new WeakSet<RecordedRequest>();

  private constructor(options: EmulatorOptions) {
    this.clock = options.clock ?? Date.now;
    this.world = new WorldState(this.clock);
    this.world.reset(options.world, options.timing);
    if (options.variants) this.world.setVariants(options.variants);
    this.server = new EmulatorHttpServer({
      world: this.world,
      clock: () => this.clock(),
      takeFault: (operation) => this.takeFault(operation),
      record: (request) => this.requests.push(request),
      markHandled: (request) => this.handled.add(request),
    });
    this.s3 = new S3Server(
      () => this.world.packageCatalog.s3,
      () => this.clock(),
    );
  }

  /**
   * Replaces all state, the timing (omitted = all 0), faults, registered failures and the request
   * log. Slow requests still waiting are abandoned (their connections are cut) and never handled.
   */
  reset(world?: World, timing?: Timing): void {
    this.server.cancelDelayed();
    this.world.reset(world, timing);
    this.faults = [];
    this.clearRequests();
  }

  /**
   * Merges into the current timing (keys left out are unchanged) and also applies to transitions
   * already in flight (see `Timing`), so `setTiming({ rejectMs: 0 })` releases frozen rejections only.
   */
  setTiming(timing: Timing): void {
    this.world.setTiming(timing);
  }

  /**
   * Chooses how the service answers where AWS documents no answer (merged into the current
   * choice; `reset` keeps it). See `Variants` and docs/aws-assumptions.md.
   */
  setVariants(variants: Variants): void {
    this.world.setVariants(variants);
  }

  /** The variants in force, every switch filled in. */
  variants(): Required<Variants> {
    return { ...this.world.variants };
  }

  /** DissociatePackages of this package from this domain is refused as "in use" (an index uses the dictionary) until unmarked. */
  markInUse(domainName: string, packageId: string, inUse = true): void {
    this.world.markInUse(domainName, packageId, inUse);
  }

  injectFault(fault: Fault): void {
    if (!FAULT_KINDS.has(fault.kind)) throw new TypeError(`Unknown fault kind '${String(fault.kind)}'`);
    if (typeof fault.times !== 'number' || !(fault.times > 0)) {
      throw new TypeError(`Fault times must be > 0 (Infinity allowed), got ${String(fault.times)}`);
    }
    // Copied so the countdown cannot leak into, or be changed through, the caller's object.
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** The next dissociation of that package that settles ends DISSOCIATION_FAILED with these details. */
  failDissociation(domainName: string, packageId: string, errorType: string, errorMessage: string): void {
    this.world.failDissociation(domainName, packageId, errorType, errorMessage);
  }

  /** The next association of that package that settles ends ASSOCIATION_FAILED with these details. */
  failAssociation(domainName: string, packageId: string, errorType: string, errorMessage: string): void {
    this.world.failAssociation(domainName, packageId, errorType, errorMessage);
  }

  /** Throws if the domain does not exist, since that is a mistake in the test. */
  setProcessing(domainName: string, processing: boolean): void {
    this.world.setProcessing(domainName, processing);
  }

  /** Throws on a duplicate connection id. */
  addConnection(c: SeedConnection): void {
    this.world.addConnection(c);
  }

  /** Throws on a duplicate domain name. */
  addDomain(d: SeedDomain): void {
    this.world.addDomain(d);
  }

  /** Drops the domain and its package associations; connections naming it stay. No-op if absent. */
  removeDomain(name: string): void {
    this.world.removeDomain(name);
  }

  // ---------------------------------------------------------------- packages and S3 (packages.ts)

  /**
   * Puts an object into the emulator's view of S3, where CreatePackage and UpdatePackage copy from.
   * One encrypted with SSE-KMS (`'aws:kms'`, as in the CDK's default staging bucket) ends the
   * package's import in COPY_FAILED, as the developer guide says the service cannot read it.
   */
  putObject(bucket: string, key: string, body = '', encryption: ObjectEncryption = 'AES256'): void {
    this.world.packageCatalog.s3.putObject(bucket, key, body, encryption);
  }

  /** How an object of the emulator's S3 is encrypted; undefined when there is none. */
  objectEncryption(bucket: string, key: string): ObjectEncryption | undefined {
    return this.world.packageCatalog.s3.encryptionOf(bucket, key);
  }

  /** Takes an object out of the emulator's view of S3 (as a lifecycle rule or asset garbage collection would). */
  removeObject(bucket: string, key: string): void {
    this.world.packageCatalog.s3.removeObject(bucket, key);
  }

  hasObject(bucket: string, key: string): boolean {
    return this.world.packageCatalog.s3.hasObject(bucket, key);
  }

  /** Adds a package to the catalog, as if made earlier (AVAILABLE with version v1 unless told). */
  addManagedPackage(seed: SeedManagedPackage): void {
    this.world.packageCatalog.seed(seed);
  }

  /** A package of the catalog (made with CreatePackage or added), after due transitions. */
  managedPackage(packageId: string): ManagedPackageView | undefined {
    return this.world.packageCatalog.view(packageId);
  }

  /** Every package of the catalog, in creation order. */
  managedPackages(): ManagedPackageView[] {
    return this.world.packageCatalog.list();
  }

  /** The next validation of the package with this name ends VALIDATION_FAILED with these details. */
  failPackageValidation(packageName: string, errorType: string, errorMessage: string): void {
    this.world.packageCatalog.failValidation(packageName, errorType, errorMessage);
  }

  /** Merges into the package timing (COPYING, VALIDATING, DELETING); `reset` sets it back to 0. */
  setPackageTiming(timing: PackageTiming): void {
    this.world.packageCatalog.setTiming(timing);
  }

  // ---------------------------------------------------------------- VPC endpoints (vpc-endpoints.ts)

  /** Registers a subnet of the emulated EC2 (its VPC and Availability Zone): endpoints can only be made in known subnets. */
  addSubnet(seed: SeedSubnet): void {
    this.world.vpcEndpoints.addSubnet(seed);
  }

  /** Adds an endpoint, as if made earlier (ACTIVE unless told); its subnets must be registered. */
  addVpcEndpoint(seed: SeedVpcEndpoint): void {
    this.world.vpcEndpoints.addEndpoint(seed);
  }

  /** Authorizes an account id or the OpenSearch UI service principal on a domain, as if done earlier. */
  addVpcEndpointAccess(domainName: string, principal: string): void {
    this.world.vpcEndpoints.addAuthorization(domainName, principal);
  }

  /** The next creation of this endpoint (default: of any endpoint) that settles ends CREATE_FAILED. */
  failVpcEndpointCreate(vpcEndpointId?: string): void {
    this.world.vpcEndpoints.failCreate(vpcEndpointId);
  }

  /** The next update of this endpoint that settles ends UPDATE_FAILED. */
  failVpcEndpointUpdate(vpcEndpointId: string): void {
    this.world.vpcEndpoints.failUpdate(vpcEndpointId);
  }

  /** Merges into the VPC endpoint timing (CREATING, UPDATING, DELETING); `reset` sets it back to 0. */
  setVpcEndpointTiming(timing: VpcEndpointTiming): void {
    this.world.vpcEndpoints.setTiming(timing);
  }

  /** An endpoint after due transitions; undefined once it is gone. */
  vpcEndpoint(vpcEndpointId: string): VpcEndpointView | undefined {
    return this.world.vpcEndpoints.view(vpcEndpointId);
  }

  /** Every endpoint, of every account, in creation order. */
  vpcEndpoints(): VpcEndpointView[] {
    return this.world.vpcEndpoints.list();
  }

  /** Every authorized principal, domain by domain. */
  vpcEndpointAccess(): VpcEndpointAccessView[] {
    return this.world.vpcEndpoints.accessList();
  }

  // ---------------------------------------------------------------- data plane (security-api.ts)

  /** Where requests for domain endpoint host H go: `<domainUrlPrefix>/H` (OPENSEARCH_LIFECYCLE_DOMAIN_URL_PREFIX). */
  get domainUrlPrefix(): string {
    return `${this.url}/domain-endpoints`;
  }

  /** The domain whose data-plane endpoint is this host; undefined when no domain has it. */
  domainOfEndpointHost(host: string): { name: string; ownerId: string; region: string } | undefined {
    return this.world.securityPlane.domainOfHost(host);
  }

  /** A domain's security roles and role mappings as they are now, flags included; undefined = no such domain. */
  security(domainName: string): { roles: Record<string, SecurityEntry>; rolesMapping: Record<string, SecurityEntry> } | undefined {
    return this.world.securityPlane.view(domainName);
  }

  /** Another writer (an administrator) changes a role mapping with these JSON Patch operations. */
  patchRoleMapping(domainName: string, roleName: string, operations: Array<Record<string, unknown>>): void {
    this.world.securityPlane.patchMapping(domainName, roleName, operations as never);
  }

  /** Runs `run` once, just before the next request of this security API operation is handled (another writer between a read and a write). */
  beforeSecurityRequest(operation: SecurityOperationName, run: () => void): void {
    this.world.securityPlane.before(operation, run);
  }

  /** Another writer puts a role (replacing any of that name). */
  putSecurityRole(domainName: string, roleName: string, entry: SecurityEntry): void {
    this.world.securityPlane.putRole(domainName, roleName, entry);
  }

  connection(connectionId: string): ConnectionView | undefined {
    return this.world.connection(connectionId);
  }

  /** undefined = no such domain. */
  packages(domainName: string): PackageView[] | undefined {
    return this.world.packages(domainName);
  }

  /**
   * Reject/Delete/Accept/CreateOutbound/DeleteOutbound/Dissociate/Associate requests that reached state handling, whatever
   * their status. Requests short-circuited by a fault are excluded; 'slow' ones are included
   * once they have been handled, because they do change state.
   */
  mutatingRequests(): RecordedRequest[] {
    return this.requests.filter((r) => MUTATING_OPERATIONS.has(r.operation) && this.handled.has(r));
  }

  clearRequests(): void {
    this.requests.length = 0;
    this.s3.requests.length = 0;
    this.handled = new WeakSet();
  }

  /** The state after due transitions, with every default filled in, for before/after comparisons. */
  snapshot(): World {
    return this.world.snapshot();
  }

  /** Closes the server and destroys every socket, keep-alive ones included; pending slow answers are dropped. */
  stop(): Promise<void> {
    return Promise.all([this.server.close(), this.s3.close()]).then(() => undefined);
  }

  private takeFault(operation: OperationName): Fault | undefined {
    const index = this.faults.findIndex((f) => f.operation === operation || f.operation === '*');
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}
