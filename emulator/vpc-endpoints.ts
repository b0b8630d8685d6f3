/**
 * The emulator's OpenSearch Service-managed VPC endpoints (AWS PrivateLink) and the domain
 * owners' authorizations, kept apart from `world.ts`: the world keeps the domains and says who
 * owns one; this file keeps the endpoints, the authorized principals and the emulator's view of
 * the subnets (which VPC and Availability Zone each one is in).
 *
 * Shapes, member names, enums and error names follow botocore's model of the 2021-01-01 API
 * (`botocore/data/opensearch/2021-01-01/service-2.json`). What the model and the developer guide
 * leave open is chosen here and listed in emulator/README.md ("VPC endpoints").
 *
 * An endpoint belongs to the account and region that made it; only they see it (Describe, Update,
 * Delete, ListVpcEndpoints). The domain's owner sees every endpoint to its domains
 * (ListVpcEndpointsForDomain) and manages who may make them (Authorize/Revoke/ListVpcEndpointAccess).
 * Statuses: CREATING → ACTIVE (or CREATE_FAILED), UPDATING → ACTIVE (or UPDATE_FAILED),
 * DELETING → gone, each after its `VpcEndpointTiming` delay of `clock()`.
 */
import { createHash } from 'crypto';
import type { Caller } from './types';

type Json = Record<string, unknown>;

/** A modeled service error, as `world.ts` throws them (kept structurally the same to avoid a cycle). */
export interface EndpointError extends Error {
  readonly errorType: string;
  readonly statusCode: number;
}

export type VpcEndpointStatus = 'CREATING' | 'CREATE_FAILED' | 'ACTIVE' | 'UPDATING' | 'UPDATE_FAILED' | 'DELETING' | 'DELETE_FAILED';

/** The AWSServicePrincipal enum of the model: the only service that may be authorized. */
export const OPENSEARCH_UI_SERVICE = 'application.opensearchservice.amazonaws.com';

/** How long each transient status lasts, in milliseconds of `clock()`; 0 = settles at the next read. */
export interface VpcEndpointTiming {
  createEndpointMs?: number;
  updateEndpointMs?: number;
  deleteEndpointMs?: number;
}

/** A subnet of the emulated EC2: the VPC and the Availability Zone it is in, and its account. */
export interface SeedSubnet {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  /** @default the emulator's default account (111111111111) */
  ownerId?: string;
  /** @default the emulator's default region (us-east-1) */
  region?: string;
}

/** An endpoint made earlier (ACTIVE unless told), owned by `ownerId` in `region`. */
export interface SeedVpcEndpoint {
  vpcEndpointId: string;
  domainArn: string;
  /** Registered subnets (see `addSubnet`) of one VPC. */
  subnetIds: string[];
  securityGroupIds?: string[];
  /** @default 'ACTIVE' */
  status?: VpcEndpointStatus;
  /** @default the emulator's default account */
  ownerId?: string;
  /** @default the emulator's default region */
  region?: string;
}

export interface VpcEndpointView {
  vpcEndpointId: string;
  ownerId: string;
  region: string;
  domainArn: string;
  vpcId: string;
  subnetIds: string[];
  securityGroupIds: string[];
  status: VpcEndpointStatus;
  endpoint?: string;
}

export interface VpcEndpointAccessView {
  domainName: string;
  principalType: 'AWS_ACCOUNT' | 'AWS_SERVICE';
  principal: string;
}

/** What the registry needs from the world: who owns a domain (undefined: no such domain). */
export interface EndpointHost {
  domainOwner(domainName: string): { ownerId: string; region: string } | undefined;
}

interface EndpointState {
  id: string;
  seq: number;
  owner: Caller;
  domainArn: string;
  domainName: string;
  vpcId: string;
  subnetIds: string[];
  availabilityZones: string[];
  securityGroupIds: string[];
  status: VpcEndpointStatus;
  /** When the current transient status started. */
  since: number;
  /** The DNS name, once the endpoint has been ACTIVE. */
  endpoint?: string;
  /** An update waiting to settle: the options it applies. */
  pending?: { subnetIds: string[]; availabilityZones: string[]; securityGroupIds: string[] };
}

