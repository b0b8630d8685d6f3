/**
 * The emulator's package catalog (CreatePackage, UpdatePackage, DeletePackage, DescribePackages,
 * GetPackageVersionHistory, ListDomainsForPackage) and its view of S3, kept apart from `world.ts`:
 * the world keeps the domains and their associations, and asks the catalog what a package is.
 *
 * A package's import runs COPYING (for `copyMs`), then VALIDATING (for `validateMs`), then
 * AVAILABLE with a new version. The copy reads the emulator's S3 view at the moment it settles:
 * a source object that is not there ends COPY_FAILED, like a wrong bucket or key on AWS.
 *
 * Packages are regional and belong to an account: the one whose caller made them (CreatePackage)
 * or the seed's. Another account or region does not see them (ResourceNotFoundException, and
 * DescribePackages leaves them out), nor can it associate them. AWS-owned packages (ids `G…`) are
 * seen by everyone. Package names are unique per account and region.
 */
import type { Caller, PackageType, ResolvedVariants } from './types';

type Json = Record<string, unknown>;

/** A modeled service error, as `world.ts` throws them (kept structurally the same to avoid a cycle). */
export interface CatalogError extends Error {
  readonly errorType: string;
  readonly statusCode: number;
}

export type ManagedPackageStatus =
  'COPYING' | 'COPY_FAILED' | 'VALIDATING' | 'VALIDATION_FAILED' | 'AVAILABLE' | 'DELETING' | 'DELETED' | 'DELETE_FAILED';

/** How long each step of a package lasts, in milliseconds of `clock()`; 0 = settles at the next read. */
export interface PackageTiming {
  copyMs?: number;
  validateMs?: number;
  deletePackageMs?: number;
}

export interface SeedManagedPackage {
  packageId: string;
  packageName: string;
  /** @default 'TXT-DICTIONARY' */
  packageType?: PackageType;
  description?: string;
  engineVersion?: string;
  /** @default 'AVAILABLE' */
  status?: ManagedPackageStatus;
  /** Oldest first. @default ['v1'] when AVAILABLE */
  versions?: Array<string | { version: string; commitMessage?: string }>;
  /** The owning account. @default the emulator's default account (111111111111) */
  ownerId?: string;
  /** The package's region. @default the emulator's default region (us-east-1) */
  region?: string;
  /**
   * A package every account sees, as DescribePackages shows partner packages (`PackageOwner` is
   * this value). `G…` ids are AWS-owned (`PackageOwner: AWS`) without it.
   */
  packageOwner?: string;
}

export interface ManagedPackageView {
  packageId: string;
  /** The owning account and the region of the package. */
  ownerId: string;
  region: string;
  packageName: string;
  packageType: PackageType;
  status: ManagedPackageStatus;
  description?: string;
  availableVersion?: string;
  versions: Array<{ version: string; commitMessage?: string }>;
  errorType?: string;
  errorMessage?: string;
}

/** What an association needs to know about a package. */
export interface PackageFacts {
  packageName: string;
  packageType: PackageType;
  status: ManagedPackageStatus;
  availableVersion?: string;
  /** An AWS-owned (`G…`) package, and the engine version it is built for. */
  awsOwned: boolean;
  engineVersion?: string;
}

interface Source {
  bucket: string;
  key: string;
}

interface Version {
  version: string;
  commitMessage?: string;
  createdAt: number;
  source: Source;
}

interface Import {
  startedAt: number;
  source: Source;
  commitMessage?: string;
}

interface ManagedPackage {
  id: string;
  owner: Caller;
  /** Set for a package every account sees (a partner's); see SeedManagedPackage. */
  publicOwner?: string;
  seq: number;
  name: string;
  type: PackageType;
  description?: string;
  engineVersion?: string;
  status: ManagedPackageStatus;
  createdAt: number;
  lastUpdatedAt: number;
  versions: Version[];
  errorType?: string;
  errorMessage?: string;
  importing?: Import;
  deletingSince?: number;
}

