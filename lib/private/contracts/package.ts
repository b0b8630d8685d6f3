import { createHash } from 'crypto';
import {
  DEFAULT_TIMEOUT_SECONDS,
  InvalidPropertyError,
  PropertyKey,
  asPropertyBag,
  checkName,
  checkTimeoutSeconds,
  describeValue,
  optional,
} from './properties';

/**
 * The custom resource type. Changing it replaces every deployed resource, so a test pins it.
 */
export const PACKAGE_TYPE = 'Custom::OpenSearchPackage';

/** Template property keys of a Package resource. */
export const PackageKey = {
  PACKAGE_NAME: 'PackageName',
  PACKAGE_TYPE: 'PackageType',
  S3_BUCKET_NAME: 'S3BucketName',
  S3_KEY: 'S3Key',
  /**
   * Set for a file the service cannot read where it is (a CDK file asset, in the SSE-KMS staging
   * bucket): the provider's SSE-S3 bucket the handler copies it into before CreatePackage and
   * UpdatePackage, under `<PackageName>/<S3Key>`.
   */
  SOURCE_COPY_BUCKET: 'SourceCopyBucket',
  ENGINE_VERSION: 'EngineVersion',
  PACKAGE_DESCRIPTION: 'PackageDescription',
  TIMEOUT_SECONDS: PropertyKey.TIMEOUT_SECONDS,
} as const;

/** Attributes a Package resource returns (`Fn::GetAtt`). */
export const PackageAttribute = {
  PACKAGE_ID: 'PackageId',
  PACKAGE_VERSION: 'PackageVersion',
  PACKAGE_STATUS: 'PackageStatus',
} as const;

/** The package types the service models, as the service spells them. */
export const PACKAGE_TYPES = ['TXT-DICTIONARY', 'ZIP-PLUGIN', 'PACKAGE-LICENSE', 'PACKAGE-CONFIG'] as const;
export type PackageTypeName = (typeof PACKAGE_TYPES)[number];

/** The one type that takes (and requires) an engine version: the service refuses it on the others. */
export const PLUGIN_TYPE: PackageTypeName = 'ZIP-PLUGIN';

const ENGINE_VERSION_PATTERN = /^Elasticsearch_[0-9]{1}\.[0-9]{1,2}$|^OpenSearch_[0-9]{1,2}\.[0-9]{1,2}$/;
/** S3 bucket names: 3-63 characters (the service's PackageSource limit). */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MAX_KEY_LENGTH = 1024;
/**
 * The service keeps 1024 characters of description; the handler appends its owner mark (see
 * `ownerMark`), so the user's part is shorter.
 */
export const MAX_DESCRIPTION_LENGTH = 960;

export interface PackageProperties {
  readonly packageName: string;
  readonly packageType: PackageTypeName;
  readonly s3BucketName: string;
  readonly s3Key: string;
  readonly sourceCopyBucket?: string;
  readonly engineVersion?: string;
  readonly description?: string;
  readonly timeoutSeconds: number;
}

/** Checks a package name: 3-28 characters matching `[a-z][a-z0-9-]+`. */
export function checkPackageName(value: unknown, label: string = PackageKey.PACKAGE_NAME): string {
  return checkName(label, value, 3, 28);
}

export function checkPackageType(value: unknown, label: string = PackageKey.PACKAGE_TYPE): PackageTypeName {
  if (typeof value !== 'string' || !(PACKAGE_TYPES as readonly string[]).includes(value)) {
    throw new InvalidPropertyError(`${label} must be one of ${PACKAGE_TYPES.join(', ')}; got ${describeValue(value)}`);
  }
  return value as PackageTypeName;
}

export function checkEngineVersion(value: unknown, label: string = PackageKey.ENGINE_VERSION): string {
  if (typeof value !== 'string' || !ENGINE_VERSION_PATTERN.test(value)) {
    throw new InvalidPropertyError(`${label} must look like OpenSearch_2.17 or Elasticsearch_7.10; got ${describeValue(value)}`);
  }
  return value;
}

/**
 * The rule between type and engine version: a plugin is built for one engine version, so it needs
 * it; the service refuses an engine version on every other type.
 */
