import { createHash } from 'crypto';
import {
  DEFAULT_TIMEOUT_SECONDS,
  InvalidPropertyError,
  asPropertyBag,
  checkDomainName,
  checkTimeoutSeconds,
  describeValue,
  optional,
} from './properties';

/**
 * The wire format of SecurityRole and RoleMembership: both act on the domain's own REST endpoint
 * (the security plugin's API), so both carry the domain's ARN (its name, for ids and messages)
 * and its endpoint (where the requests go).
 *
 * Changing a resource type replaces every deployed resource, so a test pins both.
 */
export const SECURITY_ROLE_TYPE = 'Custom::OpenSearchSecurityRole';
export const ROLE_MEMBERSHIP_TYPE = 'Custom::OpenSearchRoleMembership';

/** Template property keys of both kinds. */
export const SecurityKey = {
  DOMAIN_ARN: 'DomainArn',
  DOMAIN_ENDPOINT: 'DomainEndpoint',
  ROLE_NAME: 'RoleName',
  DESCRIPTION: 'Description',
  CLUSTER_PERMISSIONS: 'ClusterPermissions',
  INDEX_PERMISSIONS: 'IndexPermissions',
  TENANT_PERMISSIONS: 'TenantPermissions',
  INDEX_PATTERNS: 'IndexPatterns',
  TENANT_PATTERNS: 'TenantPatterns',
  ALLOWED_ACTIONS: 'AllowedActions',
  DOCUMENT_LEVEL_SECURITY: 'DocumentLevelSecurity',
  FIELD_LEVEL_SECURITY: 'FieldLevelSecurity',
  MASKED_FIELDS: 'MaskedFields',
  BACKEND_ROLES: 'BackendRoles',
  USERS: 'Users',
  HOSTS: 'Hosts',
  TIMEOUT_SECONDS: 'TimeoutSeconds',
} as const;

/** The three member lists of a role mapping, as the security plugin names them. */
export type MemberKind = 'backend_roles' | 'users' | 'hosts';
export const MEMBER_KINDS: readonly MemberKind[] = ['backend_roles', 'users', 'hosts'];

export interface DomainTarget {
  readonly domainArn: string;
  readonly domainName: string;
  /** The host name, without scheme or path: `search-logs-abc.us-east-1.es.amazonaws.com`. */
  readonly endpointHost: string;
}

export interface IndexPermissionEntry {
  readonly indexPatterns: string[];
  readonly allowedActions: string[];
  readonly documentLevelSecurity?: string;
  readonly fieldLevelSecurity?: string[];
  readonly maskedFields?: string[];
}

export interface TenantPermissionEntry {
  readonly tenantPatterns: string[];
  readonly allowedActions: string[];
}

export interface SecurityRoleProperties extends DomainTarget {
  readonly roleName: string;
  readonly description?: string;
  readonly clusterPermissions: string[];
  readonly indexPermissions: IndexPermissionEntry[];
  readonly tenantPermissions: TenantPermissionEntry[];
  readonly timeoutSeconds: number;
}

export type Members = Record<MemberKind, string[]>;

export interface RoleMembershipProperties extends DomainTarget {
  readonly roleName: string;
  readonly members: Members;
  readonly timeoutSeconds: number;
}

/** At most this many members per RoleMembership: the physical id records those it found (see below). */
export const MAX_MEMBERS = 64;
const MAX_ROLE_NAME_LENGTH = 128;
const MAX_ITEM_LENGTH = 2048;
const ROLE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/;
const DOMAIN_ARN_PATTERN = /^arn:aws[a-z-]*:es:[a-z0-9-]+:[0-9]{12}:domain\/([a-z][a-z0-9-]+)$/;
const HOST_PATTERN = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

export function checkRoleName(value: unknown, label: string = SecurityKey.ROLE_NAME): string {
  if (typeof value !== 'string' || value.length > MAX_ROLE_NAME_LENGTH || !ROLE_NAME_PATTERN.test(value)) {
    throw new InvalidPropertyError(
      `${label} must be a role name of 1-${MAX_ROLE_NAME_LENGTH} letters, digits and _ . : @ -, starting with a letter or digit; got ${describeValue(value)}`,
    );
  }
  return value;
}

/** The domain's ARN, and its name read from it. */
export function checkDomainArn(value: unknown, label: string = SecurityKey.DOMAIN_ARN): { domainArn: string; domainName: string } {
  const match = typeof value === 'string' ? DOMAIN_ARN_PATTERN.exec(value) : null;
  if (!match) {
    throw new InvalidPropertyError(
      `${label} must be an OpenSearch Service domain ARN like arn:aws:es:us-east-1:111111111111:domain/my-domain; got ${describeValue(value)}`,
    );
  }
  return { domainArn: value as string, domainName: checkDomainName(match[1], `${label} (domain name)`) };
}

/**
 * The domain's endpoint host. CloudFormation's DomainEndpoint attribute is a bare host name;
 * an endpoint given with `https://` (and a trailing slash) is accepted too.
 */
