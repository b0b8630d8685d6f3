import { createHash } from 'crypto';
import {
  DEFAULT_TIMEOUT_SECONDS,
  PropertyKey,
  asPropertyBag,
  checkDomainName,
  checkPackageIds,
  checkTimeoutSeconds,
  optional,
} from './properties';

/**
 * The custom resource type. Changing it replaces every deployed resource, so a test pins it.
 */
export const PACKAGE_DISSOCIATION_TYPE = 'Custom::OpenSearchPackageDissociation';

export interface PackageDissociationProperties {
  readonly domainName: string;
  readonly packageIds: string[];
  readonly timeoutSeconds: number;
}

/** Parses the template properties of a PackageDissociation resource. */
export function parsePackageDissociationProperties(raw: unknown): PackageDissociationProperties {
  const bag = asPropertyBag(raw);
  return {
    domainName: checkDomainName(bag[PropertyKey.DOMAIN_NAME]),
    packageIds: checkPackageIds(bag[PropertyKey.PACKAGE_IDS]),
    timeoutSeconds: optional(bag, PropertyKey.TIMEOUT_SECONDS, checkTimeoutSeconds) ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

/**
 * The physical id names the domain, so a new domain is a replacement, and the old resource's
 * Delete dissociates its packages from the old domain. The package list is not part of it: list
 * changes are updates in place. Several resources may name one domain, so a digest of the stack
 * and logical id keeps their ids apart without depending on anything that changes.
 */
export function packageDissociationPhysicalId(domainName: string, stackId: string, logicalResourceId: string): string {
  const owner = createHash('sha256').update(`${stackId}/${logicalResourceId}`).digest('hex').slice(0, 16);
  return `opensearch-package-dissociation:${domainName}:${owner}`;
}
