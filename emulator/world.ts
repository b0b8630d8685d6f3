/**
 * The emulated control-plane state and the semantics of each operation, free of HTTP so the
 * rules can be read in one place. Every operation first settles the transitions that are due,
 * so what a caller sees only depends on `clock()`, never on timers firing.
 */
import type {
  Caller,
  ConnectionStatusCode,
  ConnectionView,
  DomainPackageStatus,
  DomainRef,
  PackageType,
  PackageView,
  SeedConnection,
  SeedDomain,
  SeedPackage,
  ResolvedVariants,
  Timing,
  Variants,
  World,
} from './types';
import { VARIANT_CHOICES } from './types';
import { PackageCatalog } from './packages';
import { VpcEndpointRegistry } from './vpc-endpoints';
import { SecurityPlane } from './security-api';

/** A modeled service error; the HTTP layer turns it into status + `x-amzn-errortype` + `{message}`. */
export class ServiceError extends Error {
  constructor(
    readonly errorType: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const IN_PROGRESS_MESSAGE = 'A change/update is in progress. Please wait for it to complete before requesting another change.';

const validation = (message: string) => new ServiceError('ValidationException', 400, message);
// The service answers 409, not 404, for a missing resource; callers must match on the name.
const notFound = (message: string) => new ServiceError('ResourceNotFoundException', 409, message);
const conflict = (message: string) => new ServiceError('ConflictException', 409, message);

export const DEFAULT_OWNER_ID = '111111111111';
export const DEFAULT_REGION = 'us-east-1';
const MAX_RESULTS = 100;

const CONNECTION_ID = /^[a-z][a-z0-9-]+$/;
const DOMAIN_NAME = /^[a-z][a-z0-9-]+$/;
const PACKAGE_ID = /^([FG][0-9]+)$|^(pkg-[a-f0-9]+)$/;
const FILTER_TOKEN = /^[a-zA-Z0-9\-_.]+$/;

const STATUS_MESSAGES: Record<ConnectionStatusCode, string> = {
  VALIDATING: 'Connection is being validated',
  VALIDATION_FAILED: 'Connection validation failed',
  PENDING_ACCEPTANCE: 'Connection is pending acceptance by the remote domain owner',
  APPROVED: 'Connection was approved and will be provisioned',
  PROVISIONING: 'Connection is being provisioned',
  ACTIVE: 'Connection is active',
  REJECTING: 'Connection is being rejected',
  REJECTED: 'Connection was rejected',
  DELETING: 'Connection is being deleted',
  DELETED: 'Connection is deleted and can no longer be used',
};

/** Connection filters of DescribeInboundConnections and the field each one reads. */
const CONNECTION_FILTERS: Record<string, (c: ConnectionState) => string> = {
  'connection-id': (c) => c.id,
  'local-domain-info.domain-name': (c) => c.source.domainName,
  'local-domain-info.owner-id': (c) => c.source.ownerId,
  'local-domain-info.region': (c) => c.source.region,
  'remote-domain-info.domain-name': (c) => c.destination.domainName,
  'remote-domain-info.owner-id': (c) => c.destination.ownerId,
  'remote-domain-info.region': (c) => c.destination.region,
};

/** The caller when a request names none (the single-account default of every seed). */
export const DEFAULT_CALLER: Caller = { account: DEFAULT_OWNER_ID, region: DEFAULT_REGION };

/** Statuses the destination does not see: the connection has not reached it. */
const NOT_SENT: ReadonlySet<ConnectionStatusCode> = new Set(['VALIDATING', 'VALIDATION_FAILED']);

const CONNECTION_ALIAS = /^[a-zA-Z][a-zA-Z0-9\-_]+$/;
const CONNECTION_MODES = new Set(['DIRECT', 'VPC_ENDPOINT']);

type TimingKey = keyof Timing;

/** The variants with every switch filled in (the first choice of each where not given). */
export function resolveVariants(variants: Variants | undefined): ResolvedVariants {
  const resolved = Object.fromEntries(Object.entries(VARIANT_CHOICES).map(([key, choices]) => [key, choices[0]])) as ResolvedVariants;
  for (const [key, value] of Object.entries(variants ?? {})) {
    const choices = (VARIANT_CHOICES as Record<string, ReadonlyArray<unknown>>)[key];
    if (choices === undefined) throw new TypeError(`Unknown variant '${key}'`);
    if (value === undefined) continue;
    if (!choices.includes(value)) throw new TypeError(`Variant ${key} must be one of ${choices.join(', ')}, got ${String(value)}`);
    (resolved as unknown as Record<string, unknown>)[key] = value;
  }
  return resolved;
}

/**
 * Steps are due at `startedAt + fraction * timing[key]`; the timing is looked up on every check
 * so that `setTiming` can release a transition that was started under Infinity.
 */
interface Transition<S> {
  startedAt: number;
  steps: Array<{ key: TimingKey; fraction: number; to: S }>;
}

type ResolvedRef = Required<DomainRef>;

interface ConnectionState {
  id: string;
  seq: number;
  status: ConnectionStatusCode;
  alias: string;
  mode: string;
  properties?: unknown;
  /** Why validation failed, when it did. */
  failure?: string;
  source: ResolvedRef;
  destination: ResolvedRef;
  hiddenForReads: number;
  transition?: Transition<ConnectionStatusCode>;
}

/** 'GONE' = the dissociation finished and the entry leaves the domain (or fails, see failDissociation). */
type PackageTarget = DomainPackageStatus | 'GONE';

interface PackageState {
  packageId: string;
  seq: number;
  packageName: string;
  packageType: PackageType;
  status: DomainPackageStatus;
  /** epoch milliseconds of `clock()` */
  lastUpdated: number;
  errorType?: string;
  errorMessage?: string;
  prerequisites?: string[];
  associationConfiguration?: unknown;
  /** The package version the domain runs, for packages of the catalog. */
  version?: string;
  transition?: Transition<PackageTarget>;
}

interface DomainState {
  name: string;
  ownerId: string;
  region: string;
  processing: boolean;
  engineVersion: string;
  packages: Map<string, PackageState>;
}

type Json = Record<string, unknown>;

const ZERO_TIMING: Required<Timing> = {
  rejectMs: 0,
  deleteMs: 0,
  acceptMs: 0,
  validateMs: 0,
  dissociateMs: 0,
  associateMs: 0,
  pluginAssociateMs: 0,
};

function resolveTiming(timing: Timing | undefined): Required<Timing> {
  const resolved = { ...ZERO_TIMING };
  for (const [key, value] of Object.entries(timing ?? {}) as Array<[TimingKey, number | undefined]>) {
    if (!(key in ZERO_TIMING)) throw new TypeError(`Unknown timing key '${key}'`);
    if (value === undefined) continue;
    // A negative or NaN delay is a bug in the test, not a scenario worth emulating.
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new TypeError(`Timing ${key} must be a number >= 0 or Infinity, got ${String(value)}`);
    }
    resolved[key] = value;
  }
  return resolved;
}

function resolveRef(ref: DomainRef): ResolvedRef {
  return {
    domainName: ref.domainName,
    ownerId: ref.ownerId ?? DEFAULT_OWNER_ID,
    region: ref.region ?? DEFAULT_REGION,
  };
}

/** The same package ids, in any order; no list and an empty list are the same. */
function sameIds(a: string[] | undefined, b: string[] | undefined): boolean {
  return [...(a ?? [])].sort().join(',') === [...(b ?? [])].sort().join(',');
}

function defaultPackageType(packageId: string): PackageType {
  return packageId.startsWith('F') ? 'TXT-DICTIONARY' : 'ZIP-PLUGIN';
}

function constraintError(field: string, value: unknown, constraint: string): ServiceError {
  return validation(`1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`);
}

export function validateConnectionId(id: string): void {
  if (id.length < 10 || id.length > 256) {
    throw constraintError('connectionId', id, 'Member must have length between 10 and 256');
  }
  if (!CONNECTION_ID.test(id)) {
    throw constraintError('connectionId', id, 'Member must satisfy regular expression pattern: [a-z][a-z0-9\\-]+');
  }
}

export function validateDomainName(name: unknown, field = 'domainName'): string {
  if (typeof name !== 'string') throw constraintError(field, name, 'Member must not be null');
  if (name.length < 3 || name.length > 28) {
    throw constraintError(field, name, 'Member must have length between 3 and 28');
  }
  if (!DOMAIN_NAME.test(name)) {
    throw constraintError(field, name, 'Member must satisfy regular expression pattern: [a-z][a-z0-9\\-]+');
  }
  return name;
}

function validatePackageId(id: unknown, field: string): string {
  if (typeof id !== 'string' || !PACKAGE_ID.test(id)) {
    throw constraintError(field, id, 'Member must satisfy regular expression pattern: ^([FG][0-9]+)$|^(pkg-[a-f0-9]+)$');
  }
  return id;
}

function validateMaxResults(value: unknown, field: string): number {
  if (value === undefined) return MAX_RESULTS;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw constraintError(field, value, 'Member must be an integer');
  }
  // The model only states the maximum; a non-positive page size is refused too, since a page of
  // nothing with a NextToken would make every paginator loop forever.
  if (value > MAX_RESULTS) throw constraintError(field, value, `Member must have value less than or equal to ${MAX_RESULTS}`);
  if (value < 1) throw constraintError(field, value, 'Member must have value greater than or equal to 1');
  return value;
}

