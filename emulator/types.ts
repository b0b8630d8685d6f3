/**
 * Public types of the OpenSearch control-plane emulator. Kept apart from the implementation so
 * that test helpers can import the shapes without pulling in `http`.
 */
import type { SecurityOperationName, SeedSecurity } from './security-api';

export type InboundConnectionStatusCode =
  'PENDING_ACCEPTANCE' | 'APPROVED' | 'PROVISIONING' | 'ACTIVE' | 'REJECTING' | 'REJECTED' | 'DELETING' | 'DELETED';

/** Every status a connection can have; the inbound side never shows VALIDATING or VALIDATION_FAILED. */
export type ConnectionStatusCode = InboundConnectionStatusCode | 'VALIDATING' | 'VALIDATION_FAILED';

/**
 * Who is calling: the account comes from the access key id (see README: the last 12 digits of the
 * key, else 111111111111), the region from the request's SigV4 credential scope.
 */
export interface Caller {
  account: string;
  region: string;
}

export type DomainPackageStatus = 'ASSOCIATING' | 'ASSOCIATION_FAILED' | 'ACTIVE' | 'DISSOCIATING' | 'DISSOCIATION_FAILED';

export type PackageType = 'TXT-DICTIONARY' | 'ZIP-PLUGIN' | 'PACKAGE-LICENSE' | 'PACKAGE-CONFIG';

export interface DomainRef {
  domainName: string;
  /** @default '111111111111' */
  ownerId?: string;
  /** @default 'us-east-1' */
  region?: string;
}

export interface SeedConnection {
  connectionId: string;
  /**
   * A transient status (APPROVED, PROVISIONING, REJECTING, DELETING) behaves as if the operation
   * had started at seed time: it settles after the matching `Timing` delay.
   */
  status: ConnectionStatusCode;
  /** The outbound side's alias. @default - `alias-<connectionId>` */
  alias?: string;
  /** The domain that created the outbound side; `LocalDomainInfo` of the inbound connection. */
  source: DomainRef;
  /** The domain whose owner accepts, rejects or deletes; `RemoteDomainInfo` of the inbound connection. */
  destination: DomainRef;
  /**
   * Eventual consistency: the first N DescribeInboundConnections calls that would otherwise return
   * this connection do not return it.
   */
  hiddenForReads?: number;
}

export interface SeedPackage {
  packageId: string;
  /** @default - `package-<packageId>` */
  packageName?: string;
  /** @default - 'TXT-DICTIONARY' for `F…` ids, 'ZIP-PLUGIN' otherwise */
  packageType?: PackageType;
  /**
   * ASSOCIATING and DISSOCIATING behave as if the operation had started at seed time.
   * @default 'ACTIVE'
   */
  status?: DomainPackageStatus;
  /** `ErrorDetails.ErrorType`, only meaningful for a *_FAILED status. */
  errorType?: string;
  /** `ErrorDetails.ErrorMessage`, only meaningful for a *_FAILED status. */
  errorMessage?: string;
}

export interface SeedDomain extends DomainRef {
  packages?: SeedPackage[];
  /**
   * The domain's endpoint host, which its data plane answers to (`security-api.ts`).
   * @default - any `search-<name>-….<region>.es.…` or `vpc-<name>-….<region>.es.…` host
   */
  endpoint?: string;
  /** DescribeDomain's EngineVersion; AWS-owned packages of another engine are refused, and `Elasticsearch_7.10` serves the security API only under `_opendistro`. @default 'OpenSearch_2.19' */
  engineVersion?: string;
  /** Fine-grained access control: the master user, roles and mappings (see `SeedSecurity`). */
  security?: SeedSecurity;
  /** A configuration change (blue/green) is running: package operations are refused. */
  processing?: boolean;
}

export interface World {
  domains?: SeedDomain[];
  connections?: SeedConnection[];
}

/**
 * How long each transient state lasts, in milliseconds of `clock()`.
 * 0 (the default) = settles at the next read; Infinity = never settles.
 * Delays are read when a transition is checked, not when it starts, so `setTiming` also
 * speeds up or releases transitions already in flight (e.g. Infinity, then 0).
 */