const PACKAGE_TYPES: ReadonlySet<string> = new Set(['TXT-DICTIONARY', 'ZIP-PLUGIN', 'PACKAGE-LICENSE', 'PACKAGE-CONFIG']);
const PACKAGE_NAME = /^[a-z][a-z0-9-]+$/;
const ENGINE_VERSION = /^Elasticsearch_[0-9]{1}\.[0-9]{1,2}$|^OpenSearch_[0-9]{1,2}\.[0-9]{1,2}$/;
const FILTER_NAMES: Record<string, (p: ManagedPackage) => string | undefined> = {
  PackageID: (p) => p.id,
  PackageName: (p) => p.name,
  PackageStatus: (p) => p.status,
  PackageType: (p) => p.type,
  EngineVersion: (p) => p.engineVersion,
};
const MAX_RESULTS = 100;
const IN_FLIGHT: ReadonlySet<ManagedPackageStatus> = new Set(['COPYING', 'VALIDATING', 'DELETING']);

/** How an object is encrypted at rest: SSE-S3 or SSE-KMS (`x-amz-server-side-encryption`). */
export type ObjectEncryption = 'AES256' | 'aws:kms';

/** The emulator's view of S3: which objects exist, by bucket and key, and how each is encrypted. */
export class ObjectStore {
  private readonly objects = new Map<string, string>();
  private readonly encryption = new Map<string, ObjectEncryption>();

  putObject(bucket: string, key: string, body = '', encryption: ObjectEncryption = 'AES256'): void {
    this.objects.set(`${bucket}/${key}`, body);
    this.encryption.set(`${bucket}/${key}`, encryption);
  }

  hasObject(bucket: string, key: string): boolean {
    return this.objects.has(`${bucket}/${key}`);
  }

  encryptionOf(bucket: string, key: string): ObjectEncryption | undefined {
    return this.encryption.get(`${bucket}/${key}`);
  }

  deleteObject(bucket: string, key: string): void {
    this.objects.delete(`${bucket}/${key}`);
    this.encryption.delete(`${bucket}/${key}`);
  }

  removeObject(bucket: string, key: string): void {
    this.deleteObject(bucket, key);
  }

  getObject(bucket: string, key: string): string | undefined {
    return this.objects.get(`${bucket}/${key}`);
  }

  clear(): void {
    this.objects.clear();
    this.encryption.clear();
  }
}

/** What the catalog needs from the world it lives in. */
export interface CatalogHost {
  /**
   * The associations of a package, rendered as DomainPackageDetails, domain by domain: with a
   * caller, on that caller's domains only.
   */
  associationsOf(packageId: string, caller?: Caller): Json[];
  /** Associations that left their domains but that ListDomainsForPackage still lists (variant `domainsForPackageLagReads`). */
  lingeringAssociationsOf(packageId: string, caller: Caller): Json[];
  /** The service's answers where AWS documents none. */
  variants(): ResolvedVariants;
}

/** AWS-owned packages (`G…`), which every account sees and none may change. */
const isAwsOwned = (packageId: string) => /^G[0-9]+$/.test(packageId);

export class PackageCatalog {
  readonly s3 = new ObjectStore();
  private readonly packages = new Map<string, ManagedPackage>();
  private timing: Required<PackageTiming> = { copyMs: 0, validateMs: 0, deletePackageMs: 0 };
  /** By package name: the next validation of that package fails with these details. */
  private readonly validationFailures = new Map<string, { errorType: string; errorMessage: string }>();
  private seq = 0;
  private nextId = 1000000000;

  constructor(
    private readonly clock: () => number,
    private readonly host: CatalogHost,
    private readonly makeError: (errorType: string, statusCode: number, message: string) => CatalogError,
    /** Who owns a seeded package that names no owner. */
    private readonly defaultOwner: Caller,
  ) {}

  reset(): void {
    this.packages.clear();
    this.validationFailures.clear();
    this.s3.clear();
    this.timing = { copyMs: 0, validateMs: 0, deletePackageMs: 0 };
  }