interface Principal {
  type: 'AWS_ACCOUNT' | 'AWS_SERVICE';
  principal: string;
}

/** The developer guide's quotas ("Considerations"): per account, per domain, principals per domain. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 50;
export const MAX_ENDPOINTS_PER_DOMAIN = 10;
export const MAX_PRINCIPALS_PER_DOMAIN = 10;
/** Items per page of the three List operations (small, so that the handlers' paging is exercised). */
export const LIST_PAGE_SIZE = 10;

const DOMAIN_ARN = /^arn:aws[a-z-]*:[a-z]+:([a-z0-9-]+):([0-9]+):domain\/([a-z0-9-]+)$/;
const VPC_ENDPOINT_ID = /^aos-[a-zA-Z0-9]*$/;
const ACCOUNT = /^[0-9]+$/;
const TRANSIENT: ReadonlySet<VpcEndpointStatus> = new Set(['CREATING', 'UPDATING', 'DELETING']);

const ZERO_TIMING: Required<VpcEndpointTiming> = { createEndpointMs: 0, updateEndpointMs: 0, deleteEndpointMs: 0 };

export class VpcEndpointRegistry {
  private readonly endpoints = new Map<string, EndpointState>();
  /** key `${account}/${region}/${clientToken}` → endpoint id. */
  private readonly tokens = new Map<string, string>();
  /** key `${ownerId}/${region}/${subnetId}`. */
  private readonly subnets = new Map<string, Required<SeedSubnet>>();
  /** By domain name: who may make endpoints to it. */
  private readonly principals = new Map<string, Principal[]>();
  /** Endpoint ids (or `*`) whose next create / update settles in failure. */
  private readonly createFailures = new Set<string>();
  private readonly updateFailures = new Set<string>();
  private timing: Required<VpcEndpointTiming> = { ...ZERO_TIMING };
  private seq = 0;
  private made = 0;

  constructor(
    private readonly clock: () => number,
    private readonly host: EndpointHost,
    private readonly makeError: (errorType: string, statusCode: number, message: string) => EndpointError,
    private readonly defaultOwner: Caller,
  ) {}

  reset(): void {
    this.endpoints.clear();
    this.tokens.clear();
    this.subnets.clear();
    this.principals.clear();
    this.createFailures.clear();
    this.updateFailures.clear();
    this.timing = { ...ZERO_TIMING };
    this.made = 0;
  }

