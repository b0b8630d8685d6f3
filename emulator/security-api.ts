/**
 * The data plane of each emulated domain, limited to the security plugin's REST API for roles and
 * role mappings: `/_plugins/_security/api/{roles,rolesmapping}/<name>` (and `_opendistro/_security/api`,
 * the only root of an Elasticsearch 7.x domain), GET/PUT/PATCH/DELETE, answered with the plugin's
 * status codes and `{status, message}` bodies (opensearch-project/security, Responses.java,
 * EndpointValidator.java, AbstractApiAction.java).
 *
 * Each domain's endpoint is `<emulator>/domain-endpoints/<endpoint host>`; a request names the domain
 * by its host, which is the domain's seeded `endpoint`, or any `search-<name>-….<region>.es.…` /
 * `vpc-<name>-….<region>.es.…` host of it.
 *
 * Who calls: the SigV4 credential scope must name service `es` and the domain's region; the
 * principal is the IAM role named by a session token made with `localSessionToken(roleArn)`
 * (what the local deploy runner gives each handler), else `arn:aws:iam::<account>:user/local-test`.
 * The principal may use the API when it is the domain's master user, or is mapped (as a user or
 * a backend role) to `security_manager` or `all_access`; anyone else gets the plugin's 403.
 */
import * as jsonpatch from 'fast-json-patch';
import type { Caller, FaultKind, SeedDomain } from './types';

type Json = Record<string, unknown>;

/** The security API operations, by what they act on; faults and the request log use these names. */
export type SecurityOperationName =
  | 'GetSecurityRole'
  | 'PutSecurityRole'
  | 'PatchSecurityRole'
  | 'DeleteSecurityRole'
  | 'GetRoleMapping'
  | 'PutRoleMapping'
  | 'PatchRoleMapping'
  | 'DeleteRoleMapping';

export const SECURITY_MUTATIONS: readonly SecurityOperationName[] = [
  'PutSecurityRole',
  'PatchSecurityRole',
  'DeleteSecurityRole',
  'PutRoleMapping',
  'PatchRoleMapping',
  'DeleteRoleMapping',
];

/** A role or mapping of the security configuration, with the plugin's flags. */
export interface SecurityEntry {
  readonly [key: string]: unknown;
  reserved?: boolean;
  hidden?: boolean;
  static?: boolean;
}

export interface SeedSecurity {
  /**
   * The master user's IAM ARN. Default: every principal of the domain's account counts as the
   * master user (tests that do not care about who may manage security need no set-up).
   */
  masterUserArn?: string;
  /** Roles besides the built-in ones (all_access, security_manager, readall: static). */
  roles?: Record<string, SecurityEntry>;
  /** Role mappings besides the built-in ones (all_access and security_manager map the master user). */
  rolesMapping?: Record<string, SecurityEntry>;
  /**
   * Whether JSON Patch `test` is accepted. The newest plugin accepts only add, replace and remove
   * (AbstractApiAction.supportedPatchOperations); its documentation lists test too. @default true
   */
  patchTest?: boolean;
  /** false: the endpoint cannot be reached (a VPC domain seen from outside): every connection is cut. @default true */
  reachable?: boolean;
}

const BUILT_IN_ROLES: Record<string, SecurityEntry> = {
  all_access: {
    cluster_permissions: ['*'],
    index_permissions: [{ index_patterns: ['*'], allowed_actions: ['*'] }],
    static: true,
    reserved: true,
  },
  security_manager: { cluster_permissions: ['cluster:admin/opendistro_security/*'], static: true, reserved: true },
  readall: { cluster_permissions: ['cluster_composite_ops_ro'], static: true, reserved: true },
};

interface DomainSecurity {
  name: string;
  region: string;
  ownerId: string;
  endpoint?: string;
  elasticsearch: boolean;
  masterUserArn?: string;
  patchTest: boolean;
  reachable: boolean;
  roles: Map<string, SecurityEntry>;
  mappings: Map<string, SecurityEntry>;
}

/** What the security plane answers: a status and a JSON body, or a cut connection. */
export type SecurityAnswer = { status: number; body: unknown } | 'drop';

/** The session token that tells the emulator which IAM role signs (the runner gives one to each handler). */
export function localSessionToken(roleArn: string): string {
  return `LOCALROLE.${Buffer.from(roleArn).toString('base64url')}`;
}

function principalOf(sessionToken: string | undefined, caller: Caller): string {
  if (sessionToken?.startsWith('LOCALROLE.')) return Buffer.from(sessionToken.slice('LOCALROLE.'.length), 'base64url').toString('utf8');
  return `arn:aws:iam::${caller.account}:user/local-test`;
}

