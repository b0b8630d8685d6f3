import { createHash } from 'crypto';
import {
  DEFAULT_TIMEOUT_SECONDS,
  InvalidPropertyError,
  PropertyKey,
  asPropertyBag,
  checkDomainName,
  checkPackageList,
  checkPackageId,
  checkTimeoutSeconds,
  describeValue,
} from './properties';

/**
 * The custom resource type. Changing it replaces every deployed resource, so a test pins it.
 */
export const PACKAGE_ASSOCIATION_TYPE = 'Custom::OpenSearchPackageAssociation';

/** Template property keys of a PackageAssociation resource. */
export const PackageAssociationKey = {
  DOMAIN_NAME: PropertyKey.DOMAIN_NAME,
  PACKAGES: 'Packages',
  PACKAGE_ID: 'PackageId',
  PACKAGE_VERSION: 'PackageVersion',
  PREREQUISITE_PACKAGE_IDS: 'PrerequisitePackageIds',
  TIMEOUT_SECONDS: PropertyKey.TIMEOUT_SECONDS,
} as const;

/** One package of the list, as the handler receives it. */
export interface AssociatedPackageEntry {
  readonly packageId: string;
  /** The version the domain must run; absent = whatever version the association gives. */
  readonly packageVersion?: string;
  readonly prerequisitePackageIds: string[];
}

export interface PackageAssociationProperties {
  readonly domainName: string;
  readonly packages: AssociatedPackageEntry[];
  readonly timeoutSeconds: number;
}

const MAX_VERSION_LENGTH = 64;

/**
 * Checks the package list. Values not known yet (synth-time tokens) are counted but neither checked
 * nor compared.
 */
export function checkAssociatedPackages(
  value: unknown,
  label: string = PackageAssociationKey.PACKAGES,
  isUnknown: (value: unknown) => boolean = () => false,
): AssociatedPackageEntry[] {
  checkPackageList(value, label, 'packages');
  const entries = value.map((raw, index) => {
    const at = `${label}[${index}]`;
    const bag = asEntry(raw, at);
    const id = bag[PackageAssociationKey.PACKAGE_ID];
    const packageId = isUnknown(id) ? (id as string) : checkPackageId(id, `${at}.${PackageAssociationKey.PACKAGE_ID}`);
    const version = bag[PackageAssociationKey.PACKAGE_VERSION];
    if (
      version !== undefined &&
      !isUnknown(version) &&
      (typeof version !== 'string' || version.length < 1 || version.length > MAX_VERSION_LENGTH)
    ) {
      throw new InvalidPropertyError(
        `${at}.${PackageAssociationKey.PACKAGE_VERSION} must be a package version like v2; got ${describeValue(version)}`,
      );
    }
    const prerequisites = bag[PackageAssociationKey.PREREQUISITE_PACKAGE_IDS] ?? [];
    if (!Array.isArray(prerequisites)) {
      throw new InvalidPropertyError(
        `${at}.${PackageAssociationKey.PREREQUISITE_PACKAGE_IDS} must be a list of package ids; got ${describeValue(prerequisites)}`,
      );
    }
    return { packageId, packageVersion: version as string | undefined, prerequisitePackageIds: prerequisites as string[] };
  });
  const known = entries.filter((entry) => !isUnknown(entry.packageId));
  const seen = new Set<string>();
  for (const entry of known) {
    if (seen.has(entry.packageId)) {
      throw new InvalidPropertyError(`${label} must not repeat a package; ${describeValue(entry.packageId)} appears twice`);
    }
    seen.add(entry.packageId);
  }
  entries.forEach((entry, index) => {
    for (const prerequisite of entry.prerequisitePackageIds) {
      if (isUnknown(prerequisite) || isUnknown(entry.packageId)) continue;
      if (prerequisite === entry.packageId || !seen.has(prerequisite)) {
        throw new InvalidPropertyError(
          `${label}[${index}] (${entry.packageId}) may only name other packages of the list as prerequisites; got ${describeValue(prerequisite)}`,
        );
      }
    }
  });
  return entries;
}

function asEntry(raw: unknown, label: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidPropertyError(`${label} must be an object with a PackageId; got ${describeValue(raw)}`);
  }
  return raw as Record<string, unknown>;
}

/** Parses the template properties of a PackageAssociation resource. */
export function parsePackageAssociationProperties(raw: unknown): PackageAssociationProperties {
  const bag = asPropertyBag(raw);
  const timeout = bag[PackageAssociationKey.TIMEOUT_SECONDS];
  return {
    domainName: checkDomainName(bag[PackageAssociationKey.DOMAIN_NAME]),
    packages: checkAssociatedPackages(bag[PackageAssociationKey.PACKAGES]),
    timeoutSeconds: timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : checkTimeoutSeconds(timeout),
  };
}

const PHYSICAL_ID_PREFIX = 'opensearch-package-association';
const ADOPTED_SEPARATOR = ':adopted:';

/**
 * The physical id names the domain (a new domain is a replacement) and a digest of the stack and
 * logical id (several resources may name one domain). It also carries the packages that were
 * already ACTIVE on the domain when the resource was created: the resource adopted them rather
 * than associating them, and a rollback leaves them where they are. The physical id is the only
 * thing of the Create that reaches later events.
 */
export function packageAssociationPhysicalId(
  domainName: string,
  stackId: string,
  logicalResourceId: string,
  adopted: string[] = [],
): string {
  const owner = createHash('sha256').update(`${stackId}/${logicalResourceId}`).digest('hex').slice(0, 16);
  const base = `${PHYSICAL_ID_PREFIX}:${domainName}:${owner}`;
  return adopted.length > 0 ? `${base}${ADOPTED_SEPARATOR}${[...adopted].sort().join(',')}` : base;
}

/** The packages a physical id says were adopted at Create; undefined when the id is not this resource's. */
export function adoptedPackages(
  physicalResourceId: string | undefined,
  domainName: string,
  stackId: string,
  logicalResourceId: string,
): string[] | undefined {
  const base = packageAssociationPhysicalId(domainName, stackId, logicalResourceId);
  if (physicalResourceId === base) return [];
  if (physicalResourceId?.startsWith(`${base}${ADOPTED_SEPARATOR}`)) {
    return physicalResourceId.slice(base.length + ADOPTED_SEPARATOR.length).split(',');
  }
  return undefined;
}