  /** Merges into the current timing; also applies to statuses already in flight. */
  setTiming(timing: VpcEndpointTiming): void {
    this.settle();
    for (const [key, value] of Object.entries(timing) as Array<[keyof VpcEndpointTiming, number | undefined]>) {
      if (!(key in this.timing)) throw new TypeError(`Unknown VPC endpoint timing key '${key}'`);
      if (value === undefined) continue;
      if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
        throw new TypeError(`VPC endpoint timing ${key} must be a number >= 0 or Infinity, got ${String(value)}`);
      }
      this.timing[key] = value;
    }
  }

  // ---------------------------------------------------------------- seeding and inspection

  addSubnet(seed: SeedSubnet): void {
    const subnet = { ownerId: this.defaultOwner.account, region: this.defaultOwner.region, ...seed };
    this.subnets.set(`${subnet.ownerId}/${subnet.region}/${subnet.subnetId}`, subnet);
  }

  addEndpoint(seed: SeedVpcEndpoint): void {
    if (this.endpoints.has(seed.vpcEndpointId)) throw new Error(`VPC endpoint ${seed.vpcEndpointId} already exists`);
    const owner = { account: seed.ownerId ?? this.defaultOwner.account, region: seed.region ?? this.defaultOwner.region };
    const arn = DOMAIN_ARN.exec(seed.domainArn);
    if (!arn) throw new Error(`addEndpoint: ${seed.domainArn} is not a domain ARN`);
    const placed = this.placeSubnets(seed.subnetIds, owner, (message) => new Error(`addEndpoint: ${message}`));
    const state: EndpointState = {
      id: seed.vpcEndpointId,
      seq: ++this.seq,
      owner,
      domainArn: seed.domainArn,
      domainName: arn[3],
      vpcId: placed.vpcId,
      subnetIds: [...seed.subnetIds],
      availabilityZones: placed.availabilityZones,
      securityGroupIds: [...(seed.securityGroupIds ?? [])],
      status: seed.status ?? 'ACTIVE',
      since: this.clock(),
    };
    if (state.status === 'ACTIVE' || state.status === 'UPDATING' || state.status === 'UPDATE_FAILED') {
      state.endpoint = dnsName(state);
    }
    this.endpoints.set(state.id, state);
  }

  /** Authorizes an account (12 digits) or the OpenSearch UI service on a domain, as if done earlier. */
  addAuthorization(domainName: string, principal: string): void {
    const type = ACCOUNT.test(principal) ? 'AWS_ACCOUNT' : 'AWS_SERVICE';
    const list = this.principals.get(domainName) ?? [];
    if (!list.some((p) => p.principal === principal)) list.push({ type, principal });
    this.principals.set(domainName, list);
  }

  /** The next creation that settles (of this endpoint id, or `*`: of any) ends CREATE_FAILED. */
  failCreate(vpcEndpointId = '*'): void {
    this.createFailures.add(vpcEndpointId);
  }

  /** The next update of this endpoint that settles ends UPDATE_FAILED. */
  failUpdate(vpcEndpointId: string): void {
    this.updateFailures.add(vpcEndpointId);
  }

  view(vpcEndpointId: string): VpcEndpointView | undefined {
    this.settle();
    const e = this.endpoints.get(vpcEndpointId);
    return e ? toView(e) : undefined;
  }

  list(): VpcEndpointView[] {
    this.settle();
    return [...this.endpoints.values()].sort((a, b) => a.seq - b.seq).map(toView);
  }

  accessList(): VpcEndpointAccessView[] {
    return [...this.principals.entries()].flatMap(([domainName, list]) =>
      list.map((p) => ({ domainName, principalType: p.type, principal: p.principal })),
    );
  }

  // ---------------------------------------------------------------- time

  settle(): void {
    const now = this.clock();
    for (const e of [...this.endpoints.values()]) {
      switch (e.status) {
        case 'CREATING':
          if (e.since + this.timing.createEndpointMs <= now) {
            const failed = this.createFailures.has(e.id) || this.createFailures.has('*');
            this.createFailures.delete(this.createFailures.has(e.id) ? e.id : '*');
            e.status = failed ? 'CREATE_FAILED' : 'ACTIVE';
            if (!failed) e.endpoint = dnsName(e);
          }
          break;
        case 'UPDATING':
          if (e.since + this.timing.updateEndpointMs <= now) {
            const failed = this.updateFailures.delete(e.id);
            if (!failed && e.pending) Object.assign(e, e.pending);
            e.pending = undefined;
            e.status = failed ? 'UPDATE_FAILED' : 'ACTIVE';
          }
          break;
        case 'DELETING':
          if (e.since + this.timing.deleteEndpointMs <= now) this.endpoints.delete(e.id);
          break;
        default:
          break;
      }
    }
  }

  // ---------------------------------------------------------------- operations

  createVpcEndpoint(body: unknown, caller: Caller): Json {
    this.settle();
    const request = asObject(body, this.makeError);
    const domainArn = this.domainArnOf(request.DomainArn);
    const options = this.vpcOptionsOf(request.VpcOptions, true);
    const clientToken = request.ClientToken;
    if (clientToken !== undefined && (typeof clientToken !== 'string' || clientToken.length < 1 || clientToken.length > 64)) {
      throw this.constraint('clientToken', clientToken, 'Member must have length between 1 and 64');
    }
    const tokenKey = clientToken === undefined ? undefined : `${caller.account}/${caller.region}/${clientToken}`;
    const earlier = tokenKey === undefined ? undefined : this.endpoints.get(this.tokens.get(tokenKey) ?? '');
    if (earlier) {
      // Idempotency: the same token answers with the endpoint it made, as it is now.
      if (earlier.domainArn !== domainArn.arn) {
        throw this.makeError('ConflictException', 409, `ClientToken ${String(clientToken)} was used for another request`);
      }
      return { VpcEndpoint: render(earlier) };
    }
    const owner = this.host.domainOwner(domainArn.name);
    if (!owner || owner.ownerId !== domainArn.account || owner.region !== domainArn.region) {
      throw this.makeError('ValidationException', 400, `Domain ${domainArn.arn} was not found`);
    }
    if (owner.region !== caller.region) {
      throw this.makeError('ValidationException', 400, `Domain ${domainArn.arn} is not in region ${caller.region}`);
    }
    if (owner.ownerId !== caller.account && !this.isAuthorized(domainArn.name, caller.account)) {
      throw this.makeError(
        'ValidationException',
        400,
        `Account ${caller.account} is not authorized to create a VPC endpoint for domain ${domainArn.name}`,
      );
    }
    const placed = this.placeSubnets(options.subnetIds, caller, (message) => this.makeError('ValidationException', 400, message));
    const live = [...this.endpoints.values()];
    if (live.filter((e) => e.owner.account === caller.account && e.owner.region === caller.region).length >= MAX_ENDPOINTS_PER_ACCOUNT) {
      throw this.makeError('LimitExceededException', 409, `An account can have at most ${MAX_ENDPOINTS_PER_ACCOUNT} VPC endpoints`);
    }
    if (live.filter((e) => e.domainArn === domainArn.arn).length >= MAX_ENDPOINTS_PER_DOMAIN) {
      throw this.makeError('LimitExceededException', 409, `A domain can have at most ${MAX_ENDPOINTS_PER_DOMAIN} VPC endpoints`);
    }
    this.made += 1;
    const id = `aos-${createHash('sha256').update(`${caller.account}/${caller.region}/${this.made}/${this.seq}`).digest('hex').slice(0, 12)}`;
    const state: EndpointState = {
      id,
      seq: ++this.seq,
      owner: { ...caller },
      domainArn: domainArn.arn,
      domainName: domainArn.name,
      vpcId: placed.vpcId,
      subnetIds: options.subnetIds,
      availabilityZones: placed.availabilityZones,
      securityGroupIds: options.securityGroupIds,
      status: 'CREATING',
      since: this.clock(),
    };
    this.endpoints.set(id, state);
    if (tokenKey !== undefined) this.tokens.set(tokenKey, id);
    return { VpcEndpoint: render(state) };
  }

  describeVpcEndpoints(body: unknown, caller: Caller): Json {
    this.settle();
    const ids = asObject(body, this.makeError).VpcEndpointIds;
    if (!Array.isArray(ids)) throw this.constraint('vpcEndpointIds', ids, 'Member must not be null');
    const found: Json[] = [];
    const errors: Json[] = [];
    for (const id of ids) {
      this.checkEndpointId(id, 'vpcEndpointIds.member');
      const e = this.endpoints.get(id as string);
      if (e && sameCaller(e.owner, caller)) {
        found.push(render(e));
      } else {
        errors.push({ VpcEndpointId: id, ErrorCode: 'ENDPOINT_NOT_FOUND', ErrorMessage: `VPC endpoint ${String(id)} was not found` });
      }
    }
    return { VpcEndpoints: found, VpcEndpointErrors: errors };
  }

  updateVpcEndpoint(body: unknown, caller: Caller): Json {
    this.settle();
    const request = asObject(body, this.makeError);
    this.checkEndpointId(request.VpcEndpointId, 'vpcEndpointId');
    const options = this.vpcOptionsOf(request.VpcOptions, false);
    const e = this.ownEndpoint(request.VpcEndpointId as string, caller);
    if (TRANSIENT.has(e.status) || e.status === 'CREATE_FAILED' || e.status === 'DELETE_FAILED') {
      throw this.makeError('ConflictException', 409, `VPC endpoint ${e.id} is ${e.status}: it cannot be updated now`);
    }
    const subnetIds = options.subnetIds.length > 0 ? options.subnetIds : e.subnetIds;
    const placed = this.placeSubnets(subnetIds, caller, (message) => this.makeError('ValidationException', 400, message));
    if (placed.vpcId !== e.vpcId) {
      throw this.makeError('ValidationException', 400, `Subnets must be in the endpoint's VPC ${e.vpcId}; ${subnetIds.join(', ')} are not`);
    }
    e.pending = {
      subnetIds: [...subnetIds],
      availabilityZones: placed.availabilityZones,
      securityGroupIds: options.securityGroupIds.length > 0 ? options.securityGroupIds : e.securityGroupIds,
    };
    e.status = 'UPDATING';
    e.since = this.clock();
    return { VpcEndpoint: render(e) };
  }

  deleteVpcEndpoint(vpcEndpointId: string, caller: Caller): Json {
    this.settle();
    // No ValidationException in the model of this operation: a malformed id is an unknown one.
    const e = this.ownEndpoint(vpcEndpointId, caller);
    if (e.status !== 'DELETING') {
      e.status = 'DELETING';
      e.since = this.clock();
    }
    return { VpcEndpointSummary: summary(e) };
  }

  listVpcEndpoints(query: Record<string, string>, caller: Caller): Json {
    this.settle();
    const mine = [...this.endpoints.values()].filter((e) => sameCaller(e.owner, caller));
    return this.page(mine, query, 'VpcEndpointSummaryList', summary, `mine:${caller.account}`);
  }

  listVpcEndpointsForDomain(domainName: string, query: Record<string, string>, caller: Caller): Json {
    this.settle();
    this.ownDomain(domainName, caller);
    const toDomain = [...this.endpoints.values()].filter(
      (e) => e.domainName === domainName && e.domainArn.split(':')[4] === caller.account,
    );
    return this.page(toDomain, query, 'VpcEndpointSummaryList', summary, `domain:${domainName}`);
  }

  authorizeVpcEndpointAccess(domainName: string, body: unknown, caller: Caller): Json {
    this.ownDomain(domainName, caller);
    const principal = this.principalOf(asObject(body, this.makeError));
    const list = this.principals.get(domainName) ?? [];
    const existing = list.find((p) => p.type === principal.type && p.principal === principal.principal);
    if (!existing) {
      if (list.length >= MAX_PRINCIPALS_PER_DOMAIN) {
        throw this.makeError('LimitExceededException', 409, `A domain can have at most ${MAX_PRINCIPALS_PER_DOMAIN} authorized principals`);
      }
      list.push(principal);
      this.principals.set(domainName, list);
    }
    return { AuthorizedPrincipal: { PrincipalType: principal.type, Principal: principal.principal } };
  }

  revokeVpcEndpointAccess(domainName: string, body: unknown, caller: Caller): Json {
    this.ownDomain(domainName, caller);
    const principal = this.principalOf(asObject(body, this.makeError));
    const list = this.principals.get(domainName) ?? [];
    const index = list.findIndex((p) => p.type === principal.type && p.principal === principal.principal);
    if (index < 0) {
      throw this.makeError('ResourceNotFoundException', 409, `${principal.principal} is not authorized on domain ${domainName}`);
    }
    // Endpoints already made stay (the service does not say it removes them).
    list.splice(index, 1);
    return {};
  }

  listVpcEndpointAccess(domainName: string, query: Record<string, string>, caller: Caller): Json {
    this.ownDomain(domainName, caller);
    const list = (this.principals.get(domainName) ?? []).map((p, i) => ({ ...p, seq: i + 1 }));
    return this.page(
      list,
      query,
      'AuthorizedPrincipalList',
      (p) => ({ PrincipalType: p.type, Principal: p.principal }),
      `access:${domainName}`,
    );
  }

  // ---------------------------------------------------------------- helpers

  private isAuthorized(domainName: string, account: string): boolean {
    return (this.principals.get(domainName) ?? []).some((p) => p.type === 'AWS_ACCOUNT' && p.principal === account);
  }

  private ownEndpoint(id: string, caller: Caller): EndpointState {
    const e = this.endpoints.get(id);
    if (!e || !sameCaller(e.owner, caller)) {
      throw this.makeError('ResourceNotFoundException', 409, `VPC endpoint ${id} was not found`);
    }
    return e;
  }

  private ownDomain(domainName: string, caller: Caller): void {
    // A malformed name is answered like an unknown one: ResourceNotFoundException is the error all
    // four domain operations model (two of them model no ValidationException).
    const owner = this.host.domainOwner(domainName);
    if (!owner || owner.ownerId !== caller.account || owner.region !== caller.region) {
      throw this.makeError('ResourceNotFoundException', 409, `Domain not found: ${domainName}`);
    }
  }

  private principalOf(request: Json): Principal {
    const { Account: account, Service: service } = request;
    if ((account === undefined) === (service === undefined)) {
      throw this.makeError('ValidationException', 400, 'Exactly one of Account or Service must be given');
    }
    if (account !== undefined) {
      if (typeof account !== 'string' || !ACCOUNT.test(account)) {
        throw this.constraint('account', account, 'Member must satisfy regular expression pattern: ^[0-9]+$');
      }
      return { type: 'AWS_ACCOUNT', principal: account };
    }
    if (service !== OPENSEARCH_UI_SERVICE) {
      throw this.constraint('service', service, `Member must satisfy enum value set: [${OPENSEARCH_UI_SERVICE}]`);
    }
    return { type: 'AWS_SERVICE', principal: OPENSEARCH_UI_SERVICE };
  }

  private domainArnOf(value: unknown): { arn: string; region: string; account: string; name: string } {
    if (typeof value !== 'string' || value.length < 1 || value.length > 512) {
      throw this.constraint('domainArn', value, 'Member must have length between 1 and 512');
    }
    const match = DOMAIN_ARN.exec(value);
    if (!match) {
      throw this.constraint(
        'domainArn',
        value,
        'Member must satisfy regular expression pattern: arn:aws[a-z\\-]*:[a-z]+:[a-z0-9\\-]+:[0-9]+:domain\\/[a-z0-9\\-]+',
      );
    }
    return { arn: value, region: match[1], account: match[2], name: match[3] };
  }

  private vpcOptionsOf(value: unknown, create: boolean): { subnetIds: string[]; securityGroupIds: string[] } {
    if (value === undefined || value === null) throw this.constraint('vpcOptions', value, 'Member must not be null');
    const options = asObject(value, this.makeError);
    const list = (raw: unknown, field: string): string[] => {
      if (raw === undefined) return [];
      if (!Array.isArray(raw) || raw.some((item) => typeof item !== 'string')) {
        throw this.constraint(`vpcOptions.${field}`, raw, 'Member must be a list of strings');
      }
      return [...(raw as string[])];
    };
    const subnetIds = list(options.SubnetIds, 'subnetIds');
    if (create && subnetIds.length === 0) {
      throw this.makeError('ValidationException', 400, 'At least one subnet must be given for a VPC endpoint');
    }
    return { subnetIds, securityGroupIds: list(options.SecurityGroupIds, 'securityGroupIds') };
  }

  /** The VPC and the Availability Zones of the subnets: each known in the caller's account, one VPC, one subnet per zone. */
  private placeSubnets(
    subnetIds: string[],
    caller: Caller,
    error: (message: string) => Error,
  ): { vpcId: string; availabilityZones: string[] } {
    const found = subnetIds.map((id) => {
      const subnet = this.subnets.get(`${caller.account}/${caller.region}/${id}`);
      if (!subnet) throw error(`Subnet ${id} does not exist in account ${caller.account}, region ${caller.region}`);
      return subnet;
    });
    const vpcs = [...new Set(found.map((s) => s.vpcId))];
    if (vpcs.length !== 1) throw error(`Subnets ${subnetIds.join(', ')} are in more than one VPC: ${vpcs.join(', ')}`);
    const zones = found.map((s) => s.availabilityZone);
    if (new Set(zones).size !== zones.length) {
      throw error(`Subnets ${subnetIds.join(', ')} must be in different Availability Zones`);
    }
    return { vpcId: vpcs[0], availabilityZones: zones };
  }

  private checkEndpointId(id: unknown, field: string): void {
    if (typeof id !== 'string' || id.length < 5 || id.length > 256 || !VPC_ENDPOINT_ID.test(id)) {
      throw this.constraint(field, id, 'Member must satisfy regular expression pattern: ^aos-[a-zA-Z0-9]*$');
    }
  }

  private page<T extends { seq: number }>(
    items: T[],
    query: Record<string, string>,
    member: string,
    render: (item: T) => Json,
    scope: string,
  ): Json {
    const sorted = [...items].sort((a, b) => a.seq - b.seq);
    let after = 0;
    const token = query.nextToken;
    if (token !== undefined && token !== '') {
      try {
        const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { scope: string; after: number };
        if (cursor.scope !== scope || typeof cursor.after !== 'number') throw new Error('foreign token');
        after = cursor.after;
      } catch {
        // The model gives these three List operations no ValidationException nor InvalidPaginationTokenException:
        // BaseException (400 in the API reference) is the one that fits.
        throw this.makeError('BaseException', 400, 'The pagination token is invalid or does not belong to this request');
      }
    }
    const rest = sorted.filter((item) => item.seq > after);
    const pageItems = rest.slice(0, LIST_PAGE_SIZE);
    const more = rest.length > pageItems.length;
    const last = pageItems[pageItems.length - 1];
    return {
      [member]: pageItems.map(render),
      // The model marks NextToken required in these three outputs: an empty string ends the list.
      NextToken: more ? Buffer.from(JSON.stringify({ scope, after: last.seq }), 'utf8').toString('base64url') : '',
    };
  }

  private constraint(field: string, value: unknown, constraint: string): EndpointError {
    return this.makeError(
      'ValidationException',
      400,
      `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
    );
  }
}

function asObject(body: unknown, makeError: (t: string, s: number, m: string) => EndpointError): Json {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw makeError('ValidationException', 400, 'Request body must be a JSON object');
  return body as Json;
}

function sameCaller(a: Caller, b: Caller): boolean {
  return a.account === b.account && a.region === b.region;
}

/** The endpoint's DNS name, like the service's `aos-<id>-<hash>.<region>.es.amazonaws.com`. */
function dnsName(e: EndpointState): string {
  const hash = createHash('sha256').update(e.id).digest('hex').slice(0, 16);
  return `${e.id}-${hash}.${e.owner.region}.es.amazonaws.com`;
}

/** A VpcEndpoint of the model. The Endpoint member only once the endpoint has been ACTIVE (aws/aws-cli#8898). */
function render(e: EndpointState): Json {
  return {
    VpcEndpointId: e.id,
    VpcEndpointOwner: e.owner.account,
    DomainArn: e.domainArn,
    VpcOptions: {
      VPCId: e.vpcId,
      SubnetIds: [...e.subnetIds],
      AvailabilityZones: [...e.availabilityZones],
      SecurityGroupIds: [...e.securityGroupIds],
    },
    Status: e.status,
    ...(e.endpoint !== undefined ? { Endpoint: e.endpoint } : {}),
  };
}

/** A VpcEndpointSummary of the model. */
function summary(e: EndpointState): Json {
  return { VpcEndpointId: e.id, VpcEndpointOwner: e.owner.account, DomainArn: e.domainArn, Status: e.status };
}

function toView(e: EndpointState): VpcEndpointView {
  return {
    vpcEndpointId: e.id,
    ownerId: e.owner.account,
    region: e.owner.region,
    domainArn: e.domainArn,
    vpcId: e.vpcId,
    subnetIds: [...e.subnetIds],
    securityGroupIds: [...e.securityGroupIds],
    status: e.status,
    ...(e.endpoint !== undefined ? { endpoint: e.endpoint } : {}),
  };
}
