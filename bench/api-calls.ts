/**
 * Section 4: API calls per operation, against the OpenSearch control-plane emulator.
 *
 * The shipped handler bundle (assets/handler/index.js, the code Lambda runs) is driven the way the
 * Provider framework drives it: onEvent once, then isComplete at once and again every query
 * interval until it says complete. The emulator runs on a virtual clock that the driver moves
 * forward by one query interval between polls, so a wait of minutes takes milliseconds and the
 * poll count is exact. Every request the emulator records is counted, by operation.
 */
import { randomUUID } from 'crypto';
import { createRequire } from 'module';
import * as path from 'path';
import { inboundConnectionDeletionPhysicalId } from '../lib/private/contracts/inbound-connection-deletion';
import { packageDissociationPhysicalId } from '../lib/private/contracts/package-dissociation';
import { QUERY_INTERVAL } from '../lib/private/lifecycle-provider';
import { OpenSearchEmulator, SeedConnection, Timing, World } from '../emulator';
import { HANDLER_BUNDLE } from './bundle';
import { answerStackStatus } from './stack-status';

export const QUERY_INTERVAL_MS = QUERY_INTERVAL.toMilliseconds();

export const STACK_ID = 'arn:aws:cloudformation:us-east-1:111111111111:stack/BenchStack/0a1b2c3d-0000-4000-8000-000000000000';
export const DESTINATION = { domainName: 'logs-destination' };
export const SOURCE = { domainName: 'logs-source', ownerId: '222222222222', region: 'eu-west-1' };
export const PACKAGE_DOMAIN = 'search-products';

export type Operation = 'reject' | 'delete' | 'dissociate' | 'associate';

export interface Scenario {
  /** e.g. "dissociate 10 packages" */
  name: string;
  operation: Operation;
  /** Packages dissociated or associated (dissociate and associate only). */
  packages?: number;
  /** How long the service takes to reach the terminal state, in virtual milliseconds. */
  settleMs: number;
}

export interface ResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResourceType: string;
  LogicalResourceId: string;
  StackId: string;
  RequestId: string;
  ResponseURL: string;
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
}

export interface HandlerModule {
  onEvent(event: ResourceEvent): Promise<Record<string, unknown> & { PhysicalResourceId: string }>;
  isComplete(event: Record<string, unknown>): Promise<{ IsComplete: boolean; Data?: Record<string, string> }>;
}

/** Loads the handler bundle afresh, so that its SDK client reads the current endpoint. */
export function loadHandler(file = HANDLER_BUNDLE): HandlerModule {
  const load = createRequire(__filename);
  const resolved = path.resolve(file);
  delete load.cache[resolved];
  const handler = load(resolved) as HandlerModule;
  delete load.cache[resolved];
  return handler;
}

export function packageIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `F${String(100000001 + i)}`);
}

export function connectionId(operation: Operation): string {
  return operation === 'reject' ? 'cc-bench-pending-0001' : 'cc-bench-active-0001';
}

/** The world before the event: the connection pending or active, or the packages associated. */
export function worldFor(scenario: Scenario): World {
  switch (scenario.operation) {
    case 'reject':
    case 'delete': {
      const status: SeedConnection['status'] = scenario.operation === 'reject' ? 'PENDING_ACCEPTANCE' : 'ACTIVE';
      return { connections: [{ connectionId: connectionId(scenario.operation), status, source: SOURCE, destination: DESTINATION }] };
    }
    case 'associate':
      return { domains: [{ domainName: PACKAGE_DOMAIN }] };
    case 'dissociate':
      return {
        domains: [
          {
            domainName: PACKAGE_DOMAIN,
            packages: packageIds(scenario.packages ?? 1).map((packageId) => ({ packageId, status: 'ACTIVE' as const })),
          },
        ],
      };
  }
}

export function timingFor(scenario: Scenario): Timing {
  return { rejectMs: scenario.settleMs, deleteMs: scenario.settleMs, dissociateMs: scenario.settleMs, associateMs: scenario.settleMs };
}

/** The CloudFormation request the scenario's resource receives, as the Provider framework passes it on. */
export function eventFor(scenario: Scenario): ResourceEvent {
  const base = {
    LogicalResourceId: 'Op0',
    StackId: STACK_ID,
    RequestId: randomUUID(),
    ResponseURL: 'https://cloudformation-custom-resource-response.example/bench',
  };
  const serviceToken = 'arn:aws:lambda:us-east-1:111111111111:function:framework';
  switch (scenario.operation) {
    case 'reject':
      return {
        ...base,
        RequestType: 'Create',
        ResourceType: 'Custom::OpenSearchInboundConnectionRejection',
        ResourceProperties: {
          ServiceToken: serviceToken,
          ConnectionId: connectionId('reject'),
          DomainName: DESTINATION.domainName,
          TimeoutSeconds: '1800',
        },
      };
    case 'delete':
      return {
        ...base,
        RequestType: 'Delete',
        ResourceType: 'Custom::OpenSearchInboundConnectionDeletion',
        PhysicalResourceId: inboundConnectionDeletionPhysicalId(connectionId('delete')),
        ResourceProperties: {
          ServiceToken: serviceToken,
          ConnectionId: connectionId('delete'),
          DomainName: DESTINATION.domainName,
          TimeoutSeconds: '1800',
        },
      };
    case 'associate':
      return {
        ...base,
        RequestType: 'Create',
        ResourceType: 'Custom::OpenSearchPackageAssociation',
        ResourceProperties: {
          ServiceToken: serviceToken,
          DomainName: PACKAGE_DOMAIN,
          Packages: packageIds(scenario.packages ?? 1).map((PackageId) => ({ PackageId })),
          TimeoutSeconds: '3300',
        },
      };
    case 'dissociate':
      return {
        ...base,
        RequestType: 'Delete',
        ResourceType: 'Custom::OpenSearchPackageDissociation',
        PhysicalResourceId: packageDissociationPhysicalId(PACKAGE_DOMAIN, STACK_ID, base.LogicalResourceId),
        ResourceProperties: {
          ServiceToken: serviceToken,
          DomainName: PACKAGE_DOMAIN,
          PackageIds: packageIds(scenario.packages ?? 1),
          TimeoutSeconds: '3300',
        },
      };
  }
}

