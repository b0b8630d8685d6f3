/**
 * The wire format between the constructs and the handler, written once.
 *
 * CloudFormation passes template properties to the handler as strings (numbers and booleans
 * arrive stringified), so every rule here accepts `unknown` and says what was wrong in one line.
 * The constructs run the same rules at synth time on values that are not tokens.
 *
 * This module must stay free of aws-cdk-lib imports: it is bundled into the Lambda handler.
 */

/** Template property keys, as the handler receives them. */
export const PropertyKey = {
  CONNECTION_ID: 'ConnectionId',
  DOMAIN_NAME: 'DomainName',
  PACKAGE_IDS: 'PackageIds',
  TIMEOUT_SECONDS: 'TimeoutSeconds',
} as const;

/** How long a resource waits for the service when no timeout is given. */
export const DEFAULT_TIMEOUT_SECONDS = 30 * 60;
/** Shortest timeout accepted. */
export const MIN_TIMEOUT_SECONDS = 1;
/**
 * Longest timeout accepted. CloudFormation gives a custom resource at most one hour; the rest is
 * kept for the provider's own limit and the response, which must come after our own reason.
 */
export const MAX_TIMEOUT_SECONDS = 55 * 60;
/** At most this many packages per resource; a domain holds at most 20 plugins. */
export const MAX_PACKAGE_IDS = 100;
/** Package ids have no modelled length limit; this bound keeps failure reasons short. */
const MAX_PACKAGE_ID_LENGTH = 128;

const NAME_PATTERN = /^[a-z][a-z0-9-]+$/;
const PACKAGE_ID_PATTERN = /^([FG][0-9]+)$|^(pkg-[a-f0-9]+)$/;

/** A property value that breaks the contract. The message names the property and the value. */
export class InvalidPropertyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPropertyError';
  }
}

/** Shows a received value in an error message: quoted, and cut short (with its length) if long. */
export function describeValue(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  if (typeof value === 'string') {
    return value.length > 60 ? `${JSON.stringify(value.slice(0, 57) + '...')} (${value.length} characters)` : JSON.stringify(value);
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function checkName(label: string, value: unknown, min: number, max: number): string {
  const rule = `${min}-${max} characters of lower-case letters, digits and hyphens, starting with a letter`;
  if (typeof value !== 'string' || value.length < min || value.length > max || !NAME_PATTERN.test(value)) {
    throw new InvalidPropertyError(`${label} must be ${rule}; got ${describeValue(value)}`);
  }
  return value;
}

/** Checks an inbound connection id: 10-256 characters matching `[a-z][a-z0-9-]+`. */
export function checkConnectionId(value: unknown, label: string = PropertyKey.CONNECTION_ID): string {
  return checkName(label, value, 10, 256);
}

/** Checks a domain name: 3-28 characters matching `[a-z][a-z0-9-]+`. */
export function checkDomainName(value: unknown, label: string = PropertyKey.DOMAIN_NAME): string {
  return checkName(label, value, 3, 28);
}

/** Checks one package id: `F123`, `G123` or `pkg-<hex>`. */
export function checkPackageId(value: unknown, label: string): string {
  if (typeof value !== 'string' || value.length > MAX_PACKAGE_ID_LENGTH || !PACKAGE_ID_PATTERN.test(value)) {
    throw new InvalidPropertyError(
      `${label} must be a package id like F123456789, G123456789 or pkg-0123abcd; got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Checks that a value is a list of 1 to MAX_PACKAGE_IDS packages; `what` names its items in the message. */
export function checkPackageList(value: unknown, label: string, what: string): asserts value is unknown[] {
  if (!Array.isArray(value)) {
    throw new InvalidPropertyError(`${label} must be a list of ${what}; got ${describeValue(value)}`);
  }
  if (value.length === 0) {
    throw new InvalidPropertyError(`${label} must name at least one package; got an empty list`);
  }
  if (value.length > MAX_PACKAGE_IDS) {
    throw new InvalidPropertyError(`${label} must name at most ${MAX_PACKAGE_IDS} packages; got ${value.length}`);
  }
}

/** Checks a package id list: non-empty, at most MAX_PACKAGE_IDS, every id valid, no duplicates. */
export function checkPackageIds(
  value: unknown,
  label: string = PropertyKey.PACKAGE_IDS,
  /** Ids not known yet (synth-time tokens): counted, but neither checked nor compared. */
  isUnknown: (id: unknown) => boolean = () => false,
): string[] {
  checkPackageList(value, label, 'package ids');
  const seen = new Set<string>();
  value.forEach((id, index) => {
    if (isUnknown(id)) {
      return;
    }
    checkPackageId(id, `${label}[${index}]`);
    if (seen.has(id as string)) {
      throw new InvalidPropertyError(`${label} must not repeat a package id; ${describeValue(id)} appears twice`);
    }
    seen.add(id as string);
  });
  return value as string[];
}

/**
 * Checks a timeout in whole seconds, MIN_TIMEOUT_SECONDS..MAX_TIMEOUT_SECONDS.
 * Accepts a number or its decimal string, as CloudFormation delivers it.
 */
export function checkTimeoutSeconds(value: unknown, label: string = PropertyKey.TIMEOUT_SECONDS): number {
  const seconds = typeof value === 'string' && /^[0-9]{1,6}$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < MIN_TIMEOUT_SECONDS || seconds > MAX_TIMEOUT_SECONDS) {
    throw new InvalidPropertyError(
      `${label} must be a whole number of seconds from ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS} (55 minutes); got ${describeValue(value)}`,
    );
  }
  return seconds;
}

/** Reads an object of template properties, refusing anything that is not one. */
export function asPropertyBag(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidPropertyError(`ResourceProperties must be an object; got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * An optional property: only absence means "not given". An empty string is checked like any
 * value, so that a token resolving to "" cannot silently switch a safety check off.
 */
export function optional<T>(bag: Record<string, unknown>, key: string, check: (value: unknown, label: string) => T): T | undefined {
  const value = bag[key];
  return value === undefined ? undefined : check(value, key);
}