const payload = (status: number, name: string, message: string) => ({ status, body: { status: name, message } });
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const ROUTE = /^\/domain-endpoints\/([^/]+)\/(_plugins|_opendistro)\/_security\/api\/(roles|rolesmapping)(?:\/([^/]+))?\/?$/;

/** The operation a data-plane request is; undefined when the path is not a security API path. */
export function securityOperationOf(method: string, pathname: string): SecurityOperationName | undefined {
  const match = ROUTE.exec(pathname);
  if (!match) return undefined;
  const verb = ({ GET: 'Get', PUT: 'Put', PATCH: 'Patch', DELETE: 'Delete' } as Record<string, string>)[method];
  if (!verb) return undefined;
  return `${verb}${match[3] === 'roles' ? 'SecurityRole' : 'RoleMapping'}` as SecurityOperationName;
}

export class SecurityPlane {
  private readonly domains = new Map<string, DomainSecurity>();
  private hooks: Array<{ operation: SecurityOperationName; run: () => void }> = [];

  reset(): void {
    this.domains.clear();
    this.hooks = [];
  }

  /**
   * Runs `run` once, just before the next request of this operation is handled (after its
   * faults): what another writer does between a handler's read and its write.
   */
  before(operation: SecurityOperationName, run: () => void): void {
    this.hooks.push({ operation, run });
  }

  addDomain(seed: SeedDomain, ownerId: string, region: string): void {
    const security = seed.security ?? {};
    const mappings: Record<string, SecurityEntry> = {
      all_access: { backend_roles: [], users: [], hosts: [], reserved: false, hidden: false },
      security_manager: { backend_roles: [], users: [], hosts: [], reserved: false, hidden: false },
      ...security.rolesMapping,
    };
    this.domains.set(seed.domainName, {
      name: seed.domainName,
      region,
      ownerId,
      endpoint: seed.endpoint,
      elasticsearch: (seed.engineVersion ?? 'OpenSearch_2.19').startsWith('Elasticsearch_'),
      masterUserArn: security.masterUserArn,
      patchTest: security.patchTest ?? true,
      reachable: security.reachable ?? true,
      roles: new Map(Object.entries(clone({ ...BUILT_IN_ROLES, ...security.roles }))),
      mappings: new Map(Object.entries(clone(mappings))),
    });
  }

  removeDomain(name: string): void {
    this.domains.delete(name);
  }

  /** The domain's roles and mappings as they are now (flags included), for tests and snapshots. */
  view(domainName: string): { roles: Record<string, SecurityEntry>; rolesMapping: Record<string, SecurityEntry> } | undefined {
    const domain = this.domains.get(domainName);
    if (!domain) return undefined;
    return { roles: clone(Object.fromEntries(domain.roles)), rolesMapping: clone(Object.fromEntries(domain.mappings)) };
  }

  /** Another writer changes a mapping (as an administrator in Dashboards would): the patch is applied as is. */
  patchMapping(domainName: string, roleName: string, operations: jsonpatch.Operation[]): void {
    const domain = this.domains.get(domainName);
    if (!domain) throw new Error(`patchMapping: no domain ${domainName}`);
    const entry = domain.mappings.get(roleName) ?? { backend_roles: [], users: [], hosts: [] };
    domain.mappings.set(roleName, jsonpatch.applyPatch(clone(entry), operations, true).newDocument);
  }

  /** Sets a role directly (as an administrator would), replacing any. */
  putRole(domainName: string, roleName: string, entry: SecurityEntry): void {
    const domain = this.domains.get(domainName);
    if (!domain) throw new Error(`putRole: no domain ${domainName}`);
    domain.roles.set(roleName, clone(entry));
  }

  /** The domain a data-plane host names (its seeded endpoint, or `search-<name>-….<region>.es.…`), as IAM would see it. */
  domainOfHost(host: string): { name: string; ownerId: string; region: string } | undefined {
    const domain = this.domainFor(host);
    return domain && { name: domain.name, ownerId: domain.ownerId, region: domain.region };
  }

  private domainFor(host: string): DomainSecurity | undefined {
    let best: DomainSecurity | undefined;
    for (const domain of this.domains.values()) {
      if (domain.endpoint !== undefined) {
        if (domain.endpoint === host) return domain;
        continue;
      }
      const label = host.split('.')[0];
      const named = label.startsWith(`search-${domain.name}-`) || label.startsWith(`vpc-${domain.name}-`);
      if (named && host.includes(`.${domain.region}.es.`) && (!best || domain.name.length > best.name.length)) best = domain;
    }
    return best;
  }

