/**
 * Helpers of the fault-injection tests: a runner with the fault options, the invariant checked
 * after every scenario, and readers of what the service saw.
 */
import type { Timing, World } from '../../../emulator';
import { LocalDeployment, type LocalDeploymentOptions, type StackEvent, diffWorld } from '../../../tools/local-deploy';
import { MAX_RESPONSE_BYTES } from '../../../tools/local-deploy/response-check';
import { MUTATING_SERVICE_OPERATIONS } from '../../../tools/local-deploy/service-proxy';
import { Runner, expectNoResponseUrlLeak, startRunner, statuses } from '../helpers';

export type FaultRunnerOptions = Omit<LocalDeploymentOptions, 'world' | 'timing' | 'timeCompression' | 'log' | 'progressEveryMs'>;

/** Starts a runner whose output is collected, with the fault options; stop it with `run.stop()`. */
export async function startFaultRunner(
  world: World,
  timing: Timing,
  timeCompression: number,
  options: FaultRunnerOptions = {},
): Promise<Runner> {
  return startRunner(world, timing, timeCompression, undefined, { progressEveryMs: 0, ...options });
}

/** A short SDK request timeout for the handlers (real ms), so that slow answers time out fast. */
export const SHORT_SDK_TIMEOUT = { OPENSEARCH_LIFECYCLE_REQUEST_TIMEOUT_MS: '300' };

/** What the resources the runner sent requests for name: connection ids, and `domain/package` pairs. */
export function namedByResources(run: LocalDeployment): { connections: Set<string>; packages: Set<string>; domains: Set<string> } {
  const connections = new Set<string>();
  const packages = new Set<string>();
  const domains = new Set<string>();
  for (const request of run.requests) {
    for (const properties of [request.ResourceProperties, request.OldResourceProperties]) {
      if (!properties) continue;
      if (typeof properties.ConnectionId === 'string') connections.add(properties.ConnectionId);
      if (typeof properties.DomainName === 'string' && Array.isArray(properties.PackageIds)) {
        domains.add(properties.DomainName);
        for (const id of properties.PackageIds) packages.add(`${properties.DomainName}/${String(id)}`);
      }
      // A PackageAssociation's list: `{ PackageId, ... }` entries.
      if (typeof properties.DomainName === 'string' && Array.isArray(properties.Packages)) {
        for (const entry of properties.Packages as Array<{ PackageId?: unknown }>) {
          packages.add(`${properties.DomainName}/${String(entry.PackageId)}`);
        }
      }
    }
  }
  return { connections, packages, domains };
}

/**
 * The invariant every scenario ends with:
 *  - between `before` and now, no connection or package changed that no resource named (in the
 *    properties of any request the runner sent), and no domain that no PackageDissociation named;
 *  - every body PUT to a ResponseURL fits in 4096 bytes, came with a valid signature, arrived
 *    while CloudFormation was still waiting, and passed the runner's CloudFormation checks;
 *  - no ResponseURL secret reached any output or function log.
 * Returns the world's changes, for the scenario's own assertions.
 */
export function expectInvariants(runner: Runner, before: World): string[] {
  const { run } = runner;
  const changes = diffWorld(before, run.emulator.snapshot());
  const named = namedByResources(run);
  const unnamed = changes.filter((line) => {
    const connection = /^connection ([^:]+):/.exec(line);
    if (connection) return !named.connections.has(connection[1]);
    const pkg = /^package ([^:]+):/.exec(line);
    if (pkg) return !named.packages.has(pkg[1]);
    const domain = /^domain ([^:]+):/.exec(line);
    return !domain || !named.domains.has(domain[1]);
  });
  expect(unnamed).toEqual([]);

  expect(run.responses.length).toBeGreaterThan(0);
  const bad = run.responses
    .filter(
      (response) => Buffer.byteLength(response.raw, 'utf8') > MAX_RESPONSE_BYTES || response.role !== 'answer' || !response.verdict?.ok,
    )
    .map((response) => ({
      logicalId: response.request.LogicalResourceId,
      requestType: response.request.RequestType,
      bytes: Buffer.byteLength(response.raw, 'utf8'),
      role: response.role,
      verdict: response.verdict,
    }));
  expect(bad).toEqual([]);
  // Every request was answered exactly once.
  expect(run.responses.filter((response) => response.role === 'answer').length).toBe(run.requests.length);
  expectNoResponseUrlLeak(runner);
  return changes;
}

/** The calls to the service that changed or could change something and that it accepted (2xx), of one resource. */
export function acceptedMutations(run: LocalDeployment, logicalId?: string): string[] {
  return run.serviceCalls
    .filter((call) => call.status >= 200 && call.status < 300 && MUTATING_SERVICE_OPERATIONS.has(call.operation))
    .filter((call) => logicalId === undefined || call.logicalId === logicalId)
    .map((call) => `${call.operation} ${subjectOf(call.path, call.body)}`);
}

function subjectOf(path: string, body: unknown): string {
  // DissociatePackages lists ids; AssociatePackages, `{ PackageID, ... }` entries.
  const packages = body as { DomainName?: string; PackageList?: Array<string | { PackageID?: string }> } | undefined;
  const idOf = (entry: string | { PackageID?: string }) => (typeof entry === 'string' ? entry : String(entry.PackageID));
  if (packages?.DomainName) return `${packages.DomainName} [${(packages.PackageList ?? []).map(idOf).join(', ')}]`;
  return decodeURIComponent(path.split('/inboundConnection/')[1]?.split('/')[0] ?? path);
}

/** The mutating requests the emulator handled with success (2xx), whoever sent them. */
export function emulatorAcceptedMutations(run: LocalDeployment): string[] {
  return run.emulator
    .mutatingRequests()
    .filter((request) => request.status >= 200 && request.status < 300)
    .map((request) => `${request.operation} ${subjectOf(request.path, request.body)}`);
}

/** The first event of a resource with this status. */
export function firstEvent(run: LocalDeployment, logicalId: string, status: string): StackEvent | undefined {
  return run.events.find((event) => event.logicalId === logicalId && event.status === status);
}

/** Operations the emulator answered with this fault at least once. */
export function faultedOperations(run: LocalDeployment, kind: string): Set<string> {
  return new Set(run.emulator.requests.filter((request) => request.fault === kind).map((request) => request.operation));
}

/** The Provider framework states every waiter execution went through. */
export function waiterStates(run: LocalDeployment): string[] {
  return run.executions.flatMap((execution) => execution.history.map((step) => step.state));
}

/** Every resource was deleted, and every Delete had started before the first one finished. */
export function expectDeletedInParallel(run: LocalDeployment, logicalIds: string[]): void {
  for (const id of logicalIds) expect(statuses(run, id).slice(-2)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
  const deleteEvents = run.events.filter((event) => logicalIds.includes(event.logicalId) && event.status.startsWith('DELETE_'));
  const firstComplete = deleteEvents.findIndex((event) => event.status === 'DELETE_COMPLETE');
  expect(deleteEvents.slice(0, firstComplete).filter((event) => event.status === 'DELETE_IN_PROGRESS')).toHaveLength(logicalIds.length);
}
