import {
  AcceptInboundConnectionCommand,
  CreateOutboundConnectionCommand,
  CreateOutboundConnectionCommandInput,
  DeleteInboundConnectionCommand,
  DeleteOutboundConnectionCommand,
  Filter,
  OutboundConnection,
  paginateDescribeInboundConnections,
  paginateDescribeOutboundConnections,
  DescribeDomainCommand,
  DissociatePackagesCommand,
  InboundConnection,
  DomainPackageDetails,
  OpenSearchClient,
  RejectInboundConnectionCommand,
  paginateListPackagesForDomain,
} from '@aws-sdk/client-opensearch';
import { log } from './log';

/**
 * All OpenSearch access of the handlers, through the bundled, pinned SDK client.
 *
 * The client uses the SDK's default endpoint resolution, so AWS_ENDPOINT_URL_OPENSEARCH points it
 * at another endpoint (the tests' emulator). Throttling, 5xx and network faults are retried by the
 * SDK; what is still failing after that is classified here, by error name (several OpenSearch
 * errors share HTTP 409, so status codes say little).
 */

/** Kept below the Lambda timeout so a hung connection becomes a retryable error, not a dead handler. */
const REQUEST_TIMEOUT_MS = Number(process.env.OPENSEARCH_LIFECYCLE_REQUEST_TIMEOUT_MS ?? 10_000);
const MAX_ATTEMPTS = 4;

/** The settings of every SDK client of the handlers (OpenSearch, and CloudFormation for the stack status). */
export const SDK_CLIENT_CONFIG = {
  maxAttempts: MAX_ATTEMPTS,
  // Without throwOnRequestTimeout the SDK only warns about a slow answer and keeps waiting.
  requestHandler: { connectionTimeout: 3_000, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  customUserAgent: 'cdk-opensearch-lifecycle',
};

let client: OpenSearchClient | undefined;
let singleAttemptClient: OpenSearchClient | undefined;

/** One client per Lambda container, created at the first call. */
export function opensearch(): OpenSearchClient {
  client ??= new OpenSearchClient(SDK_CLIENT_CONFIG);
  return client;
}

/**
 * For a write with no idempotency token (CreateOutboundConnection): the SDK would re-send it after
 * a timeout whose request may have landed, making a second one. The caller looks instead.
 */
function opensearchSingleAttempt(): OpenSearchClient {
  singleAttemptClient ??= new OpenSearchClient({ ...SDK_CLIENT_CONFIG, maxAttempts: 1 });
  return singleAttemptClient;
}

/** The call a failed request was, for messages: "DescribeInboundConnections cc-1". */
export function failedCall(error: unknown): string | undefined {
  return (error as { failedCall?: string } | undefined)?.failedCall;
}

/** Makes a call; an error it throws carries the operation and its subject (see `failedCall`). */
export async function call<Output>(operation: string, subject: string, run: () => Promise<Output>): Promise<Output> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error && failedCall(error) === undefined) {
      Object.defineProperty(error, 'failedCall', { value: `${operation} ${subject}` });
    }
    throw error;
  }
}

/** The name of an SDK error, or of any thrown value. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** The message of an SDK error, on one line. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim() || errorName(error);
}

export function isNotFound(error: unknown): boolean {
  return errorName(error) === 'ResourceNotFoundException';
}

/**
 * The thing asked about does not exist: ResourceNotFoundException, or a ValidationException that
 * says "not found" (`Package not found`, which Terraform's provider also treats as gone,
 * hashicorp/terraform-provider-aws internal/service/opensearch/package.go).
 */
export function isGone(error: unknown): boolean {
  return isNotFound(error) || (errorName(error) === 'ValidationException' && /not found/i.test(errorMessage(error)));
}

/**
 * "Package is already in desired state" (ConflictException; terraform-provider-aws#46666): the
 * service considers the association done. It never clears by waiting.
 */
export function isAlreadyInDesiredState(error: unknown): boolean {
  return /already in desired state/i.test(errorMessage(error)) && ['ConflictException', 'ValidationException'].includes(errorName(error));
}