/** Whether the emulator shows the scenario's terminal state. */
export function reachedTerminalState(emulator: OpenSearchEmulator, scenario: Scenario): boolean {
  switch (scenario.operation) {
    case 'reject':
      return emulator.connection(connectionId('reject'))?.status === 'REJECTED';
    case 'delete':
      return emulator.connection(connectionId('delete'))?.status === 'DELETED';
    case 'dissociate':
      return (emulator.packages(PACKAGE_DOMAIN) ?? []).length === 0;
    case 'associate':
      return (emulator.packages(PACKAGE_DOMAIN) ?? []).filter((p) => p.status === 'ACTIVE').length === (scenario.packages ?? 1);
  }
}

/** Keeps the handlers' one-line-per-call logs out of the bench's output while `fn` runs. */
export async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => undefined;
  try {
    return await fn();
  } finally {
    console.log = log;
  }
}

export interface ApiCallResult {
  scenario: string;
  operation: Operation;
  packages?: number;
  settleMs: number;
  /** Requests the emulator recorded, by operation. */
  requestsByOperation: Record<string, number>;
  requests: number;
  /** Mutating requests that reached state handling (RejectInboundConnection, DissociatePackages…). */
  mutatingCalls: number;
  readCalls: number;
  /** isComplete invocations until it said complete. */
  polls: number;
  /**
   * The most polls a wait of settleMs can need: the waiter's first isComplete runs at once, then
   * one every query interval, so 1 + ceil(settleMs / interval).
   */
  pollBound: number;
  /** Virtual milliseconds from the terminal state to isComplete saying so. */
  detectionLagMs: number;
}

/** Runs one scenario through onEvent and isComplete on the emulator's virtual clock. */
export async function runScenario(scenario: Scenario): Promise<ApiCallResult> {
  let now = Date.UTC(2030, 0, 1);
  const emulator = await OpenSearchEmulator.start({ world: worldFor(scenario), timing: timingFor(scenario), clock: () => now });
  const previousEndpoint = process.env.AWS_ENDPOINT_URL_OPENSEARCH;
  process.env.AWS_ENDPOINT_URL_OPENSEARCH = emulator.endpoint;
  const stopStackStatus = await answerStackStatus(STACK_ID);
  try {
    const handler = loadHandler();
    const request = eventFor(scenario);
    const startedAt = now;
    const pollBound = 1 + Math.ceil(scenario.settleMs / QUERY_INTERVAL_MS);
    let polls = 0;
    let completeAt: number | undefined;
    await quietly(async () => {
      const handover = await handler.onEvent(request);
      for (;;) {
        const result = await handler.isComplete({ ...request, ...handover });
        polls++;
        if (result.IsComplete) {
          completeAt = now;
          return;
        }
        if (polls > pollBound + 10) throw new Error(`bench: ${scenario.name} not complete after ${polls} polls`);
        now += QUERY_INTERVAL_MS;
      }
    });
    const requestsByOperation: Record<string, number> = {};
    for (const recorded of emulator.requests) {
      requestsByOperation[recorded.operation] = (requestsByOperation[recorded.operation] ?? 0) + 1;
    }
    const mutating = emulator.mutatingRequests();
    const mutatingCalls = mutating.length;
    // The transition to the terminal state starts when the (first) mutating call is handled.
    const terminalAt = (mutating[0]?.at ?? startedAt) + scenario.settleMs;
    if (!reachedTerminalState(emulator, scenario)) throw new Error(`bench: ${scenario.name} completed before the terminal state`);
    return {
      scenario: scenario.name,
      operation: scenario.operation,
      ...(scenario.packages !== undefined ? { packages: scenario.packages } : {}),
      settleMs: scenario.settleMs,
      requestsByOperation,
      requests: emulator.requests.length,
      mutatingCalls,
      readCalls: emulator.requests.length - mutatingCalls,
      polls,
      pollBound,
      detectionLagMs: (completeAt ?? now) - terminalAt,
    };
  } finally {
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_OPENSEARCH;
    else process.env.AWS_ENDPOINT_URL_OPENSEARCH = previousEndpoint;
    await stopStackStatus();
    await emulator.stop();
  }
}

export function scenarios(settleMs: number, packageCounts: number[]): Scenario[] {
  return [
    { name: 'reject 1 connection', operation: 'reject', settleMs },
    { name: 'delete 1 connection', operation: 'delete', settleMs },
    ...packageCounts.map((packages) => ({
      name: `dissociate ${packages} package${packages === 1 ? '' : 's'}`,
      operation: 'dissociate' as const,
      packages,
      settleMs,
    })),
    // PackageAssociation: one AssociatePackages call, whatever the number of packages.
    ...packageCounts.map((packages) => ({
      name: `associate ${packages} package${packages === 1 ? '' : 's'}`,
      operation: 'associate' as const,
      packages,
      settleMs,
    })),
  ];
}

export async function apiCalls(list: Scenario[]): Promise<ApiCallResult[]> {
  const results: ApiCallResult[] = [];
  for (const scenario of list) results.push(await runScenario(scenario));
  return results;
}