function asObject(body: unknown): Json {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw validation('Request body must be a JSON object');
  return body as Json;
}

/** Opaque to clients; carries the last `seq` returned so pages stay stable while items come and go. */
interface Cursor {
  kind: 'connections' | 'packages';
  after: number;
  domain?: string;
}

function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeToken(token: unknown, kind: Cursor['kind'], domain: string | undefined, error: (m: string) => ServiceError): number {
  if (token === undefined) return 0;
  try {
    if (typeof token !== 'string') throw new Error('not a string');
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
    if (cursor.kind === kind && typeof cursor.after === 'number' && cursor.domain === domain) return cursor.after;
  } catch {
    // fall through: every malformed token gets the same answer
  }
  throw error('The pagination token is invalid or does not belong to this request');
}

/** Statuses after which a connection's alias may be used again. */
const ENDED: ReadonlySet<ConnectionStatusCode> = new Set(['VALIDATION_FAILED', 'REJECTED', 'DELETED']);

/** Whether this end of a connection is in the caller's account and region. */
function isEnd(end: { ownerId: string; region: string }, caller: Caller): boolean {
  return end.ownerId === caller.account && end.region === caller.region;
}

function sameRef(a: ResolvedRef, b: ResolvedRef): boolean {
  return a.domainName === b.domainName && a.ownerId === b.ownerId && a.region === b.region;
}

/** A DomainInformationContainer of a request; an omitted owner or region is the caller's. */
function domainInfo(raw: unknown, field: string, caller: Caller): ResolvedRef {
  const info = asObject(asObject(raw).AWSDomainInformation);
  const domainName = validateDomainName(info.DomainName, `${field}.aWSDomainInformation.domainName`);
  const ownerId = info.OwnerId ?? caller.account;
  const region = info.Region ?? caller.region;
  if (typeof ownerId !== 'string' || !/^[0-9]{12}$/.test(ownerId)) {
    throw constraintError(`${field}.aWSDomainInformation.ownerId`, ownerId, 'Member must have length between 12 and 12');
  }
  if (typeof region !== 'string' || region.length < 5 || region.length > 30 || !DOMAIN_NAME.test(region)) {
    throw constraintError(
      `${field}.aWSDomainInformation.region`,
      region,
      'Member must satisfy regular expression pattern: [a-z][a-z0-9\\-]+',
    );
  }
  return { domainName, ownerId, region };
}

