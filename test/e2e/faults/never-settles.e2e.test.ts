/**
 * Statuses that never settle (REJECTING, DELETING and DISSOCIATING forever: the emulator's
 * timing is Infinity). Each resource fails by its own deadline (`timeout`: 2 minutes), with the
 * status it was waiting on in the reason, well before CloudFormation's ServiceTimeout (timeout +
 * 3 minutes), and never through the framework's "Operation timed out". Timestamps are virtual.
 *
 * Extends failures.e2e.test.ts ("a deletion that never finishes") to the other two waits and to
 * several resources waiting at once.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../../../lib';
import type { LocalDeployment } from '../../../tools/local-deploy';
import type { World } from '../../../emulator';
import { Runner, importedDomain, inbound, lastEvent, synth } from '../helpers';
import { acceptedMutations, expectInvariants, firstEvent, startFaultRunner, waiterStates } from './helpers';

const DOMAIN = 'stuck-domain';
const TIMEOUT_MS = 2 * 60_000;
/** What the template says: timeout + 3 minutes. */
const SERVICE_TIMEOUT_MS = TIMEOUT_MS + 3 * 60_000;
/** "At about the timeout": the first poll past the deadline fails it, at most this much later. */
const ABOUT_MS = 90_000;

const WORLD: World = {
  domains: [{ domainName: DOMAIN, packages: [{ packageId: 'G111111111' }, { packageId: 'G999999999' }] }],
  connections: [
    inbound('cc-stuck-pending-1', 'PENDING_ACCEPTANCE', DOMAIN),
    inbound('cc-stuck-active-01', 'ACTIVE', DOMAIN),
    inbound('cc-stuck-other-001', 'PENDING_ACCEPTANCE', DOMAIN, 'someone-else'),
  ],
};

/**
 * Checks that a resource failed by its own deadline: at the first poll past it (every earlier
 * poll started before it), at about the timeout, strictly before the ServiceTimeout. Returns the reason.
 */
function expectFailedByOwnDeadline(run: LocalDeployment, logicalId: string, operation: 'CREATE' | 'DELETE'): string {
  const started = firstEvent(run, logicalId, `${operation}_IN_PROGRESS`)!;
  const failed = lastEvent(run, logicalId, `${operation}_FAILED`)!;
  const requestType = operation === 'CREATE' ? 'Create' : 'Delete';
  const request = run.requests
    .filter((candidate) => candidate.LogicalResourceId === logicalId && candidate.RequestType === requestType)
    .pop()!;
  expect(Number(request.ResourceProperties.ServiceTimeout) * 1000).toBe(SERVICE_TIMEOUT_MS);

  const polls = run.invocations
    .filter((invocation) => invocation.handler === 'index.isComplete' && JSON.parse(invocation.payload).RequestId === request.RequestId)
    .map((invocation) => ({ startedAt: invocation.startedAt, deadline: Number(JSON.parse(invocation.payload).Deadline) }));
  const deadline = polls[0].deadline;
  expect(deadline - started.timestamp).toBeGreaterThanOrEqual(TIMEOUT_MS);
  expect(polls.slice(0, -1).every((poll) => poll.startedAt < deadline)).toBe(true);
  expect(failed.timestamp).toBeGreaterThanOrEqual(deadline);

  const elapsed = failed.timestamp - started.timestamp;
  expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS);
  expect(elapsed).toBeLessThan(TIMEOUT_MS + ABOUT_MS);
  expect(elapsed).toBeLessThan(SERVICE_TIMEOUT_MS);
  expect(failed.reason).not.toContain('Operation timed out');
  expect(failed.reason).not.toContain('did not receive a response');
  return failed.reason!;
}