export function checkDomainEndpoint(value: unknown, label: string = SecurityKey.DOMAIN_ENDPOINT): string {
  const host = typeof value === 'string' ? value.replace(/^https:\/\//, '').replace(/\/$/, '') : undefined;
  if (host === undefined || host.length === 0 || host.length > 253 || !HOST_PATTERN.test(host)) {
    throw new InvalidPropertyError(
      `${label} must be the domain's endpoint, like search-my-domain-abc123.us-east-1.es.amazonaws.com; got ${describeValue(value)}`,
    );
  }
  return host;
}

function checkStringList(value: unknown, label: string, what: string, options: { min?: number; max?: number } = {}): string[] {
  if (value === undefined) {
    if ((options.min ?? 0) > 0) throw new InvalidPropertyError(`${label} must list at least ${options.min} ${what}; got nothing`);
    return [];
  }
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.length === 0 || item.length > MAX_ITEM_LENGTH)) {
    throw new InvalidPropertyError(`${label} must be a list of non-empty ${what}; got ${describeValue(value)}`);
  }
  if (value.length < (options.min ?? 0)) {
    throw new InvalidPropertyError(`${label} must list at least ${options.min} ${what}; got an empty list`);
  }
  if (options.max !== undefined && value.length > options.max) {
    throw new InvalidPropertyError(`${label} must list at most ${options.max} ${what}; got ${value.length}`);
  }
  return value as string[];
}

