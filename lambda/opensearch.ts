import {
  DeleteInboundConnectionCommand,
  DescribeDomainCommand,
  DescribeInboundConnectionsCommand,
  DissociatePackagesCommand,
  InboundConnection,
  DomainPackageDetails,
  ListPackagesForDomainCommand,
  OpenSearchClient,
  RejectInboundConnectionCommand,
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

/** One client per Lambda container, created at the first call. */
function opensearch(): OpenSearchClient {
  client ??= new OpenSearchClient(SDK_CLIENT_CONFIG);
  return client;
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

/** The domain is busy with another change: retry later, it clears by itself. */
export function isDomainBusy(error: unknown): boolean {
  const name = errorName(error);
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
  let nextToken: string | undefined;
  do {
    const page = await call('DescribeInboundConnections', connectionId, () =>
      opensearch().send(
        new DescribeInboundConnectionsCommand({
          Filters: [{ Name: 'connection-id', Values: [connectionId] }],
          NextToken: nextToken,
        }),
      ),
    );
    const match = page.Connections?.find((connection) => connection.ConnectionId === connectionId);
    if (match) {
      log(`DescribeInboundConnections ${connectionId}: ${match.ConnectionStatus?.StatusCode}`);
      return match;
    }
    nextToken = page.NextToken;
  } while (nextToken);
  log(`DescribeInboundConnections ${connectionId}: not found`);
  return undefined;
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
  const packages: DomainPackageDetails[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await call('ListPackagesForDomain', domainName, () =>
        opensearch().send(new ListPackagesForDomainCommand({ DomainName: domainName, MaxResults: 100, NextToken: nextToken })),
      );
      packages.push(...(page.DomainPackageDetailsList ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
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

/** Dissociates the packages from the domain in one call. */
export async function dissociatePackages(domainName: string, packageIds: string[]): Promise<void> {
  await call('DissociatePackages', `on domain ${domainName}`, () =>
    opensearch().send(new DissociatePackagesCommand({ DomainName: domainName, PackageList: packageIds })),
  );
  log(`DissociatePackages ${domainName} [${packageIds.join(', ')}]: submitted`);
}
