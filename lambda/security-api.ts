import type { Client } from '@opensearch-project/opensearch';
import { DomainTarget } from '../lib/private/contracts/security';
import { ResourceFailure } from './lifecycle';
import { log } from './log';

/**
 * The handlers' requests to a domain's own REST endpoint: the security plugin's API, through the
 * OpenSearch client (`@opensearch-project/opensearch`) signing with SigV4 (service `es`) with the
 * provider role's credentials, from the SDK's default provider chain.
 *
 * Requests go to `https://<DomainEndpoint>`. Only the tests change that:
 * OPENSEARCH_LIFECYCLE_DOMAIN_URL_PREFIX sends the requests for host H to `<prefix>/H` instead
 * (the emulator's data plane, or the local deploy runner's proxy in front of it), as
 * AWS_ENDPOINT_URL_OPENSEARCH does for the configuration API.
 */

/** Kept below the Lambda timeout, like the SDK clients' (see opensearch.ts). */
const REQUEST_TIMEOUT_MS = Number(process.env.OPENSEARCH_LIFECYCLE_REQUEST_TIMEOUT_MS ?? 10_000);
/** The client retries connection faults and 502/503/504 this many times before it gives up. */
const MAX_RETRIES = 2;

/** The security plugin's two API roots: OpenSearch, and Elasticsearch 7.x with Open Distro. */
const PLUGINS_ROOT = '/_plugins/_security/api';
const OPENDISTRO_ROOT = '/_opendistro/_security/api';

const clients = new Map<string, Client>();
/** Which API root each endpoint answered on (learned once per container). */
const roots = new Map<string, string>();

function nodeUrl(host: string): string {
  const prefix = process.env.OPENSEARCH_LIFECYCLE_DOMAIN_URL_PREFIX;
  return prefix ? `${prefix.replace(/\/$/, '')}/${host}` : `https://${host}`;
}

/**
 * The client's modules, loaded at the first request to a domain: they are most of the bundle's
 * code, and the kinds that never reach a domain should not pay for them at every cold start.
 */
function modules() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    opensearch: require('@opensearch-project/opensearch') as typeof import('@opensearch-project/opensearch'),
    aws: require('@opensearch-project/opensearch/aws-v3') as typeof import('@opensearch-project/opensearch/aws-v3'),
    credentials: require('@aws-sdk/credential-provider-node') as typeof import('@aws-sdk/credential-provider-node'),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

function client(target: DomainTarget): Client {
  const node = nodeUrl(target.endpointHost);
  let found = clients.get(node);
  if (!found) {
    const region = target.domainArn.split(':')[3];
    const { opensearch, aws, credentials } = modules();
    const { AwsSigv4Signer } = aws;
    const defaultProvider = credentials.defaultProvider;
    found = new opensearch.Client({
      ...AwsSigv4Signer({ region, service: 'es', getCredentials: defaultProvider() }),
      node,
      requestTimeout: REQUEST_TIMEOUT_MS,
      maxRetries: MAX_RETRIES,
    });
    clients.set(node, found);
  }
  return found;
}