function asObject(value: unknown, label: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidPropertyError(`${label} must be an object; got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

function checkList<T>(value: unknown, label: string, each: (item: Record<string, unknown>, at: string) => T): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidPropertyError(`${label} must be a list; got ${describeValue(value)}`);
  return value.map((item, index) => each(asObject(item, `${label}[${index}]`), `${label}[${index}]`));
}

export function checkIndexPermissions(value: unknown, label: string = SecurityKey.INDEX_PERMISSIONS): IndexPermissionEntry[] {
  return checkList(value, label, (bag, at) => {
    const dls = bag[SecurityKey.DOCUMENT_LEVEL_SECURITY];
    if (dls !== undefined && (typeof dls !== 'string' || dls.length === 0)) {
      throw new InvalidPropertyError(`${at}.${SecurityKey.DOCUMENT_LEVEL_SECURITY} must be a query DSL text; got ${describeValue(dls)}`);
    }
    const fls = bag[SecurityKey.FIELD_LEVEL_SECURITY];
    const masked = bag[SecurityKey.MASKED_FIELDS];
    return {
      indexPatterns: checkStringList(bag[SecurityKey.INDEX_PATTERNS], `${at}.${SecurityKey.INDEX_PATTERNS}`, 'index patterns', { min: 1 }),
      allowedActions: checkStringList(bag[SecurityKey.ALLOWED_ACTIONS], `${at}.${SecurityKey.ALLOWED_ACTIONS}`, 'actions', { min: 1 }),
      documentLevelSecurity: dls as string | undefined,
      fieldLevelSecurity: fls === undefined ? undefined : checkStringList(fls, `${at}.${SecurityKey.FIELD_LEVEL_SECURITY}`, 'fields'),
      maskedFields: masked === undefined ? undefined : checkStringList(masked, `${at}.${SecurityKey.MASKED_FIELDS}`, 'fields'),
    };
  });
}

export function checkTenantPermissions(value: unknown, label: string = SecurityKey.TENANT_PERMISSIONS): TenantPermissionEntry[] {
  return checkList(value, label, (bag, at) => ({
    tenantPatterns: checkStringList(bag[SecurityKey.TENANT_PATTERNS], `${at}.${SecurityKey.TENANT_PATTERNS}`, 'tenant patterns', {
      min: 1,
    }),
    allowedActions: checkStringList(bag[SecurityKey.ALLOWED_ACTIONS], `${at}.${SecurityKey.ALLOWED_ACTIONS}`, 'actions', { min: 1 }),
  }));
}

export function checkClusterPermissions(value: unknown, label: string = SecurityKey.CLUSTER_PERMISSIONS): string[] {
  return checkStringList(value, label, 'cluster permissions');
}

const MAX_DESCRIPTION_LENGTH = 1000;

function parseTarget(bag: Record<string, unknown>): DomainTarget {
  return { ...checkDomainArn(bag[SecurityKey.DOMAIN_ARN]), endpointHost: checkDomainEndpoint(bag[SecurityKey.DOMAIN_ENDPOINT]) };
}

function timeoutOf(bag: Record<string, unknown>): number {
  return optional(bag, SecurityKey.TIMEOUT_SECONDS, checkTimeoutSeconds) ?? DEFAULT_TIMEOUT_SECONDS;
}

export function parseSecurityRoleProperties(raw: unknown): SecurityRoleProperties {
  const bag = asPropertyBag(raw);
  const description = bag[SecurityKey.DESCRIPTION];
  if (description !== undefined && (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH)) {
    throw new InvalidPropertyError(
      `${SecurityKey.DESCRIPTION} must be a text of at most ${MAX_DESCRIPTION_LENGTH} characters; got ${describeValue(description)}`,
    );
  }
  return {
    ...parseTarget(bag),
    roleName: checkRoleName(bag[SecurityKey.ROLE_NAME]),
    description: description as string | undefined,
    clusterPermissions: checkClusterPermissions(bag[SecurityKey.CLUSTER_PERMISSIONS]),
    indexPermissions: checkIndexPermissions(bag[SecurityKey.INDEX_PERMISSIONS]),
    tenantPermissions: checkTenantPermissions(bag[SecurityKey.TENANT_PERMISSIONS]),
    timeoutSeconds: timeoutOf(bag),
  };
}

const MEMBER_KEYS: Record<MemberKind, string> = {
  backend_roles: SecurityKey.BACKEND_ROLES,
  users: SecurityKey.USERS,
  hosts: SecurityKey.HOSTS,
};

/** The member lists, each without repeats (a repeat is the same member: the construct warns at synth). */
export function checkMembers(lists: Partial<Record<MemberKind, unknown>>): Members {
  const members = {} as Members;
  let total = 0;
  for (const kind of MEMBER_KINDS) {
    members[kind] = [...new Set(checkStringList(lists[kind], MEMBER_KEYS[kind], 'members'))];
    total += members[kind].length;
  }
  if (total === 0) {
    throw new InvalidPropertyError(`A role membership must list at least one member in ${Object.values(MEMBER_KEYS).join(', ')}`);
  }
  if (total > MAX_MEMBERS) {
    throw new InvalidPropertyError(`A role membership lists at most ${MAX_MEMBERS} members; got ${total}. Split it into several.`);
  }
  return members;
}

export function parseRoleMembershipProperties(raw: unknown): RoleMembershipProperties {
  const bag = asPropertyBag(raw);
  return {
    ...parseTarget(bag),
    roleName: checkRoleName(bag[SecurityKey.ROLE_NAME]),
    members: checkMembers({
      backend_roles: bag[SecurityKey.BACKEND_ROLES],
      users: bag[SecurityKey.USERS],
      hosts: bag[SecurityKey.HOSTS],
    }),
    timeoutSeconds: timeoutOf(bag),
  };
}

/** A digest of the stack and logical id: what tells this resource's work from anyone else's. */
export function ownerOf(stackId: string, logicalResourceId: string): string {
  return createHash('sha256').update(`${stackId}/${logicalResourceId}`).digest('hex').slice(0, 16);
}

/**
 * SecurityRole's physical id names the domain and the role: a new domain or name is a replacement,
 * and the old resource's Delete removes the old role.
 */
export function securityRolePhysicalId(domainName: string, roleName: string, stackId: string, logicalResourceId: string): string {
  return `opensearch-security-role:${domainName}:${roleName}:${ownerOf(stackId, logicalResourceId)}`;
}

/**
 * The mark in a role's description that says this resource made it (the security plugin keeps no
 * other free-form field on a role). A role without it was made by someone else, and is never
 * written or removed.
 */
export function ownershipMark(stackId: string, logicalResourceId: string): string {
  return `[managed by cdk-opensearch-lifecycle ${ownerOf(stackId, logicalResourceId)}]`;
}

const KEPT_SEPARATOR = ':kept:';

/** A short digest of one member: the physical id records found members by these, not by name. */
export function memberDigest(kind: MemberKind, member: string): string {
  return createHash('sha256').update(`${kind}\n${member}`).digest('hex').slice(0, 8);
}

/**
 * RoleMembership's physical id names the domain and (by digest) the role, so that another domain
 * or role is a replacement. It also records, by short digests, the listed members that were
 * already in the mapping when the resource was created: the resource never removes them. The
 * physical id is the only thing of the Create that reaches later events.
 */
export function roleMembershipPhysicalId(
  domainName: string,
  roleName: string,
  stackId: string,
  logicalResourceId: string,
  kept: string[] = [],
): string {
  const role = createHash('sha256').update(roleName).digest('hex').slice(0, 8);
  const base = `opensearch-role-membership:${domainName}:${role}:${ownerOf(stackId, logicalResourceId)}`;
  return kept.length > 0 ? `${base}${KEPT_SEPARATOR}${[...kept].sort().join('.')}` : base;
}

/** The digests of the members a physical id says were there before; undefined when the id is not this resource's. */
export function keptMembers(
  physicalResourceId: string | undefined,
  domainName: string,
  roleName: string,
  stackId: string,
  logicalResourceId: string,
): string[] | undefined {
  const base = roleMembershipPhysicalId(domainName, roleName, stackId, logicalResourceId);
  if (physicalResourceId === base) return [];
  if (physicalResourceId?.startsWith(`${base}${KEPT_SEPARATOR}`)) {
    return physicalResourceId.slice(base.length + KEPT_SEPARATOR.length).split('.');
  }
  return undefined;
}
