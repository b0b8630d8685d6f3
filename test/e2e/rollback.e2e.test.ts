/**
 * Rollbacks, as CloudFormation runs them:
 *  - a failed Create (a connection id that passes synth validation but does not exist) is
 *    followed by Delete of everything created, the failed resource included under the
 *    framework's CREATE_FAILED marker, which the framework answers without calling our handler;
 *  - a failed Update (a domain that does not exist) is followed by an Update with old and new
 *    properties swapped for every resource that was updated, and Delete of what was created.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../../lib';
import { type StackEvent, diffWorld } from '../../tools/local-deploy';
import type { World } from '../../emulator';
import {
  CREATE_FAILED_MARKER,
  Runner,
  handlerInvocations,
  importedDomain,
  inbound,
  lastEvent,
  mutatingCalls,
  startRunner,
  statuses,
  synth,
} from './helpers';

const WORLD: World = {
  domains: [
    { domainName: 'logs-destination' },
    { domainName: 'eps-domain', packages: [{ packageId: 'F111111111' }, { packageId: 'F999999999' }] },
  ],
  connections: [
    inbound('cc-pending-0001', 'PENDING_ACCEPTANCE', 'logs-destination'),
    inbound('cc-active-0000001', 'ACTIVE', 'logs-destination'),
    inbound('cc-a-0000000001', 'PENDING_ACCEPTANCE', 'logs-destination'),
    inbound('cc-a-0000000002', 'PENDING_ACCEPTANCE', 'logs-destination'),
    inbound('cc-b-0000000001', 'ACTIVE', 'logs-destination'),
  ],
};

describe('rollback', () => {
  let runner: Runner;
  /** Runs synchronously on every stack event. */
  let onEvent: (event: StackEvent) => void = () => undefined;

  beforeAll(async () => {
    runner = await startRunner(WORLD, { rejectMs: 20_000, deleteMs: 60_000, dissociateMs: 60_000 }, 150, (event) => onEvent(event));
  });
  afterAll(() => runner?.run.stop());

  test('a failed Create is rolled back; the failed resource is deleted under the marker without calling our handler', async () => {
    const STACK = 'RollbackCreateE2E';
    const stack = synth(STACK, (scope: Stack) => {
      const logs = importedDomain(scope, 'logs-destination');
      return {
        fine: new InboundConnectionRejection(scope, 'Fine', { connectionId: 'cc-pending-0001', domain: logs }),
        // Well-formed, so synth accepts it; the service has it ACTIVE, which cannot be rejected.
        accepted: new InboundConnectionRejection(scope, 'Accepted', { connectionId: 'cc-active-0000001', domain: logs }),
      };
    });
    const { run } = runner;
    const before = run.emulator.snapshot();
    const result = await run.deploy(stack.cdkOut, STACK);

    expect(result).toMatchObject({ ok: false, failed: [stack.ids.accepted], status: 'ROLLBACK_COMPLETE' });
    expect(lastEvent(run, stack.ids.accepted, 'CREATE_FAILED')!.reason).toContain(
      'Inbound connection cc-active-0000001 is already accepted (ACTIVE) and can no longer be rejected; nothing was changed.',
    );
    expect(statuses(run, stack.ids.accepted)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(statuses(run, stack.ids.fine)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(statuses(run, STACK)).toEqual(['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE']);

    const rollbackDelete = run.requests.filter((request) => request.LogicalResourceId === stack.ids.accepted).pop()!;
    expect(rollbackDelete).toMatchObject({ RequestType: 'Delete', PhysicalResourceId: CREATE_FAILED_MARKER });
    // Our onEvent saw the Create only; the framework answered the marker's Delete itself.
    const ours = (id: string) => handlerInvocations(run, 'onEvent').filter((event) => event.LogicalResourceId === id);
    expect(ours(stack.ids.accepted).map((event) => event.RequestType)).toEqual(['Create']);
    expect(ours(stack.ids.fine).map((event) => event.RequestType)).toEqual(['Create', 'Delete']);
    // A rejection cannot be undone: the rollback leaves it rejected, and touches nothing else.
    expect(diffWorld(before, run.emulator.snapshot())).toEqual(['connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED']);
    expect(run.resources).toEqual({});
  });

  // A Create that fails in isComplete (here: the connection is not visible within the 30 s grace)
  // is reported under the framework's CREATE_FAILED marker, which the handler holds while it
  // waits, so the rollback Delete never reaches the handler, even if the connection has become
  // visible meanwhile. (Before the fix, the real id was reported and the connection was deleted.)
  test('a Create that fails in isComplete is rolled back without touching the connection', async () => {
    const STACK = 'RollbackLateE2E';
    const stack = synth(STACK, (scope: Stack) => ({
      late: new InboundConnectionDeletion(scope, 'Late', {
        connectionId: 'cc-late-0000001',
        domain: importedDomain(scope, 'logs-destination'),
      }),
    }));
    const { run } = runner;
    const before = run.emulator.snapshot();
    // The connection becomes visible right after the Create gave up on it (eventual consistency).
    onEvent = (event) => {
      if (event.logicalId === stack.ids.late && event.status === 'CREATE_FAILED') {
        run.emulator.addConnection(inbound('cc-late-0000001', 'ACTIVE', 'logs-destination'));
      }
    };
    const result = await run.deploy(stack.cdkOut, STACK);
    onEvent = () => undefined;

    expect(result).toMatchObject({ ok: false, failed: [stack.ids.late], status: 'ROLLBACK_COMPLETE' });
    const rollbackDelete = run.requests.find((request) => request.LogicalResourceId === stack.ids.late && request.RequestType === 'Delete');
    expect(rollbackDelete).toMatchObject({ PhysicalResourceId: CREATE_FAILED_MARKER });
    expect(
      handlerInvocations(run, 'onEvent')
        .filter((event) => event.LogicalResourceId === stack.ids.late)
        .map((event) => event.RequestType),
    ).toEqual(['Create']);
    expect(mutatingCalls(run).filter((call) => call.includes('cc-late-0000001'))).toEqual([]);
    expect(diffWorld(before, run.emulator.snapshot())).toEqual(['connection cc-late-0000001: added (ACTIVE)']);
  });

  test('a failed Update is rolled back with old and new properties swapped', async () => {
    const STACK = 'RollbackUpdateE2E';
    const version = (v: 1 | 2) =>
      synth(STACK, (scope: Stack) => {
        const logs = importedDomain(scope, 'logs-destination');
        const constructs = {
          packages: new PackageDissociation(scope, 'Packages', {
            // v2 names a domain that does not exist: its Update fails.
            domain: importedDomain(scope, v === 1 ? 'eps-domain' : 'nope-domain'),
            packageIds: ['F111111111'],
          }),
          rejection: new InboundConnectionRejection(scope, 'Rejection', {
            connectionId: v === 1 ? 'cc-a-0000000001' : 'cc-a-0000000002',
            domain: logs,
          }),
        };
        // v2 also adds a resource: the rollback deletes it again.
        if (v === 2) new InboundConnectionDeletion(scope, 'Added', { connectionId: 'cc-b-0000000001', domain: logs });
        return constructs;
      });
    const [v1, v2] = [version(1), version(2)];
    const template = JSON.parse(fs.readFileSync(path.join(v2.cdkOut, `${STACK}.template.json`), 'utf8')) as { Resources: object };
    const addedId = Object.keys(template.Resources).find((id) => id.startsWith('Added'))!;
    const { run } = runner;

    expect(await run.deploy(v1.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const physical = run.resources[v1.ids.packages].physicalResourceId;
    const before = run.emulator.snapshot();
    const calls = mutatingCalls(run).length;

    const result = await run.deploy(v2.cdkOut, STACK);
    expect(result).toMatchObject({ ok: false, failed: [v1.ids.packages], status: 'UPDATE_ROLLBACK_COMPLETE' });
    expect(lastEvent(run, v1.ids.packages, 'UPDATE_FAILED')!.reason).toContain(
      'Domain nope-domain not found in account 111111111111 in us-east-1',
    );
    expect(statuses(run, STACK).slice(-4)).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
    ]);

    // The failed resource: Update, then the rollback Update with old and new swapped, same id.
    const packageRequests = run.requests.filter((request) => request.LogicalResourceId === v1.ids.packages).slice(1);
    expect(packageRequests.map((request) => [request.RequestType, request.PhysicalResourceId])).toEqual([
      ['Update', physical],
      ['Update', physical],
    ]);
    expect(packageRequests[0]).toMatchObject({
      ResourceProperties: { DomainName: 'nope-domain' },
      OldResourceProperties: { DomainName: 'eps-domain' },
    });
    expect(packageRequests[1]).toMatchObject({
      ResourceProperties: { DomainName: 'eps-domain' },
      OldResourceProperties: { DomainName: 'nope-domain' },
    });
    expect(run.resources[v1.ids.packages]).toMatchObject({ physicalResourceId: physical, properties: { DomainName: 'eps-domain' } });

    // The rejection had been replaced (cc-a-...0002 rejected): the rollback Update brings the old
    // id back, and the new one is deleted at cleanup, with no call.
    expect(statuses(run, v1.ids.rejection).slice(2)).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE',
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE',
      'DELETE_IN_PROGRESS',
      'DELETE_COMPLETE',
    ]);
    const cleanup = run.requests.filter((request) => request.LogicalResourceId === v1.ids.rejection).pop()!;
    expect(cleanup).toMatchObject({
      RequestType: 'Delete',
      PhysicalResourceId: 'opensearch-inbound-connection-rejection:cc-a-0000000002',
      ResourceProperties: { ConnectionId: 'cc-a-0000000002' },
    });
    expect(run.resources[v1.ids.rejection].physicalResourceId).toBe('opensearch-inbound-connection-rejection:cc-a-0000000001');

    // The resource the failed update created is deleted by the rollback, but its Delete, sent
    // during UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS, leaves the connection it had adopted
    // as it was: the connection existed before the failed update.
    expect(statuses(run, addedId)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(Object.keys(run.resources).sort()).toEqual([v1.ids.packages, v1.ids.rejection].sort());
    expect(mutatingCalls(run).slice(calls).sort()).toEqual(['RejectInboundConnection cc-a-0000000002']);
    expect(diffWorld(before, run.emulator.snapshot())).toEqual(['connection cc-a-0000000002: PENDING_ACCEPTANCE -> REJECTED']);

    // The stack, rolled back to v1, still deletes cleanly.
    expect(await run.destroy(STACK)).toMatchObject({ ok: true, status: 'DELETE_COMPLETE' });
    expect(diffWorld(before, run.emulator.snapshot())).toEqual([
      'connection cc-a-0000000002: PENDING_ACCEPTANCE -> REJECTED',
      'package eps-domain/F111111111: ACTIVE -> gone',
    ]);
  });
});