export function checkEngineVersionForType(
  packageType: string,
  engineVersion: string | undefined,
  label: string = PackageKey.ENGINE_VERSION,
): void {
  if (packageType === PLUGIN_TYPE && engineVersion === undefined) {
    throw new InvalidPropertyError(
      `${label} is required for a ${PLUGIN_TYPE} package (the engine version it was built for, e.g. OpenSearch_2.17)`,
    );
  }
  if (packageType !== PLUGIN_TYPE && engineVersion !== undefined) {
    throw new InvalidPropertyError(
      `${label} is only allowed for ${PLUGIN_TYPE} packages; got ${describeValue(engineVersion)} for a ${packageType} package`,
    );
  }
}

export function checkBucketName(value: unknown, label: string = PackageKey.S3_BUCKET_NAME): string {
  if (typeof value !== 'string' || !BUCKET_PATTERN.test(value)) {
    throw new InvalidPropertyError(`${label} must be an S3 bucket name (3-63 characters); got ${describeValue(value)}`);
  }
  return value;
}

export function checkObjectKey(value: unknown, label: string = PackageKey.S3_KEY): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_KEY_LENGTH) {
    throw new InvalidPropertyError(`${label} must be an S3 object key of 1-${MAX_KEY_LENGTH} characters; got ${describeValue(value)}`);
  }
  return value;
}

export function checkDescription(value: unknown, label: string = PackageKey.PACKAGE_DESCRIPTION): string {
  if (typeof value !== 'string' || value.length > MAX_DESCRIPTION_LENGTH) {
    throw new InvalidPropertyError(`${label} must be at most ${MAX_DESCRIPTION_LENGTH} characters; got ${describeValue(value)}`);
  }
  return value;
}

/** Parses the template properties of a Package resource. */
export function parsePackageProperties(raw: unknown): PackageProperties {
  const bag = asPropertyBag(raw);
  const packageType = checkPackageType(bag[PackageKey.PACKAGE_TYPE]);
  const engineVersion = optional(bag, PackageKey.ENGINE_VERSION, checkEngineVersion);
  checkEngineVersionForType(packageType, engineVersion);
  return {
    packageName: checkPackageName(bag[PackageKey.PACKAGE_NAME]),
    packageType,
    s3BucketName: checkBucketName(bag[PackageKey.S3_BUCKET_NAME]),
    s3Key: checkObjectKey(bag[PackageKey.S3_KEY]),
    sourceCopyBucket: optional(bag, PackageKey.SOURCE_COPY_BUCKET, (value) => checkBucketName(value, PackageKey.SOURCE_COPY_BUCKET)),
    engineVersion,
    description: optional(bag, PackageKey.PACKAGE_DESCRIPTION, checkDescription),
    timeoutSeconds: optional(bag, PackageKey.TIMEOUT_SECONDS, checkTimeoutSeconds) ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

/**
 * The physical id is the package name: names are unique per account and region, and the name is
 * the package's identity (a new name is a new package, a replacement).
 */
export function packagePhysicalId(packageName: string): string {
  return `opensearch-package:${packageName}`;
}

/**
 * The mark the handler puts at the end of the description of every package it creates:
 * a digest of the stack id and the logical id, so it says which resource made the package
 * without depending on anything that changes. A package with the resource's name but without its
 * mark was made by someone else and is never taken over.
 */
export function ownerMark(stackId: string, logicalResourceId: string): string {
  const owner = createHash('sha256').update(`${stackId}/${logicalResourceId}`).digest('hex').slice(0, 16);
  return `[cdk-opensearch-lifecycle:${owner}]`;
}

/** The description as the service stores it: the user's text, then the owner mark. */
export function markedDescription(description: string | undefined, mark: string): string {
  return description ? `${description} ${mark}` : mark;
}

/**
 * The commit message of the UpdatePackage call that moves a package to a source: it names the
 * source by a digest, so the version history says whether that update already happened.
 */
export function sourceCommitMessage(bucket: string, key: string): string {
  const digest = createHash('sha256').update(`s3://${bucket}/${key}`).digest('hex').slice(0, 16);
  return `cdk-opensearch-lifecycle source ${digest}`;
}

/** The key of a package file's copy in the provider's bucket: per package name, so no two packages share one. */
export function sourceCopyKey(packageName: string, key: string): string {
  return `${packageName}/${key}`;
}