export class WorldState {
  private timing: Required<Timing> = { ...ZERO_TIMING };
  private readonly domains = new Map<string, DomainState>();
  private readonly connections = new Map<string, ConnectionState>();
  /** key `${domain}/${packageId}`; consumed by the next dissociation of that package that settles. */
  private readonly dissociationFailures = new Map<string, { errorType: string; errorMessage: string }>();
  /** key `${domain}/${packageId}`; consumed by the next association of that package that settles. */
  private readonly associationFailures = new Map<string, { errorType: string; errorMessage: string }>();
  /** Name and type per package id, so a re-association shows what the package really is. */
  private readonly catalog = new Map<string, { packageName: string; packageType: PackageType }>();
  private seq = 0;
  /** Numbers the connections CreateOutboundConnection makes, from 1 after every reset. */
  private created = 0;
  /** Packages made with CreatePackage, and the emulator's view of S3 (see packages.ts). */
  readonly packageCatalog: PackageCatalog;
  /** VPC endpoints, their authorizations and the subnets they are made in (see vpc-endpoints.ts). */
  readonly vpcEndpoints: VpcEndpointRegistry;
  /** Each domain's security plugin API (its data plane). */
  readonly securityPlane = new SecurityPlane();
  /** The service's answers where AWS documents none; kept across `reset`. */
  variants: ResolvedVariants = resolveVariants(undefined);
  /** `${domain}/${packageId}`: DissociatePackages is refused, as for a dictionary an index uses. */
  private readonly inUse = new Set<string>();
  /** Associations that left their domain but that ListDomainsForPackage still lists for `reads` more reads. */
  private lingering: Array<{ packageId: string; domain: DomainState; rendered: Json; reads: number }> = [];

  constructor(private readonly clock: () => number) {
    this.vpcEndpoints = new VpcEndpointRegistry(
      clock,
      { domainOwner: (name) => this.domainOwner(name) },
      (errorType, statusCode, message) => new ServiceError(errorType, statusCode, message),
      DEFAULT_CALLER,
    );
    this.packageCatalog = new PackageCatalog(
      clock,
      {
        associationsOf: (packageId, caller) => this.associationsOf(packageId, caller),
        lingeringAssociationsOf: (packageId, caller) => this.lingeringAssociationsOf(packageId, caller),
        variants: () => this.variants,
      },
      (errorType, statusCode, message) => new ServiceError(errorType, statusCode, message),
      DEFAULT_CALLER,
    );
  }

  /** Every association of a package, domain by domain, as DomainPackageDetails; with a caller, on its domains only. */
  private associationsOf(packageId: string, caller?: Caller): Json[] {
    this.settle();
    return [...this.domains.values()]
      .filter((domain) => caller === undefined || isEnd(domain, caller))
      .flatMap((domain) => {
        const pkg = domain.packages.get(packageId);
        return pkg ? [this.renderPackage(domain, pkg)] : [];
      });
  }

  /**
   * Associations ListDomainsForPackage still shows after they left their domain (variant
   * `domainsForPackageLagReads`); each read that shows one uses up one of its reads.
   */
  private lingeringAssociationsOf(packageId: string, caller: Caller): Json[] {
    this.settle();
    const shown = this.lingering.filter((l) => l.packageId === packageId && isEnd(l.domain, caller) && l.reads > 0);
    for (const l of shown) l.reads--;
    this.lingering = this.lingering.filter((l) => l.reads > 0);
    return shown.map((l) => l.rendered);
  }

  /** DissociatePackages of this package from this domain is refused as "in use" until `markInUse(..., false)`. */
  markInUse(domainName: string, packageId: string, inUse: boolean): void {
    if (inUse) this.inUse.add(`${domainName}/${packageId}`);
    else this.inUse.delete(`${domainName}/${packageId}`);
  }

  setVariants(variants: Variants): void {
    this.variants = resolveVariants({ ...this.variants, ...variants });
  }

  reset(world: World | undefined, timing: Timing | undefined): void {
    this.inUse.clear();
    this.lingering = [];
    const resolved = resolveTiming(timing);
    this.timing = resolved;
    this.domains.clear();
    this.connections.clear();
    this.dissociationFailures.clear();
    this.associationFailures.clear();
    this.catalog.clear();
    this.created = 0;
    this.packageCatalog.reset();
    this.vpcEndpoints.reset();
    this.securityPlane.reset();
    for (const domain of world?.domains ?? []) this.addDomain(domain);
    for (const connection of world?.connections ?? []) this.addConnection(connection);
  }

  /** Merges: keys left out keep their current delay, so one kind can be released alone. */
  setTiming(timing: Timing): void {
    const changes = resolveTiming(timing);
    // Settle first so that what was already due under the old timing is not re-timed.
    this.settle();
    for (const key of Object.keys(timing) as TimingKey[]) {
      if (timing[key] !== undefined) this.timing[key] = changes[key];
    }
  }

  // ---------------------------------------------------------------- seeding and inspection