export interface Timing {
  rejectMs?: number;
  deleteMs?: number;
  /** APPROVED → PROVISIONING at half of it, ACTIVE at all of it. */
  acceptMs?: number;
  /** A new outbound connection: VALIDATING → PENDING_ACCEPTANCE (or VALIDATION_FAILED). */
  validateMs?: number;
  dissociateMs?: number;
  associateMs?: number;
  /** Associating a ZIP-PLUGIN made with CreatePackage (a blue/green deployment); other packages use associateMs. */
  pluginAssociateMs?: number;
}

export type OperationName =
  | 'DescribeInboundConnections'
  | 'RejectInboundConnection'
  | 'DeleteInboundConnection'
  | 'AcceptInboundConnection'
  | 'CreateOutboundConnection'
  | 'DescribeOutboundConnections'
  | 'DeleteOutboundConnection'
  | 'DissociatePackages'
  | 'AssociatePackages'
  | 'ListPackagesForDomain'
  | 'DescribeDomain'
  | PackageOperationName
  | VpcEndpointOperationName
  | SecurityOperationName;

/** The VPC endpoint operations, modeled in `vpc-endpoints.ts`. */
export type VpcEndpointOperationName =
  | 'CreateVpcEndpoint'
  | 'DescribeVpcEndpoints'
  | 'UpdateVpcEndpoint'
  | 'DeleteVpcEndpoint'
  | 'ListVpcEndpoints'
  | 'ListVpcEndpointsForDomain'
  | 'AuthorizeVpcEndpointAccess'
  | 'RevokeVpcEndpointAccess'
  | 'ListVpcEndpointAccess';

/** The package operations, modeled in `packages.ts`. */
export type PackageOperationName =
  | 'CreatePackage'
  | 'UpdatePackage'
  | 'DeletePackage'
  | 'DescribePackages'
  | 'GetPackageVersionHistory'
  | 'ListDomainsForPackage'
  | 'AssociatePackage'
  | 'DissociatePackage';

export type FaultKind =
  /** 429 ThrottlingException "Rate exceeded" */
  | 'throttle'
  /** 500 InternalException */
  | 'internal'
  /** 409 ConflictException */
  | 'conflict'
  /** 400 ValidationException "A change/update is in progress..." */
  | 'in-progress'
  /** 403 AccessDeniedException, as when a policy or an SCP denies the action */
  | 'access-denied'
  /** the socket is destroyed, no response at all */
  | 'drop'
  /** wait `delayMs`, then handle the request normally (state changes do happen) */
  | 'slow';

export interface Fault {
  operation: OperationName | '*';
  kind: FaultKind;
  /** How many matching requests it hits; Infinity allowed. */
  times: number;
  /** Only for 'slow'. @default 1000 */
  delayMs?: number;
}

export interface RecordedRequest {
  operation: OperationName | 'Unknown';
  method: string;
  /** The URL path as sent (still percent-encoded), without the query string. */
  path: string;
  /** Decoded query parameters, present only when the request had any. */
  query?: Record<string, string>;
  /** Parsed JSON body; the raw text if it was not JSON; undefined when empty. */
  body: unknown;
  /** The HTTP status answered; 0 while a slow request is pending and for a dropped one. */
  status: number;
  errorType?: string;
  fault?: FaultKind;
  /** `clock()` when the request arrived. */
  at: number;
  /** Who signed it (absent for an unsigned request). */
  caller?: Caller;
}

/**
 * The answers the service's documentation leaves open, one switch each (see
 * docs/aws-assumptions.md). The first value of each in `VARIANT_CHOICES` is the default. A test of
 * a handler that depends on one runs under every value (`eachVariant`), so that no handler can come
 * to rely on the convenient answer. New emulator areas add their switches here.
 */