  /** Merges into the current timing; also applies to imports and deletions already in flight. */
  setTiming(timing: PackageTiming): void {
    this.settle();
    for (const [key, value] of Object.entries(timing) as Array<[keyof PackageTiming, number | undefined]>) {
      if (!(key in this.timing)) throw new TypeError(`Unknown package timing key '${key}'`);
      if (value === undefined) continue;
      if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
        throw new TypeError(`Package timing ${key} must be a number >= 0 or Infinity, got ${String(value)}`);
      }
      this.timing[key] = value;
    }
  }

  /** The next validation of the package with this name ends VALIDATION_FAILED. */
  failValidation(packageName: string, errorType: string, errorMessage: string): void {
    this.validationFailures.set(packageName, { errorType, errorMessage });
  }

  seed(seed: SeedManagedPackage): void {
    if (this.packages.has(seed.packageId)) throw new Error(`Package ${seed.packageId} already exists`);
    const now = this.clock();
    const status = seed.status ?? 'AVAILABLE';
    const versions = seed.versions ?? (status === 'AVAILABLE' ? ['v1'] : []);
    this.packages.set(seed.packageId, {
      id: seed.packageId,
      owner: { account: seed.ownerId ?? this.defaultOwner.account, region: seed.region ?? this.defaultOwner.region },
      publicOwner: seed.packageOwner,
      seq: ++this.seq,
      name: seed.packageName,
      type: seed.packageType ?? 'TXT-DICTIONARY',
      description: seed.description,
      engineVersion: seed.engineVersion,
      status,
      createdAt: now,
      lastUpdatedAt: now,
      versions: versions.map((entry, i) => ({
        ...(typeof entry === 'string' ? { version: entry } : entry),
        // One millisecond apart, oldest first, so that the creation times order them.
        createdAt: now - versions.length + i + 1,
        source: { bucket: 'seed', key: seed.packageId },
      })),
    });
  }

  /**
   * What an association sees of a package; undefined for packages the catalog does not hold. With
   * a caller, a package of another account or region is not found (ResourceNotFoundException).
   */
  facts(packageId: string, caller?: Caller): PackageFacts | undefined {
    this.settle();
    const p = this.packages.get(packageId);
    if (p && caller && !visibleTo(p, caller)) throw this.notFound(packageId);
    return (
      p && {
        packageName: p.name,
        packageType: p.type,
        status: p.status,
        availableVersion: latest(p)?.version,
        awsOwned: isAwsOwned(p.id),
        engineVersion: p.engineVersion,
      }
    );
  }

  view(packageId: string): ManagedPackageView | undefined {
    this.settle();
    const p = this.packages.get(packageId);
    if (!p) return undefined;
    return {
      packageId: p.id,
      ownerId: p.owner.account,
      region: p.owner.region,
      packageName: p.name,
      packageType: p.type,
      status: p.status,
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(latest(p) ? { availableVersion: latest(p)!.version } : {}),
      versions: p.versions.map((v) => ({
        version: v.version,
        ...(v.commitMessage !== undefined ? { commitMessage: v.commitMessage } : {}),
      })),
      ...(p.errorType !== undefined ? { errorType: p.errorType, errorMessage: p.errorMessage } : {}),
    };
  }

  /** Every package, in creation order. */
  list(): ManagedPackageView[] {
    this.settle();
    return [...this.packages.keys()].map((id) => this.view(id)!);
  }

  // ---------------------------------------------------------------- time

  settle(): void {
    const now = this.clock();
    for (const p of [...this.packages.values()]) {
      if (p.importing) this.settleImport(p, p.importing, now);
      if (p.deletingSince !== undefined && p.deletingSince + this.timing.deletePackageMs <= now) {
        this.packages.delete(p.id);
      }
    }
  }

  private settleImport(p: ManagedPackage, job: Import, now: number): void {
    const copiedAt = job.startedAt + this.timing.copyMs;
    if (p.status === 'COPYING' && copiedAt <= now) {
      p.lastUpdatedAt = copiedAt;
      // The developer guide: the service cannot read a package file protected with an AWS KMS key.
      if (this.s3.encryptionOf(job.source.bucket, job.source.key) === 'aws:kms') {
        p.importing = undefined;
        p.status = 'COPY_FAILED';
        p.errorType = 'ClientException';
        p.errorMessage = `Unable to copy the package source from S3: s3://${job.source.bucket}/${job.source.key} is encrypted with an AWS KMS key`;
        return;
      }
      if (!this.s3.hasObject(job.source.bucket, job.source.key)) {
        p.importing = undefined;
        p.status = 'COPY_FAILED';
        p.errorType = 'ClientException';
        p.errorMessage = `Unable to copy the package source from S3: s3://${job.source.bucket}/${job.source.key} does not exist or is not readable`;
        return;
      }
      p.status = 'VALIDATING';
    }
    const validatedAt = copiedAt + this.timing.validateMs;
    if (p.status === 'VALIDATING' && validatedAt <= now) {
      p.importing = undefined;
      p.lastUpdatedAt = validatedAt;
      const failure = this.validationFailures.get(p.name);
      if (failure) {
        this.validationFailures.delete(p.name);
        p.status = 'VALIDATION_FAILED';
        p.errorType = failure.errorType;
        p.errorMessage = failure.errorMessage;
        return;
      }
      p.status = 'AVAILABLE';
      p.versions.push({
        version: `v${p.versions.length + 1}`,
        commitMessage: job.commitMessage,
        createdAt: validatedAt,
        source: job.source,
      });
    }
  }

  // ---------------------------------------------------------------- operations

  createPackage(body: unknown, caller: Caller): Json {
    const input = asObject(body, this.makeError);
    const name = input.PackageName;
    if (typeof name !== 'string' || name.length < 3 || name.length > 256 || !PACKAGE_NAME.test(name)) {
      throw this.validation(
        `1 validation error detected: Value '${String(name)}' at 'packageName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z][a-z0-9\\-]+`,
      );
    }
    const type = input.PackageType;
    if (typeof type !== 'string' || !PACKAGE_TYPES.has(type)) {
      throw this.validation(
        `1 validation error detected: Value '${String(type)}' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set`,
      );
    }
    const engineVersion = input.EngineVersion;
    if (engineVersion !== undefined && (typeof engineVersion !== 'string' || !ENGINE_VERSION.test(engineVersion))) {
      throw this.validation(
        `1 validation error detected: Value '${String(engineVersion)}' at 'engineVersion' failed to satisfy constraint`,
      );
    }
    if (type === 'ZIP-PLUGIN' && engineVersion === undefined) {
      throw this.validation('Operation not allowed. EngineVersion is a required parameter for this operation.');
    }
    if (type !== 'ZIP-PLUGIN' && engineVersion !== undefined) {
      throw this.validation('EngineVersion can only be specified for package type ZIP-PLUGIN.');
    }
    const source = this.parseSource(input.PackageSource);
    const description = this.parseDescription(input.PackageDescription);
    this.settle();
    // Whether a name an AWS-owned or partner package has is free is not documented: a variant.
    const clashes = (p: ManagedPackage) =>
      isForeign(p) ? this.host.variants().foreignPackageName === 'already-exists' : sameOwner(p.owner, caller);
    // A DELETED package still holds its name (inferred: when the name is free again is not documented).
    if ([...this.packages.values()].some((p) => p.name === name && clashes(p))) {
      throw this.makeError('ResourceAlreadyExistsException', 409, `Package with name ${name} already exists`);
    }
    const now = this.clock();
    const p: ManagedPackage = {
      id: `F${++this.nextId}`,
      owner: { ...caller },
      seq: ++this.seq,
      name,
      type: type as PackageType,
      description,
      engineVersion: engineVersion as string | undefined,
      status: 'COPYING',
      createdAt: now,
      lastUpdatedAt: now,
      versions: [],
      importing: { startedAt: now, source },
    };
    this.packages.set(p.id, p);
    return { PackageDetails: this.render(p) };
  }

  updatePackage(body: unknown, caller: Caller): Json {
    const input = asObject(body, this.makeError);
    const p = this.find(input.PackageID, caller);
    const source = this.parseSource(input.PackageSource);
    const description = input.PackageDescription === undefined ? p.description : this.parseDescription(input.PackageDescription);
    const commitMessage = input.CommitMessage;
    if (commitMessage !== undefined && (typeof commitMessage !== 'string' || commitMessage.length > 160)) {
      throw this.validation('CommitMessage must be at most 160 characters');
    }
    if (IN_FLIGHT.has(p.status)) {
      // ConflictException is not among UpdatePackage's modeled errors; ValidationException is.
      throw this.validation(`An update is in progress for package ${p.id} (${p.status}); wait until it settles`);
    }
    const now = this.clock();
    p.lastUpdatedAt = now;
    const current = latest(p)?.source;
    if (
      this.host.variants().sameSourceUpdate === 'description-only' &&
      p.status === 'AVAILABLE' &&
      current &&
      current.bucket === source.bucket &&
      current.key === source.key &&
      description !== p.description
    ) {
      // Only the description changes: no new version, nothing to copy.
      p.description = description;
      return { PackageDetails: this.render(p) };
    }
    p.description = description;
    p.status = 'COPYING';
    p.errorType = undefined;
    p.errorMessage = undefined;
    p.importing = { startedAt: now, source, commitMessage: commitMessage as string | undefined };
    return { PackageDetails: this.render(p) };
  }

  deletePackage(packageId: string, caller: Caller): Json {
    if (isAwsOwned(packageId)) {
      throw this.validation('Operation not allowed. This package cannot be deleted.');
    }
    const p = this.find(packageId, caller);
    if (p.status === 'DELETING') return { PackageDetails: this.render(p) };
    const domains = this.host.associationsOf(p.id).map((a) => a.DomainName as string);
    if (domains.length > 0) {
      throw this.makeError(
        'ConflictException',
        409,
        `Package ${p.id} is associated with domains: ${domains.join(', ')}. Dissociate it first.`,
      );
    }
    p.status = 'DELETING';
    p.importing = undefined;
    p.deletingSince = this.clock();
    p.lastUpdatedAt = p.deletingSince;
    return { PackageDetails: this.render(p) };
  }

  describePackages(body: unknown, caller: Caller): Json {
    const input = asObject(body, this.makeError);
    const filters = this.parseFilters(input.Filters);
    const maxResults = input.MaxResults === undefined ? MAX_RESULTS : Number(input.MaxResults);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS) {
      throw this.validation(`MaxResults must be from 1 to ${MAX_RESULTS}`);
    }
    const after = this.decodeToken(input.NextToken);
    this.settle();
    const matching = [...this.packages.values()].filter(
      (p) => p.seq > after && visibleTo(p, caller) && filters.every((f) => f.values.includes(f.read(p) ?? '')),
    );
    const page = matching.slice(0, maxResults);
    return {
      PackageDetailsList: page.map((p) => this.render(p)),
      ...(matching.length > maxResults ? { NextToken: encodeToken(page[page.length - 1].seq) } : {}),
    };
  }

  getPackageVersionHistory(packageId: string, query: Record<string, string>, caller: Caller): Json {
    const p = this.find(packageId, caller);
    const limit = query.maxResults === undefined ? MAX_RESULTS : Number(query.maxResults);
    const offset = this.decodeToken(query.nextToken);
    // The order is not documented: a variant.
    const all = this.host.variants().versionHistoryOrder === 'newest-first' ? [...p.versions].reverse() : [...p.versions];
    const page = all.slice(offset, offset + limit);
    return {
      PackageID: p.id,
      PackageVersionHistoryList: page.map((v) => ({
        PackageVersion: v.version,
        ...(v.commitMessage !== undefined ? { CommitMessage: v.commitMessage } : {}),
        CreatedAt: v.createdAt / 1000,
      })),
      ...(all.length > offset + limit ? { NextToken: encodeToken(offset + limit) } : {}),
    };
  }

  listDomainsForPackage(packageId: string, caller: Caller): Json {
    this.find(packageId, caller);
    return {
      DomainPackageDetailsList: [...this.host.associationsOf(packageId, caller), ...this.host.lingeringAssociationsOf(packageId, caller)],
    };
  }

  // ---------------------------------------------------------------- helpers

  /** The package with this id, as the caller sees it: another account's or region's is not found. */
  private find(packageId: unknown, caller: Caller): ManagedPackage {
    if (typeof packageId !== 'string' || !/^([FG][0-9]+)$|^(pkg-[a-f0-9]+)$/.test(packageId)) {
      throw this.validation(
        `1 validation error detected: Value '${String(packageId)}' at 'packageID' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([FG][0-9]+)$|^(pkg-[a-f0-9]+)$`,
      );
    }
    this.settle();
    const p = this.packages.get(packageId);
    if (!p || !visibleTo(p, caller)) throw this.notFound(packageId);
    return p;
  }

  private notFound(packageId: string): CatalogError {
    // Both answers are seen in the wild (Terraform's provider handles both): a variant.
    return this.host.variants().packageNotFound === 'ValidationException'
      ? this.makeError('ValidationException', 400, `Package not found: ${packageId}`)
      : this.makeError('ResourceNotFoundException', 409, `Package not found: ${packageId}`);
  }

  private parseSource(raw: unknown): Source {
    const source = asObject(raw, this.makeError);
    const bucket = source.S3BucketName;
    const key = source.S3Key;
    if (
      typeof bucket !== 'string' ||
      bucket.length < 3 ||
      bucket.length > 63 ||
      typeof key !== 'string' ||
      key.length < 1 ||
      key.length > 1024
    ) {
      throw this.validation('PackageSource must name an S3BucketName (3-63 characters) and an S3Key (1-1024 characters)');
    }
    return { bucket, key };
  }

  private parseDescription(raw: unknown): string | undefined {
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || raw.length > 1024) throw this.validation('PackageDescription must be at most 1024 characters');
    return raw;
  }

  private parseFilters(raw: unknown): Array<{ read: (p: ManagedPackage) => string | undefined; values: string[] }> {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw this.validation('Filters must be a list');
    return raw.map((entry: unknown) => {
      const { Name, Value } = asObject(entry, this.makeError);
      const read = typeof Name === 'string' ? FILTER_NAMES[Name] : undefined;
      if (!read) throw this.validation(`Unsupported filter name '${String(Name)}'. Supported: ${Object.keys(FILTER_NAMES).join(', ')}`);
      if (!Array.isArray(Value) || Value.length < 1 || Value.some((v) => typeof v !== 'string')) {
        throw this.validation('A filter Value must be a non-empty list of strings');
      }
      return { read, values: Value as string[] };
    });
  }

  private decodeToken(token: unknown): number {
    if (token === undefined) return 0;
    const after = typeof token === 'string' ? Number(Buffer.from(token, 'base64url').toString('utf8')) : NaN;
    if (!Number.isInteger(after)) throw this.validation('The pagination token is invalid');
    return after;
  }

  private validation(message: string): CatalogError {
    return this.makeError('ValidationException', 400, message);
  }

  private render(p: ManagedPackage): Json {
    return {
      PackageID: p.id,
      PackageName: p.name,
      PackageType: p.type,
      ...(p.description !== undefined ? { PackageDescription: p.description } : {}),
      PackageStatus: p.status,
      CreatedAt: p.createdAt / 1000,
      LastUpdatedAt: p.lastUpdatedAt / 1000,
      ...(latest(p) ? { AvailablePackageVersion: latest(p)!.version } : {}),
      ...(p.engineVersion !== undefined ? { EngineVersion: p.engineVersion } : {}),
      ...(p.errorType !== undefined ? { ErrorDetails: { ErrorType: p.errorType, ErrorMessage: p.errorMessage } } : {}),
      PackageOwner: p.publicOwner ?? (isAwsOwned(p.id) ? 'AWS' : 'self'),
    };
  }
}

function sameOwner(a: Caller, b: Caller): boolean {
  return a.account === b.account && a.region === b.region;
}

/** An AWS-owned or partner package, which every account sees. */
function isForeign(p: ManagedPackage): boolean {
  return isAwsOwned(p.id) || p.publicOwner !== undefined;
}

function visibleTo(p: ManagedPackage, caller: Caller): boolean {
  return isForeign(p) || sameOwner(p.owner, caller);
}

function latest(p: ManagedPackage): Version | undefined {
  return p.versions[p.versions.length - 1];
}

function encodeToken(after: number): string {
  return Buffer.from(String(after), 'utf8').toString('base64url');
}

function asObject(body: unknown, makeError: (t: string, s: number, m: string) => CatalogError): Json {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw makeError('ValidationException', 400, 'Request body must be a JSON object');
  return body as Json;
}