  addConnection(seed: SeedConnection): void {
    if (this.connections.has(seed.connectionId)) throw new Error(`Connection ${seed.connectionId} already exists`);
    const connection: ConnectionState = {
      id: seed.connectionId,
      seq: ++this.seq,
      status: seed.status,
      alias: seed.alias ?? `alias-${seed.connectionId}`,
      mode: 'DIRECT',
      source: resolveRef(seed.source),
      destination: resolveRef(seed.destination),
      hiddenForReads: seed.hiddenForReads ?? 0,
    };
    const now = this.clock();
    // A transient seed is treated as an operation that started now, so pollers see it finish.
    switch (seed.status) {
      case 'APPROVED':
        connection.transition = {
          startedAt: now,
          steps: [
            { key: 'acceptMs', fraction: 0.5, to: 'PROVISIONING' },
            { key: 'acceptMs', fraction: 1, to: 'ACTIVE' },
          ],
        };
        break;
      case 'PROVISIONING':
        connection.transition = { startedAt: now, steps: [{ key: 'acceptMs', fraction: 0.5, to: 'ACTIVE' }] };
        break;
      case 'REJECTING':
        connection.transition = { startedAt: now, steps: [{ key: 'rejectMs', fraction: 1, to: 'REJECTED' }] };
        break;
      case 'DELETING':
        connection.transition = { startedAt: now, steps: [{ key: 'deleteMs', fraction: 1, to: 'DELETED' }] };
        break;
      case 'VALIDATING':
        connection.transition = { startedAt: now, steps: [{ key: 'validateMs', fraction: 1, to: 'PENDING_ACCEPTANCE' }] };
        break;
      default:
        break;
    }
    this.connections.set(connection.id, connection);
  }

  addDomain(seed: SeedDomain): void {
    if (this.domains.has(seed.domainName)) throw new Error(`Domain ${seed.domainName} already exists`);
    const ref = resolveRef(seed);
    const domain: DomainState = {
      name: ref.domainName,
      ownerId: ref.ownerId,
      region: ref.region,
      processing: seed.processing ?? false,
      engineVersion: seed.engineVersion ?? 'OpenSearch_2.19',
      packages: new Map(),
    };
    for (const pkg of seed.packages ?? []) {
      if (domain.packages.has(pkg.packageId)) throw new Error(`Package ${pkg.packageId} listed twice on ${seed.domainName}`);
      domain.packages.set(pkg.packageId, this.seedPackage(pkg));
    }
    this.domains.set(domain.name, domain);
    this.securityPlane.addDomain(seed, domain.ownerId, domain.region);
  }

  private seedPackage(seed: SeedPackage): PackageState {
    const now = this.clock();
    const known = this.catalog.get(seed.packageId);
    const packageName = seed.packageName ?? known?.packageName ?? `package-${seed.packageId}`;
    const packageType = seed.packageType ?? known?.packageType ?? defaultPackageType(seed.packageId);
    this.catalog.set(seed.packageId, { packageName, packageType });
    const pkg: PackageState = {
      packageId: seed.packageId,
      seq: ++this.seq,
      packageName,
      packageType,
      status: seed.status ?? 'ACTIVE',
      lastUpdated: now,
      errorType: seed.errorType,
      errorMessage: seed.errorMessage,
    };
    if (pkg.status === 'ASSOCIATING') {
      pkg.transition = { startedAt: now, steps: [{ key: 'associateMs', fraction: 1, to: 'ACTIVE' }] };
    } else if (pkg.status === 'DISSOCIATING') {
      pkg.transition = { startedAt: now, steps: [{ key: 'dissociateMs', fraction: 1, to: 'GONE' }] };
    }
    return pkg;
  }

  /** Who owns a domain, for the VPC endpoint registry; undefined when there is no such domain. */
  private domainOwner(name: string): { ownerId: string; region: string } | undefined {
    const domain = this.domains.get(name);
    return domain ? { ownerId: domain.ownerId, region: domain.region } : undefined;
  }

  removeDomain(name: string): void {
    this.domains.delete(name);
    this.securityPlane.removeDomain(name);
  }

  setProcessing(domainName: string, processing: boolean): void {
    const domain = this.domains.get(domainName);
    if (!domain) throw new Error(`setProcessing: no domain ${domainName}`);
    domain.processing = processing;
  }

  failAssociation(domainName: string, packageId: string, errorType: string, errorMessage: string): void {
    this.associationFailures.set(`${domainName}/${packageId}`, { errorType, errorMessage });
  }

  failDissociation(domainName: string, packageId: string, errorType: string, errorMessage: string): void {
    this.dissociationFailures.set(`${domainName}/${packageId}`, { errorType, errorMessage });
  }

  connection(connectionId: string): ConnectionView | undefined {
    this.settle();
    const c = this.connections.get(connectionId);
    if (!c) return undefined;
    return { connectionId: c.id, status: c.status, alias: c.alias, source: { ...c.source }, destination: { ...c.destination } };
  }

  packages(domainName: string): PackageView[] | undefined {
    this.settle();
    const domain = this.domains.get(domainName);
    if (!domain) return undefined;
    return [...domain.packages.values()].map((p) => ({
      packageId: p.packageId,
      status: p.status,
      ...(p.version !== undefined ? { packageVersion: p.version } : {}),
      ...(p.prerequisites !== undefined ? { prerequisitePackageIds: [...p.prerequisites] } : {}),
      ...(p.errorType !== undefined ? { errorType: p.errorType } : {}),
      ...(p.errorMessage !== undefined ? { errorMessage: p.errorMessage } : {}),
    }));
  }

  snapshot(): World {
    this.settle();
    return {
      domains: [...this.domains.values()].map((d) => ({
        domainName: d.name,
        ownerId: d.ownerId,
        region: d.region,
        processing: d.processing,
        packages: [...d.packages.values()].map((p) => ({
          packageId: p.packageId,
          packageName: p.packageName,
          packageType: p.packageType,
          status: p.status,
          ...(p.errorType !== undefined ? { errorType: p.errorType } : {}),
          ...(p.errorMessage !== undefined ? { errorMessage: p.errorMessage } : {}),
        })),
      })),
      connections: [...this.connections.values()].map((c) => ({
        connectionId: c.id,
        status: c.status,
        alias: c.alias,
        source: { ...c.source },
        destination: { ...c.destination },
        ...(c.hiddenForReads > 0 ? { hiddenForReads: c.hiddenForReads } : {}),
      })),
    };
  }