export interface Variants {
  /** The order of GetPackageVersionHistory's entries. */
  versionHistoryOrder?: 'newest-first' | 'oldest-first';
  /** Whether association answers (ListPackagesForDomain, AssociatePackages, ...) echo `PrerequisitePackageIDList` (an empty list when none), or never return it. */
  prerequisitesEchoed?: 'echoed' | 'omitted';
  /**
   * AssociatePackages of a package that is ACTIVE at the package's available version: refused
   * (`ConflictException: Package is already in desired state`, as users report) unless the
   * prerequisites differ, refused whatever the prerequisites, or accepted and associated again.
   */
  reassociateActive?: 'refused-if-unchanged' | 'always-refused' | 'accepted';
  /** How a package id that does not exist is answered: ResourceNotFoundException, or `ValidationException: Package not found`. */
  packageNotFound?: 'ResourceNotFoundException' | 'ValidationException';
  /** How DissociatePackages of a package an index uses (`markInUse`) is refused. */
  packageInUse?: 'ConflictException' | 'ValidationException';
  /** How many DescribeOutboundConnections / DescribeInboundConnections reads miss a connection just made by CreateOutboundConnection. */
  newConnectionHiddenForReads?: 0 | 3;
  /** How many ListDomainsForPackage reads still list an association after it left the domain. */
  domainsForPackageLagReads?: 0 | 3;
  /** UpdatePackage with the source of the available version and a new description: only the description changes, or a new version is imported. */
  sameSourceUpdate?: 'description-only' | 'new-version';
  /** CreateOutboundConnection's LocalDomainInfo without OwnerId and Region: filled in from the caller, or refused. */
  localDomainInfo?: 'caller-filled' | 'owner-and-region-required';
  /** CreatePackage of a name an AWS-owned or partner package has: allowed, or ResourceAlreadyExistsException. */
  foreignPackageName?: 'allowed' | 'already-exists';
  /** Where CreateOutboundConnection's alias must be unique among connections that have not ended: per pair of domains, or per local domain. */
  connectionAliasScope?: 'domain-pair' | 'local-domain';
  /** DissociatePackages of an ASSOCIATION_FAILED entry: accepted, or refused with ValidationException or ConflictException. */
  dissociateAssociationFailed?: 'accepted' | 'ValidationException' | 'ConflictException';
  /** AssociatePackages of an AWS-owned (`G…`) package built for another engine version than the domain's: ValidationException, or ResourceNotFoundException. */
  awsPackageOtherEngine?: 'ValidationException' | 'ResourceNotFoundException';
}

/** Every value of every switch; the first is the default. */
export const VARIANT_CHOICES: { readonly [K in keyof Variants]-?: ReadonlyArray<NonNullable<Variants[K]>> } = {
  versionHistoryOrder: ['newest-first', 'oldest-first'],
  prerequisitesEchoed: ['echoed', 'omitted'],
  reassociateActive: ['refused-if-unchanged', 'always-refused', 'accepted'],
  packageNotFound: ['ResourceNotFoundException', 'ValidationException'],
  packageInUse: ['ConflictException', 'ValidationException'],
  newConnectionHiddenForReads: [0, 3],
  domainsForPackageLagReads: [0, 3],
  sameSourceUpdate: ['description-only', 'new-version'],
  localDomainInfo: ['caller-filled', 'owner-and-region-required'],
  foreignPackageName: ['allowed', 'already-exists'],
  connectionAliasScope: ['domain-pair', 'local-domain'],
  dissociateAssociationFailed: ['accepted', 'ValidationException', 'ConflictException'],
  awsPackageOtherEngine: ['ValidationException', 'ResourceNotFoundException'],
};

export type ResolvedVariants = Required<Variants>;

export interface EmulatorOptions {
  world?: World;
  timing?: Timing;
  /** The service's behaviour where AWS documents none; kept across `reset`. @default the first of each `VARIANT_CHOICES` */
  variants?: Variants;
  /** @default Date.now */
  clock?: () => number;
  /** @default 0 - any free port */
  port?: number;
}

export interface ConnectionView {
  connectionId: string;
  status: ConnectionStatusCode;
  alias: string;
  source: DomainRef;
  destination: DomainRef;
}

export interface PackageView {
  packageId: string;
  status: DomainPackageStatus;
  /** The version the domain runs, for packages made with CreatePackage. */
  packageVersion?: string;
  /** The prerequisites the association was made with (AssociatePackages' PrerequisitePackageIDList). */
  prerequisitePackageIds?: string[];
  errorType?: string;
  errorMessage?: string;
}