describe('statuses that never settle', () => {
  let runner: Runner;
  let seed: World;

  beforeAll(async () => {
    // A low compression: polls cost real time, and the deadline must be reached by polls at
    // ~10 virtual seconds apart, far inside the ServiceTimeout.
    runner = await startFaultRunner(WORLD, { rejectMs: Infinity, deleteMs: Infinity, dissociateMs: Infinity }, 30);
    seed = runner.run.emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());

  test('REJECTING forever: the Create fails by its deadline, and the stack rolls back', async () => {
    const STACK = 'RejectingForeverE2E';
    const stack = synth(STACK, (scope: Stack) => ({
      reject: new InboundConnectionRejection(scope, 'Reject', {
        connectionId: 'cc-stuck-pending-1',
        domain: importedDomain(scope, DOMAIN),
        timeout: Duration.minutes(2),
      }),
    }));
    const { run } = runner;
    const before = run.emulator.snapshot();
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: false, failed: [stack.ids.reject], status: 'ROLLBACK_COMPLETE' });
    expect(expectFailedByOwnDeadline(run, stack.ids.reject, 'CREATE')).toMatch(
      /Timed out after 2 minutes waiting for inbound connection cc-stuck-pending-1 to be rejected; last status: REJECTING\./,
    );
    expect(acceptedMutations(run)).toEqual(['RejectInboundConnection cc-stuck-pending-1']);
    expect(expectInvariants(runner, before)).toEqual(['connection cc-stuck-pending-1: PENDING_ACCEPTANCE -> REJECTING']);
  });

  test('DELETING and DISSOCIATING forever: both Deletes fail by their deadlines, side by side', async () => {
    const STACK = 'EndingForeverE2E';
    const stack = synth(STACK, (scope: Stack) => {
      const domain = importedDomain(scope, DOMAIN);
      return {
        remove: new InboundConnectionDeletion(scope, 'Remove', {
          connectionId: 'cc-stuck-active-01',
          domain,
          timeout: Duration.minutes(2),
        }),
        packages: new PackageDissociation(scope, 'Packages', { domain, packageIds: ['G111111111'], timeout: Duration.minutes(2) }),
      };
    });
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const before = run.emulator.snapshot();
    const calls = acceptedMutations(run).length;

    const result = await run.destroy(STACK);
    expect(result).toMatchObject({ ok: false, status: 'DELETE_FAILED' });
    expect(result.failed.sort()).toEqual([stack.ids.remove, stack.ids.packages].sort());
    expect(expectFailedByOwnDeadline(run, stack.ids.remove, 'DELETE')).toMatch(
      /Timed out after 2 minutes waiting for inbound connection cc-stuck-active-01 to be deleted; last status: DELETING\./,
    );
    expect(expectFailedByOwnDeadline(run, stack.ids.packages, 'DELETE')).toMatch(
      new RegExp(
        `Timed out after 2 minutes waiting for packages G111111111 to be dissociated from domain ${DOMAIN}; last status: G111111111 DISSOCIATING\\.`,
      ),
    );
    // The two waits ran at the same time, as CloudFormation deletes independent resources in parallel.
    expect(firstEvent(run, stack.ids.packages, 'DELETE_IN_PROGRESS')!.timestamp).toBeLessThan(
      lastEvent(run, stack.ids.remove, 'DELETE_FAILED')!.timestamp,
    );
    // One call each, then only reads: a status that does not move is not asked for again.
    expect(acceptedMutations(run).slice(calls).sort()).toEqual([
      `DeleteInboundConnection cc-stuck-active-01`,
      `DissociatePackages ${DOMAIN} [G111111111]`,
    ]);
    expect(run.resources[stack.ids.remove]).toBeDefined();
    expect(expectInvariants(runner, before)).toEqual([
      'connection cc-stuck-active-01: ACTIVE -> DELETING',
      `package ${DOMAIN}/G111111111: ACTIVE -> DISSOCIATING`,
    ]);
  });

  test("the framework's onTimeout never ran, and CloudFormation never timed out", () => {
    const { run } = runner;
    expect(waiterStates(run)).not.toContain('framework-onTimeout-task');
    expect(run.events.filter((event) => event.reason?.includes('did not receive a response'))).toEqual([]);
    expectInvariants(runner, seed);
  });
});