/**
 * The resource is in use (the model's definition of ConflictException: "attempts to remove a
 * resource that is currently in use"), e.g. a dictionary an index uses. It never clears by waiting.
 */
export function isInUse(error: unknown): boolean {
  return /\bin use\b/i.test(errorMessage(error)) && ['ConflictException', 'ValidationException'].includes(errorName(error));
}

/**
 * The domain is busy with another change: retry later, it clears by itself. A ConflictException
 * whose message says the request is done already or the resource is in use is not "busy".
 */
export function isDomainBusy(error: unknown): boolean {
  const name = errorName(error);
  if (isAlreadyInDesiredState(error) || isInUse(error)) return false;
  return name === 'ConflictException' || (name === 'ValidationException' && /in progress/i.test(errorMessage(error)));
}

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * True for faults that may clear if the same request is made again later: throttling, server
 * errors, network trouble and a busy domain. Everything else is a real answer.
 */
export function isTransient(error: unknown): boolean {
  if (isDomainBusy(error) || TRANSIENT_NAMES.has(errorName(error))) {
    return true;
  }
  const details = error as { code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = details?.$metadata?.httpStatusCode;
  return (status !== undefined && status >= 500) || TRANSIENT_CODES.has(details?.code ?? '');
}

/** Looks one inbound connection up by id; undefined when the service does not show it. */
export async function describeInboundConnection(connectionId: string): Promise<InboundConnection | undefined> {
  const match = await call('DescribeInboundConnections', connectionId, async () => {
    const pages = paginateDescribeInboundConnections(
      { client: opensearch() },
      { Filters: [{ Name: 'connection-id', Values: [connectionId] }] },
    );
    for await (const page of pages) {
      const found = page.Connections?.find((connection) => connection.ConnectionId === connectionId);
      if (found) return found;
    }
    return undefined;
  });
  log(`DescribeInboundConnections ${connectionId}: ${match ? match.ConnectionStatus?.StatusCode : 'not found'}`);
  return match;
}

export async function rejectInboundConnection(connectionId: string): Promise<string | undefined> {
  const response = await call('RejectInboundConnection', connectionId, () =>
    opensearch().send(new RejectInboundConnectionCommand({ ConnectionId: connectionId })),
  );
  const status = response.Connection?.ConnectionStatus?.StatusCode;
  log(`RejectInboundConnection ${connectionId}: ${status}`);
  return status;
}

export async function deleteInboundConnection(connectionId: string): Promise<string | undefined> {
  const response = await call('DeleteInboundConnection', connectionId, () =>
    opensearch().send(new DeleteInboundConnectionCommand({ ConnectionId: connectionId })),
  );
  const status = response.Connection?.ConnectionStatus?.StatusCode;
  log(`DeleteInboundConnection ${connectionId}: ${status}`);
  return status;
}

/** Whether the domain exists (and is not being deleted). */
export async function domainExists(domainName: string): Promise<boolean> {
  try {
    const response = await call('DescribeDomain', domainName, () =>
      opensearch().send(new DescribeDomainCommand({ DomainName: domainName })),
    );
    const deleted = response.DomainStatus?.Deleted === true;
    log(`DescribeDomain ${domainName}: ${deleted ? 'being deleted' : 'found'}`);
    return !deleted;
  } catch (error) {
    if (isNotFound(error)) {
      log(`DescribeDomain ${domainName}: not found`);
      return false;
    }
    throw error;
  }
}

/** Every package association of a domain; undefined when the domain does not exist. */
export async function listDomainPackages(domainName: string): Promise<DomainPackageDetails[] | undefined> {
  let packages: DomainPackageDetails[];
  try {
    packages = await call('ListPackagesForDomain', domainName, async () => {
      const all: DomainPackageDetails[] = [];
      for await (const page of paginateListPackagesForDomain({ client: opensearch(), pageSize: 100 }, { DomainName: domainName })) {
        all.push(...(page.DomainPackageDetailsList ?? []));
      }
      return all;
    });
  } catch (error) {
    if (isNotFound(error)) {
      log(`ListPackagesForDomain ${domainName}: domain not found`);
      return undefined;
    }
    throw error;
  }
  log(`ListPackagesForDomain ${domainName}: ${packages.map((p) => `${p.PackageID}=${p.DomainPackageStatus}`).join(', ') || 'none'}`);
  return packages;
}

/**
 * Dissociates the packages from the domain in one call; answers the latest LastUpdated of the
 * answer's entries: when the service started the dissociation, on the service's own clock.
 */
export async function dissociatePackages(domainName: string, packageIds: string[]): Promise<number | undefined> {
  const response = await call('DissociatePackages', `on domain ${domainName}`, () =>
    opensearch().send(new DissociatePackagesCommand({ DomainName: domainName, PackageList: packageIds })),
  );
  log(`DissociatePackages ${domainName} [${packageIds.join(', ')}]: submitted`);
  const times = (response.DomainPackageDetailsList ?? []).map((d) => d.LastUpdated?.getTime()).filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.max(...times) : undefined;
}

/**
 * A look-up answered "not found" (e.g. the domain it filters on is gone; Terraform's provider
 * treats it the same way) lists nothing.
 */
function notListedWhenGone(error: unknown): void {
  if (!isGone(error)) throw error;
  log(`${failedCall(error) ?? 'look-up'}: ${errorName(error)}, nothing listed`);
}

/** Every inbound connection matching the filters (DescribeInboundConnections, all pages). */
export async function findInboundConnections(filters: Filter[], subject: string): Promise<InboundConnection[]> {
  const connections: InboundConnection[] = [];
  await call('DescribeInboundConnections', subject, async () => {
    for await (const page of paginateDescribeInboundConnections({ client: opensearch() }, { Filters: filters })) {
      connections.push(...(page.Connections ?? []));
    }
  }).catch(notListedWhenGone);
  log(
    `DescribeInboundConnections ${subject}: ${connections.map((c) => `${c.ConnectionId}=${c.ConnectionStatus?.StatusCode}`).join(', ') || 'none'}`,
  );
  return connections;
}

/** Every outbound connection of this account and region matching the filters (all pages). */
export async function findOutboundConnections(filters: Filter[], subject: string): Promise<OutboundConnection[]> {
  const connections: OutboundConnection[] = [];
  await call('DescribeOutboundConnections', subject, async () => {
    for await (const page of paginateDescribeOutboundConnections({ client: opensearch() }, { Filters: filters })) {
      connections.push(...(page.Connections ?? []));
    }
  }).catch(notListedWhenGone);
  log(
    `DescribeOutboundConnections ${subject}: ${connections.map((c) => `${c.ConnectionId}=${c.ConnectionStatus?.StatusCode}`).join(', ') || 'none'}`,
  );
  return connections;
}

/** Creates an outbound connection; answers the connection as the service returned it. */
export async function createOutboundConnection(input: CreateOutboundConnectionCommandInput, subject: string): Promise<OutboundConnection> {
  const response = await call('CreateOutboundConnection', subject, () =>
    opensearchSingleAttempt().send(new CreateOutboundConnectionCommand(input)),
  );
  log(`CreateOutboundConnection ${subject}: ${response.ConnectionId} ${response.ConnectionStatus?.StatusCode}`);
  return response;
}

export async function deleteOutboundConnection(connectionId: string): Promise<string | undefined> {
  const response = await call('DeleteOutboundConnection', connectionId, () =>
    opensearch().send(new DeleteOutboundConnectionCommand({ ConnectionId: connectionId })),
  );
  const status = response.Connection?.ConnectionStatus?.StatusCode;
  log(`DeleteOutboundConnection ${connectionId}: ${status}`);
  return status;
}

export async function acceptInboundConnection(connectionId: string): Promise<string | undefined> {
  const response = await call('AcceptInboundConnection', connectionId, () =>
    opensearch().send(new AcceptInboundConnectionCommand({ ConnectionId: connectionId })),
  );
  const status = response.Connection?.ConnectionStatus?.StatusCode;
  log(`AcceptInboundConnection ${connectionId}: ${status}`);
  return status;
}