  /**
   * Answers one request. `authorization` is the SigV4 header (already known to be one),
   * `sessionToken` the `x-amz-security-token` header.
   */
  handle(
    method: string,
    pathname: string,
    body: unknown,
    authorization: string,
    sessionToken: string | undefined,
    caller: Caller,
  ): SecurityAnswer {
    const match = ROUTE.exec(pathname);
    const host = match?.[1] ?? /^\/domain-endpoints\/([^/]+)/.exec(pathname)?.[1] ?? '';
    const domain = this.domainFor(decodeURIComponent(host));
    if (!domain || !domain.reachable) return 'drop';
    const scope = /Credential=[^/]+\/[0-9]{8}\/([^/]+)\/([^/]+)\//.exec(authorization);
    if (scope?.[2] !== 'es') return { status: 403, body: { message: `Credential should be scoped to correct service: 'es'.` } };
    if (scope[1] !== domain.region) {
      return { status: 403, body: { message: `Credential should be scoped to a valid region. ` } };
    }
    const root = match?.[2];
    if (!match || (root === '_plugins' && domain.elasticsearch)) {
      // What Elasticsearch 7.x (and OpenSearch) answer for a path no plugin serves.
      return {
        status: 400,
        body: { error: `no handler found for uri [${pathname.replace(/^\/domain-endpoints\/[^/]+/, '')}] and method [${method}]` },
      };
    }
    const kind = match[3] as 'roles' | 'rolesmapping';
    const name = match[4] === undefined ? undefined : decodeURIComponent(match[4]);
    const operation = securityOperationOf(method, pathname);
    const hook = this.hooks.findIndex((h) => h.operation === operation);
    if (hook >= 0) this.hooks.splice(hook, 1)[0].run();
    const principal = principalOf(sessionToken, caller);
    if (!this.mayManage(domain, principal, caller)) {
      const endpoint = kind === 'roles' ? 'ROLES' : 'ROLESMAPPING';
      return payload(
        403,
        'FORBIDDEN',
        `No permission to access REST API: User ${principal} with Security roles [] does not have any access to endpoint ${endpoint} and method ${method}`,
      );
    }
    const admin = this.isMaster(domain, principal, caller);
    const entries = kind === 'roles' ? domain.roles : domain.mappings;
    const resource = kind === 'roles' ? 'role' : 'rolesmapping';
    switch (method) {
      case 'GET':
        return this.get(entries, name, admin, resource);
      case 'PUT':
        return this.put(domain, kind, entries, name, body, admin);
      case 'DELETE':
        return this.remove(entries, name, admin, resource);
      case 'PATCH':
        return this.patch(domain, entries, name, body, admin, resource);
      default:
        return payload(501, 'NOT_IMPLEMENTED', `Method ${method} not supported for this action.`);
    }
  }

  private isMaster(domain: DomainSecurity, principal: string, caller: Caller): boolean {
    return domain.masterUserArn === undefined ? caller.account === domain.ownerId : principal === domain.masterUserArn;
  }

  private mayManage(domain: DomainSecurity, principal: string, caller: Caller): boolean {
    if (this.isMaster(domain, principal, caller)) return true;
    return ['security_manager', 'all_access'].some((role) => {
      const mapping = domain.mappings.get(role);
      return [mapping?.users, mapping?.backend_roles].some((list) => Array.isArray(list) && list.includes(principal));
    });
  }

  /** The plugin's immutability checks, in its order: hidden (404), static, reserved (403); an administrator passes. */
  private immutable(entry: SecurityEntry | undefined, name: string, admin: boolean): SecurityAnswer | undefined {
    if (!entry || admin) return undefined;
    if (entry.hidden) return payload(404, 'NOT_FOUND', `Resource '${name}' is not available.`);
    if (entry.static) return payload(403, 'FORBIDDEN', `Resource '${name}' is static.`);
    if (entry.reserved) return payload(403, 'FORBIDDEN', `Resource '${name}' is reserved.`);
    return undefined;
  }

  private get(entries: Map<string, SecurityEntry>, name: string | undefined, admin: boolean, resource: string): SecurityAnswer {
    if (name === undefined) {
      const visible = [...entries].filter(([, entry]) => admin || !entry.hidden);
      return { status: 200, body: clone(Object.fromEntries(visible)) };
    }
    const entry = entries.get(name);
    if (entry?.hidden && !admin) return payload(404, 'NOT_FOUND', `Resource '${name}' is not available.`);
    if (!entry) return payload(404, 'NOT_FOUND', `${resource} '${name}' not found.`);
    return { status: 200, body: { [name]: clone(withFlags(entry)) } };
  }