/** A security plugin answer: its status code and JSON body. */
export interface SecurityAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** The security plugin refused the call (an answer outside 2xx that the caller did not expect). */
export class SecurityApiError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${operation}: HTTP ${status}: ${messageOf(body)}`);
    this.name = 'SecurityApiError';
  }
}

/** The plugin's own words: `message` of `{status, message}`, or the `reason` of an OpenSearch error. */
export function messageOf(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 300);
  const b = body as { message?: unknown; Message?: unknown; error?: { reason?: unknown } | string } | undefined;
  const text =
    (typeof b?.message === 'string' && b.message) ||
    (typeof b?.Message === 'string' && b.Message) ||
    (typeof b?.error === 'string' && b.error) ||
    (typeof b?.error === 'object' && typeof b.error?.reason === 'string' && b.error.reason) ||
    JSON.stringify(body ?? null);
  return text.replace(/\s+/g, ' ').trim().slice(0, 400);
}

/** An Elasticsearch/OpenSearch "no handler found for uri" answer: the API root does not exist there. */
function isNoHandler(answer: SecurityAnswer): boolean {
  return (answer.status === 400 || answer.status === 404 || answer.status === 405) && /no handler found/i.test(messageOf(answer.body));
}

/** Statuses a later attempt may not get: throttling, the plugin's version conflict, server errors. */
export function isTransientStatus(status: number): boolean {
  return status === 409 || status === 429 || status >= 500;
}

/**
 * One request to the security API. Answers every HTTP status (the caller decides); a request that
 * gets no answer at all after the client's retries becomes a ResourceFailure that says what to
 * configure, at once: waiting would not make an unreachable endpoint reachable.
 */
export async function securityRequest(
  target: DomainTarget,
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE',
  resourcePath: string,
  body?: unknown,
): Promise<SecurityAnswer> {
  const known = roots.get(target.endpointHost);
  const first = await send(target, method, `${known ?? PLUGINS_ROOT}${resourcePath}`, body);
  if (known === undefined && isNoHandler(first)) {
    // Elasticsearch 7.x domains serve the Open Distro security plugin under its old root.
    log(`${target.endpointHost}: no ${PLUGINS_ROOT}; using ${OPENDISTRO_ROOT} (Elasticsearch 7.x)`);
    roots.set(target.endpointHost, OPENDISTRO_ROOT);
    return send(target, method, `${OPENDISTRO_ROOT}${resourcePath}`, body);
  }
  if (known === undefined && first.status < 500) roots.set(target.endpointHost, PLUGINS_ROOT);
  return first;
}

async function send(target: DomainTarget, method: string, path: string, body: unknown): Promise<SecurityAnswer> {
  try {
    const response = await client(target).transport.request(
      { method, path, body: body as Record<string, unknown> | undefined },
      { ignore: [400, 401, 403, 404, 405, 409, 429, 500, 502, 503, 504] },
    );
    log(`${method} ${path} on ${target.domainName}: ${response.statusCode}`);
    return { status: response.statusCode ?? 0, body: response.body };
  } catch (error) {
    const { errors } = modules().opensearch;
    if (
      error instanceof errors.ConnectionError ||
      error instanceof errors.TimeoutError ||
      error instanceof errors.NoLivingConnectionsError
    ) {
      throw unreachable(target, error);
    }
    throw error;
  }
}

function unreachable(target: DomainTarget, error: Error): ResourceFailure {
  return new ResourceFailure(
    `Cannot reach domain ${target.domainName} at https://${target.endpointHost} (${error.name}: ${error.message}); nothing was changed. ` +
      'A VPC domain is reachable only from its VPC: run the provider there with OpenSearchLifecycleProvider.configure(stack, { vpc, vpcSubnets, securityGroups }) ' +
      "and let the domain's security group accept HTTPS (443) from those security groups.",
  );
}

/**
 * The security plugin's 403, as a failure that names who was refused and what to do. The plugin
 * names the user in its message; the provider's role is the principal the handler signs as.
 */
export function refused(target: DomainTarget, operation: string, answer: SecurityAnswer): ResourceFailure {
  const roleArn = process.env.OPENSEARCH_LIFECYCLE_ROLE_ARN;
  const principal = roleArn ?? "the provider's role";
  return new ResourceFailure(
    `${operation} on domain ${target.domainName} was refused (HTTP 403: ${messageOf(answer.body)}) for ${principal}; nothing was changed. ` +
      `Make ${principal} the domain's master user (fineGrainedAccessControl.masterUserArn: OpenSearchLifecycleProvider.roleOf(stack).roleArn) ` +
      `or map it to the security_manager role (backend role ${principal}), and allow it es:ESHttp* in the domain's access policy.`,
  );
}
