import { InvalidPropertyError, describeValue } from './properties';

/**
 * The rules for naming the other end of a cross-cluster connection (its account, region and
 * domain name) and the connection itself, shared by OutboundConnection and
 * InboundConnectionAcceptance. Bundled into the handler: no aws-cdk-lib imports.
 */

/** A domain anywhere: the service's AWSDomainInformation. */
export interface DomainAddress {
  readonly ownerId: string;
  readonly region: string;
  readonly domainName: string;
}

const ACCOUNT_PATTERN = /^[0-9]{12}$/;
const REGION_PATTERN = /^[a-z][a-z0-9-]+$/;
const ALIAS_PATTERN = /^[a-zA-Z][a-zA-Z0-9\-_]+$/;

/** Checks an AWS account id: exactly 12 digits. */
export function checkAccountId(value: unknown, label: string): string {
  if (typeof value !== 'string' || !ACCOUNT_PATTERN.test(value)) {
    throw new InvalidPropertyError(`${label} must be an AWS account id of 12 digits; got ${describeValue(value)}`);
  }
  return value;
}

/** Checks a region name: 5-30 characters of lower-case letters, digits and hyphens. */
export function checkRegion(value: unknown, label: string): string {
  if (typeof value !== 'string' || value.length < 5 || value.length > 30 || !REGION_PATTERN.test(value)) {
    throw new InvalidPropertyError(`${label} must be a region name like eu-west-1; got ${describeValue(value)}`);
  }
  return value;
}

/** Checks a connection alias: 2-100 characters matching `[a-zA-Z][a-zA-Z0-9\-_]+`. */
export function checkConnectionAlias(value: unknown, label: string): string {
  if (typeof value !== 'string' || value.length < 2 || value.length > 100 || !ALIAS_PATTERN.test(value)) {
    throw new InvalidPropertyError(
      `${label} must be 2-100 characters of letters, digits, hyphens and underscores, starting with a letter; got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Checks a value against a closed list, e.g. a connection mode. */
export function checkOneOf<T extends string>(allowed: readonly T[], value: unknown, label: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidPropertyError(`${label} must be one of ${allowed.join(', ')}; got ${describeValue(value)}`);
  }
  return value as T;
}

/** "domain logs-source of account 222222222222 in eu-west-1", for messages. */
export function describeAddress(address: DomainAddress): string {
  return `domain ${address.domainName} of account ${address.ownerId} in ${address.region}`;
}