  private put(
    domain: DomainSecurity,
    kind: 'roles' | 'rolesmapping',
    entries: Map<string, SecurityEntry>,
    name: string | undefined,
    body: unknown,
    admin: boolean,
  ): SecurityAnswer {
    if (name === undefined) return payload(400, 'BAD_REQUEST', `No ${kind === 'roles' ? 'role' : 'rolesmapping'} specified.`);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return payload(400, 'BAD_REQUEST', 'Request body required for this action.');
    const existing = entries.get(name);
    const refused = this.immutable(existing, name, admin);
    if (refused) return refused;
    if (kind === 'rolesmapping' && !domain.roles.has(name)) return payload(404, 'NOT_FOUND', `role '${name}' not found.`);
    const content = clone(body) as Json;
    for (const flag of ['reserved', 'hidden', 'static']) {
      if (flag in content) return payload(400, 'BAD_REQUEST', `Invalid configuration: '${flag}' cannot be set through the API.`);
    }
    const entry: SecurityEntry =
      kind === 'rolesmapping'
        ? { backend_roles: [], hosts: [], users: [], and_backend_roles: [], ...content, reserved: false, hidden: false }
        : {
            cluster_permissions: [],
            index_permissions: [],
            tenant_permissions: [],
            ...content,
            reserved: false,
            hidden: false,
            static: false,
          };
    entries.set(name, entry);
    return existing
      ? payload(200, 'OK', `'${name}' updated.`)
      : { status: 201, body: { status: 'CREATED', message: `'${name}' created.` } };
  }

  private remove(entries: Map<string, SecurityEntry>, name: string | undefined, admin: boolean, resource: string): SecurityAnswer {
    if (name === undefined) return payload(400, 'BAD_REQUEST', `No ${resource} specified.`);
    const entry = entries.get(name);
    const refused = this.immutable(entry, name, admin);
    if (refused) return refused;
    if (!entry) return payload(404, 'NOT_FOUND', `${resource} '${name}' not found.`);
    entries.delete(name);
    return payload(200, 'OK', `'${name}' deleted.`);
  }

  private patch(
    domain: DomainSecurity,
    entries: Map<string, SecurityEntry>,
    name: string | undefined,
    body: unknown,
    admin: boolean,
    resource: string,
  ): SecurityAnswer {
    if (name === undefined) return payload(400, 'BAD_REQUEST', 'Patching several entries at once is not emulated.');
    if (!Array.isArray(body) || body.length === 0) return payload(400, 'BAD_REQUEST', 'Wrong request body');
    const allowed = domain.patchTest ? ['add', 'replace', 'remove', 'test'] : ['add', 'replace', 'remove'];
    for (const operation of body as Array<{ op?: unknown }>) {
      if (!allowed.includes(String(operation?.op))) {
        return payload(400, 'BAD_REQUEST', `Unsupported patch operation: ${String(operation?.op)}. Supported are: ${allowed.join(',')}`);
      }
    }
    const entry = entries.get(name);
    const refused = this.immutable(entry, name, admin);
    if (refused) return refused;
    if (!entry) return payload(404, 'NOT_FOUND', `${resource} '${name}' not found.`);
    let patched: SecurityEntry;
    try {
      patched = jsonpatch.applyPatch(clone(entry), body as jsonpatch.Operation[], true, false).newDocument;
    } catch (error) {
      const failure = error as { name?: string; message?: string };
      const message =
        failure.name === 'TEST_OPERATION_FAILED'
          ? '[TEST Operation] value mismatch'
          : (failure.message ?? 'JSON patch failed').split('\n')[0];
      return payload(400, 'BAD_REQUEST', message);
    }
    entries.set(name, patched);
    return payload(200, 'OK', 'Resource updated.');
  }
}

/** A role mapping or role as GET shows it: the flags are always there. */
function withFlags(entry: SecurityEntry): SecurityEntry {
  return { reserved: false, hidden: false, ...entry };
}

/** What a fault makes the data plane answer; undefined for `slow` (handled as usual, later). */
export function securityFaultAnswer(kind: FaultKind): SecurityAnswer | undefined {
  switch (kind) {
    case 'throttle':
      return { status: 429, body: { message: 'Too Many Requests' } };
    case 'internal':
      return { status: 500, body: { error: { type: 'internal_server_error', reason: 'Internal failure' }, status: 500 } };
    case 'conflict':
    case 'in-progress':
      // The plugin writes its configuration with a sequence number: a concurrent write is a version conflict.
      return payload(
        409,
        'CONFLICT',
        'version conflict, required seqNo [1], primary term [1]. current document has seqNo [2] and primary term [1]',
      );
    case 'access-denied':
      return { status: 403, body: { Message: 'User: anonymous is not authorized to perform: es:ESHttpPut with an explicit deny' } };
    case 'drop':
      return 'drop';
    default:
      return undefined;
  }
}