  // ---------------------------------------------------------------- time

  private dueAt(startedAt: number, step: { key: TimingKey; fraction: number }): number {
    return startedAt + step.fraction * this.timing[step.key];
  }

  /** Applies, in order, every transition step whose due time is not after `clock()`. */
  settle(): void {
    const now = this.clock();
    for (const c of this.connections.values()) {
      while (c.transition) {
        const step = c.transition.steps[0];
        if (!(this.dueAt(c.transition.startedAt, step) <= now)) break;
        c.status = step.to;
        c.transition.steps.shift();
        if (c.transition.steps.length === 0) c.transition = undefined;
      }
    }
    for (const domain of this.domains.values()) {
      for (const pkg of [...domain.packages.values()]) {
        const transition = pkg.transition;
        if (!transition) continue;
        const step = transition.steps[0];
        const at = this.dueAt(transition.startedAt, step);
        if (!(at <= now)) continue;
        pkg.transition = undefined;
        pkg.lastUpdated = at;
        const associationFailure = step.to === 'ACTIVE' ? this.associationFailures.get(`${domain.name}/${pkg.packageId}`) : undefined;
        if (associationFailure) {
          this.associationFailures.delete(`${domain.name}/${pkg.packageId}`);
          pkg.status = 'ASSOCIATION_FAILED';
          pkg.errorType = associationFailure.errorType;
          pkg.errorMessage = associationFailure.errorMessage;
          continue;
        }
        if (step.to !== 'GONE') {
          pkg.status = step.to;
          continue;
        }
        const key = `${domain.name}/${pkg.packageId}`;
        const failure = this.dissociationFailures.get(key);
        if (failure) {
          this.dissociationFailures.delete(key);
          pkg.status = 'DISSOCIATION_FAILED';
          pkg.errorType = failure.errorType;
          pkg.errorMessage = failure.errorMessage;
        } else {
          domain.packages.delete(pkg.packageId);
          if (this.variants.domainsForPackageLagReads > 0) {
            const rendered = { ...this.renderPackage(domain, pkg), DomainPackageStatus: 'DISSOCIATING' };
            this.lingering.push({ packageId: pkg.packageId, domain, rendered, reads: this.variants.domainsForPackageLagReads });
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- operations

  describeInboundConnections(body: unknown, caller: Caller = DEFAULT_CALLER): Json {
    return this.describeConnections(
      body,
      (c) => isEnd(c.destination, caller) && !NOT_SENT.has(c.status),
      (c) => this.renderConnection(c),
    );
  }

  /** DescribeInboundConnections and DescribeOutboundConnections: one side's view, filtered and paged. */
  private describeConnections(body: unknown, visible: (c: ConnectionState) => boolean, render: (c: ConnectionState) => Json): Json {
    const input = asObject(body);
    const filters = this.parseFilters(input.Filters);
    const maxResults = validateMaxResults(input.MaxResults, 'maxResults');
    const after = decodeToken(
      input.NextToken,
      'connections',
      undefined,
      (m) => new ServiceError('InvalidPaginationTokenException', 400, m),
    );
    this.settle();

    const page: ConnectionState[] = [];
    let more = false;
    for (const c of this.connections.values()) {
      if (c.seq <= after || !visible(c) || !filters.every((f) => f.values.includes(f.read(c)))) continue;
      if (page.length === maxResults) {
        more = true;
        break;
      }
      // Hidden only from calls that would otherwise have returned it, so paging past it
      // does not use up its invisibility.
      if (c.hiddenForReads > 0) {
        c.hiddenForReads--;
        continue;
      }
      page.push(c);
    }
    return {
      Connections: page.map(render),
      ...(more ? { NextToken: encodeToken({ kind: 'connections', after: page[page.length - 1].seq }) } : {}),
    };
  }

  private parseFilters(raw: unknown): Array<{ read: (c: ConnectionState) => string; values: string[] }> {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw validation('Filters must be a list');
    return raw.map((filter: unknown, i) => {
      const { Name, Values } = asObject(filter);
      if (typeof Name !== 'string' || Name.length < 1 || Name.length > 100 || !FILTER_TOKEN.test(Name)) {
        throw constraintError(
          `filters.${i + 1}.member.name`,
          Name,
          'Member must satisfy regular expression pattern: [a-zA-Z0-9\\-\\_\\.]+',
        );
      }
      const read = CONNECTION_FILTERS[Name];
      if (!read) throw validation(`Unsupported filter name '${Name}'. Supported: ${Object.keys(CONNECTION_FILTERS).join(', ')}`);
      if (!Array.isArray(Values) || Values.length < 1) {
        throw constraintError(`filters.${i + 1}.member.values`, Values, 'Member must have length greater than or equal to 1');
      }
      for (const value of Values) {
        if (typeof value !== 'string' || value.length < 1 || value.length > 100 || !FILTER_TOKEN.test(value)) {
          throw constraintError(
            `filters.${i + 1}.member.values`,
            value,
            'Member must satisfy regular expression pattern: [a-zA-Z0-9\\-\\_\\.]+',
          );
        }
      }
      return { read, values: Values as string[] };
    });
  }

  rejectInboundConnection(connectionId: string, caller: Caller = DEFAULT_CALLER): Json {
    const c = this.findConnection(connectionId, caller);
    if (c.status !== 'PENDING_ACCEPTANCE') {
      throw validation(`Connection ${c.id} is in ${c.status} state and cannot be rejected`);
    }
    c.status = 'REJECTING';
    c.transition = { startedAt: this.clock(), steps: [{ key: 'rejectMs', fraction: 1, to: 'REJECTED' }] };
    return { Connection: this.renderConnection(c) };
  }

  deleteInboundConnection(connectionId: string, caller: Caller = DEFAULT_CALLER): Json {
    const c = this.findConnection(connectionId, caller);
    if (c.status === 'REJECTED' || c.status === 'DELETED') {
      throw notFound(`Inbound connection ${c.id} not found`);
    }
    // A repeated delete while one is running is accepted and leaves the running one alone.
    if (c.status !== 'DELETING') {
      c.status = 'DELETING';
      c.transition = { startedAt: this.clock(), steps: [{ key: 'deleteMs', fraction: 1, to: 'DELETED' }] };
    }
    return { Connection: this.renderConnection(c) };
  }

  acceptInboundConnection(connectionId: string, caller: Caller = DEFAULT_CALLER): Json {
    const c = this.findConnection(connectionId, caller);
    if (c.status !== 'PENDING_ACCEPTANCE') {
      throw validation(`Connection ${c.id} is in ${c.status} state and cannot be accepted`);
    }
    c.status = 'APPROVED';
    c.transition = {
      startedAt: this.clock(),
      steps: [
        { key: 'acceptMs', fraction: 0.5, to: 'PROVISIONING' },
        { key: 'acceptMs', fraction: 1, to: 'ACTIVE' },
      ],
    };
    return { Connection: this.renderConnection(c) };
  }

  /** The inbound connection as its destination's owner sees it: another account's connections are not found. */
  private findConnection(connectionId: string, caller: Caller): ConnectionState {
    validateConnectionId(connectionId);
    this.settle();
    const c = this.connections.get(connectionId);
    if (!c || !isEnd(c.destination, caller) || NOT_SENT.has(c.status)) throw notFound(`Inbound connection ${connectionId} not found`);
    return c;
  }

  // ---------------------------------------------------------------- outbound connections (the source's side)

  createOutboundConnection(body: unknown, caller: Caller = DEFAULT_CALLER): Json {
    const input = asObject(body);
    const localInfo = asObject(asObject(input.LocalDomainInfo).AWSDomainInformation);
    if (
      this.variants.localDomainInfo === 'owner-and-region-required' &&
      (localInfo.OwnerId === undefined || localInfo.Region === undefined)
    ) {
      throw validation('LocalDomainInfo must name the OwnerId and the Region of the local domain');
    }
    const local = domainInfo(input.LocalDomainInfo, 'localDomainInfo', caller);
    const remote = domainInfo(input.RemoteDomainInfo, 'remoteDomainInfo', caller);
    const alias = input.ConnectionAlias;
    if (typeof alias !== 'string' || alias.length < 2 || alias.length > 100 || !CONNECTION_ALIAS.test(alias)) {
      throw constraintError('connectionAlias', alias, 'Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9\\-\\_]+');
    }
    const mode = input.ConnectionMode ?? 'DIRECT';
    if (typeof mode !== 'string' || !CONNECTION_MODES.has(mode)) {
      throw constraintError('connectionMode', mode, 'Member must satisfy enum value set: [DIRECT, VPC_ENDPOINT]');
    }
    if (!isEnd(local, caller)) {
      throw validation(`The local domain must be in the caller's account ${caller.account} and region ${caller.region}`);
    }
    this.settle();
    const localDomain = this.domains.get(local.domainName);
    if (!localDomain || !isEnd({ ownerId: localDomain.ownerId, region: localDomain.region }, caller)) {
      // ResourceNotFoundException is not among CreateOutboundConnection's modeled errors.
      throw validation(`Domain not found: ${local.domainName}`);
    }
    // Inferred, not documented: the same alias between the same two domains is "already exists";
    // whether it is also for another remote domain of the same local one is a variant.
    const aliasPerLocalDomain = this.variants.connectionAliasScope === 'local-domain';
    for (const c of this.connections.values()) {
      const sameScope = sameRef(c.source, local) && (aliasPerLocalDomain || sameRef(c.destination, remote));
      if (c.alias === alias && sameScope && !ENDED.has(c.status)) {
        throw new ServiceError('ResourceAlreadyExistsException', 409, `A connection with alias ${alias} already exists: ${c.id}`);
      }
    }
    const remoteDomain = this.domains.get(remote.domainName);
    const remoteExists =
      remoteDomain !== undefined &&
      sameRef({ ...remote }, { domainName: remoteDomain.name, ownerId: remoteDomain.ownerId, region: remoteDomain.region });
    const connection: ConnectionState = {
      id: `cc-out-${String(++this.created).padStart(6, '0')}`,
      seq: ++this.seq,
      status: 'VALIDATING',
      alias,
      mode,
      properties: input.ConnectionProperties,
      source: local,
      destination: remote,
      hiddenForReads: this.variants.newConnectionHiddenForReads,
      failure: remoteExists
        ? undefined
        : `Remote domain ${remote.domainName} not found in account ${remote.ownerId} region ${remote.region}`,
      transition: {
        startedAt: this.clock(),
        steps: [{ key: 'validateMs', fraction: 1, to: remoteExists ? 'PENDING_ACCEPTANCE' : 'VALIDATION_FAILED' }],
      },
    };
    this.connections.set(connection.id, connection);
    return this.renderOutbound(connection);
  }

  describeOutboundConnections(body: unknown, caller: Caller = DEFAULT_CALLER): Json {
    return this.describeConnections(
      body,
      (c) => isEnd(c.source, caller),
      (c) => this.renderOutbound(c),
    );
  }

  deleteOutboundConnection(connectionId: string, caller: Caller = DEFAULT_CALLER): Json {
    validateConnectionId(connectionId);
    this.settle();
    const c = this.connections.get(connectionId);
    if (!c || !isEnd(c.source, caller) || c.status === 'REJECTED' || c.status === 'DELETED') {
      throw notFound(`Outbound connection ${connectionId} not found`);
    }
    if (c.status !== 'DELETING') {
      c.status = 'DELETING';
      c.transition = { startedAt: this.clock(), steps: [{ key: 'deleteMs', fraction: 1, to: 'DELETED' }] };
    }
    return { Connection: this.renderOutbound(c) };
  }

  dissociatePackages(body: unknown): Json {
    const input = asObject(body);
    const domainName = validateDomainName(input.DomainName, 'domainName');
    if (!Array.isArray(input.PackageList)) throw constraintError('packageList', input.PackageList, 'Member must not be null');
    if (input.PackageList.length === 0) throw validation('PackageList must contain at least one package ID');
    const ids = [...new Set(input.PackageList.map((id: unknown, i: number) => validatePackageId(id, `packageList.${i + 1}.member`)))];

    const domain = this.domainForPackageChange(domainName);
    // All checks before any change: a refused request must leave the domain untouched.
    const targets = ids.map((id) => {
      const pkg = domain.packages.get(id);
      if (!pkg) throw validation('Package is not associated to this domain');
      if (this.inUse.has(`${domainName}/${id}`)) {
        const message = `Package ${id} is currently in use by one or more indices of domain ${domainName}`;
        throw this.variants.packageInUse === 'ConflictException' ? conflict(message) : validation(message);
      }
      // Whether an entry that never became ACTIVE may be dissociated is not documented: a variant.
      if (pkg.status === 'ASSOCIATION_FAILED' && this.variants.dissociateAssociationFailed !== 'accepted') {
        const refusal = `Package ${id} cannot be dissociated from domain ${domainName} in status ASSOCIATION_FAILED`;
        throw this.variants.dissociateAssociationFailed === 'ConflictException' ? conflict(refusal) : validation(refusal);
      }
      return pkg;
    });
    const now = this.clock();
    for (const pkg of targets) {
      pkg.status = 'DISSOCIATING';
      pkg.lastUpdated = now;
      pkg.errorType = undefined;
      pkg.errorMessage = undefined;
      pkg.transition = { startedAt: now, steps: [{ key: 'dissociateMs', fraction: 1, to: 'GONE' }] };
    }
    return { DomainPackageDetailsList: targets.map((p) => this.renderPackage(domain, p)) };
  }

  associatePackages(body: unknown, caller: Caller = DEFAULT_CALLER): Json {
    const input = asObject(body);
    const domainName = validateDomainName(input.DomainName, 'domainName');
    if (!Array.isArray(input.PackageList)) throw constraintError('packageList', input.PackageList, 'Member must not be null');
    if (input.PackageList.length === 0) throw validation('PackageList must contain at least one package');
    const requested = new Map<string, { prerequisites?: string[]; associationConfiguration?: unknown }>();
    input.PackageList.forEach((raw: unknown, i: number) => {
      const entry = asObject(raw);
      const id = validatePackageId(entry.PackageID, `packageList.${i + 1}.member.packageID`);
      let prerequisites: string[] | undefined;
      if (entry.PrerequisitePackageIDList !== undefined) {
        if (!Array.isArray(entry.PrerequisitePackageIDList)) throw validation('PrerequisitePackageIDList must be a list');
        prerequisites = entry.PrerequisitePackageIDList.map((p: unknown, j: number) =>
          validatePackageId(p, `packageList.${i + 1}.member.prerequisitePackageIDList.${j + 1}.member`),
        );
      }
      requested.set(id, { prerequisites, associationConfiguration: entry.AssociationConfiguration });
    });

    const domain = this.domainForPackageChange(domainName);
    for (const [id, details] of requested) {
      // Another account's or region's package is not found, nor is a prerequisite of theirs.
      for (const prerequisite of details.prerequisites ?? []) this.packageCatalog.facts(prerequisite, caller);
      const managed = this.packageCatalog.facts(id, caller);
      // AWS-owned package ids are per engine version (terraform-provider-aws#39363); how another
      // engine's id is refused is not documented: a variant.
      if (managed?.awsOwned && managed.engineVersion !== undefined && managed.engineVersion !== domain.engineVersion) {
        const message = `Package ${id} is not compatible with the engine version ${domain.engineVersion} of domain ${domainName}`;
        throw this.variants.awsPackageOtherEngine === 'ValidationException' ? validation(message) : notFound(message);
      }
      if (managed && managed.status !== 'AVAILABLE' && managed.availableVersion === undefined) {
        throw validation(`Package ${id} is ${managed.status} and has no available version yet`);
      }
      const existing = domain.packages.get(id);
      // A failed association may be retried, and a package with a newer version may be associated
      // again to move the domain to it; anything else already on the domain is "done".
      const newerVersion = managed?.availableVersion !== undefined && existing?.version !== managed.availableVersion;
      // So may an association with other prerequisites, so that the domain gets the new ones.
      const otherPrerequisites = !sameIds(existing?.prerequisites, requested.get(id)?.prerequisites);
      const mayReassociate =
        existing?.status === 'ACTIVE' &&
        (newerVersion ||
          this.variants.reassociateActive === 'accepted' ||
          (otherPrerequisites && this.variants.reassociateActive === 'refused-if-unchanged'));
      if (existing && existing.status !== 'ASSOCIATION_FAILED' && !mayReassociate) {
        throw conflict('Package is already in desired state');
      }
    }
    const now = this.clock();
    const created: PackageState[] = [];
    for (const [id, details] of requested) {
      domain.packages.delete(id);
      const managed = this.packageCatalog.facts(id);
      const known = managed ?? this.catalog.get(id);
      // A plugin of the catalog installs through a blue/green deployment, which takes long.
      const key = managed?.packageType === 'ZIP-PLUGIN' ? 'pluginAssociateMs' : 'associateMs';
      const pkg: PackageState = {
        packageId: id,
        seq: ++this.seq,
        packageName: known?.packageName ?? `package-${id}`,
        packageType: known?.packageType ?? defaultPackageType(id),
        status: 'ASSOCIATING',
        lastUpdated: now,
        prerequisites: details.prerequisites,
        associationConfiguration: details.associationConfiguration,
        version: managed?.availableVersion,
        transition: { startedAt: now, steps: [{ key, fraction: 1, to: 'ACTIVE' }] },
      };
      this.catalog.set(id, { packageName: pkg.packageName, packageType: pkg.packageType });
      domain.packages.set(id, pkg);
      created.push(pkg);
    }
    return { DomainPackageDetailsList: created.map((p) => this.renderPackage(domain, p)) };
  }

  /** The checks shared by both package-mutating operations, in the order the brief fixes. */
  private domainForPackageChange(domainName: string): DomainState {
    this.settle();
    const domain = this.domains.get(domainName);
    if (!domain) throw notFound(`Domain not found: ${domainName}`);
    if (domain.processing) throw validation(IN_PROGRESS_MESSAGE);
    for (const pkg of domain.packages.values()) {
      if (pkg.status === 'ASSOCIATING' || pkg.status === 'DISSOCIATING') {
        throw conflict(`Another package operation is in progress on domain ${domainName}`);
      }
    }
    return domain;
  }

  listPackagesForDomain(domainName: string, query: Record<string, string>): Json {
    validateDomainName(domainName);
    let maxResults: unknown;
    if (query.maxResults !== undefined) {
      maxResults = /^-?\d+$/.test(query.maxResults) ? Number(query.maxResults) : query.maxResults;
    }
    const limit = validateMaxResults(maxResults, 'maxResults');
    // InvalidPaginationTokenException is not modeled for this operation, hence ValidationException.
    const after = decodeToken(query.nextToken, 'packages', domainName, validation);
    this.settle();
    const domain = this.domains.get(domainName);
    if (!domain) throw notFound(`Domain not found: ${domainName}`);
    const remaining = [...domain.packages.values()].filter((p) => p.seq > after);
    const page = remaining.slice(0, limit);
    return {
      DomainPackageDetailsList: page.map((p) => this.renderPackage(domain, p)),
      ...(remaining.length > limit
        ? { NextToken: encodeToken({ kind: 'packages', after: page[page.length - 1].seq, domain: domainName }) }
        : {}),
    };
  }

  describeDomain(domainName: string): Json {
    validateDomainName(domainName);
    this.settle();
    const domain = this.domains.get(domainName);
    if (!domain) throw notFound(`Domain not found: ${domainName}`);
    return {
      DomainStatus: {
        DomainId: `${domain.ownerId}/${domain.name}`,
        DomainName: domain.name,
        ARN: `arn:aws:es:${domain.region}:${domain.ownerId}:domain/${domain.name}`,
        Created: true,
        Deleted: false,
        Processing: domain.processing || this.pluginChangeRunning(domain),
        EngineVersion: domain.engineVersion,
        DomainProcessingStatus: domain.processing || this.pluginChangeRunning(domain) ? 'Modifying' : 'Active',
        ClusterConfig: {},
      },
    };
  }

  /** A plugin being associated or dissociated: the domain runs a blue/green deployment. */
  private pluginChangeRunning(domain: DomainState): boolean {
    return [...domain.packages.values()].some(
      (p) => p.packageType === 'ZIP-PLUGIN' && (p.status === 'ASSOCIATING' || p.status === 'DISSOCIATING'),
    );
  }

  // ---------------------------------------------------------------- wire shapes

  private renderConnection(c: ConnectionState): Json {
    const info = (ref: ResolvedRef) => ({
      AWSDomainInformation: { OwnerId: ref.ownerId, DomainName: ref.domainName, Region: ref.region },
    });
    return {
      ConnectionId: c.id,
      ConnectionMode: 'DIRECT',
      ConnectionStatus: {
        StatusCode: c.status,
        Message: c.status === 'VALIDATION_FAILED' && c.failure ? c.failure : STATUS_MESSAGES[c.status],
      },
      LocalDomainInfo: info(c.source),
      RemoteDomainInfo: info(c.destination),
    };
  }

  /** The outbound shape: the inbound one plus the alias, the mode and the properties. */
  private renderOutbound(c: ConnectionState): Json {
    return {
      ...this.renderConnection(c),
      ConnectionMode: c.mode,
      ConnectionAlias: c.alias,
      ...(c.properties !== undefined ? { ConnectionProperties: c.properties } : {}),
    };
  }

  private renderPackage(domain: DomainState, p: PackageState): Json {
    return {
      PackageID: p.packageId,
      PackageName: p.packageName,
      PackageType: p.packageType,
      // rest-json timestamps travel as epoch seconds
      LastUpdated: p.lastUpdated / 1000,
      DomainName: domain.name,
      DomainPackageStatus: p.status,
      ...(p.version !== undefined ? { PackageVersion: p.version } : {}),
      // Whether the service returns the member at all is not documented: echoed (empty when none), or never.
      ...(this.variants.prerequisitesEchoed === 'echoed' ? { PrerequisitePackageIDList: p.prerequisites ?? [] } : {}),
      ...(p.associationConfiguration !== undefined ? { AssociationConfiguration: p.associationConfiguration } : {}),
      ...(p.errorType !== undefined || p.errorMessage !== undefined
        ? { ErrorDetails: { ErrorType: p.errorType, ErrorMessage: p.errorMessage } }
        : {}),
    };
  }
}
