/**
 * Server errors (InternalException, HTTP 500), dropped connections and answers slower than the
 * SDK's request timeout (cut to 300 ms for the handlers with the runner's `handlerEnvironment`):
 *  - a few of each, on reads and on mutating calls: retried (by the SDK, or by the handler at
 *    the next poll) within the deadline; every resource succeeds and each mutation lands once;
 *  - persistent ones (times: Infinity): each resource fails by its own deadline (2 minutes) with
 *    a reason that names the last error, well before CloudFormation's ServiceTimeout; once the
 *    service is back, a new Delete converges, and the rollback Delete of a Create that failed
 *    that way makes no call (nothing was created).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../../../lib';
import type { StackEvent } from '../../../tools/local-deploy';
import type { World } from '../../../emulator';
import { Runner, importedDomain, inbound, lastEvent, statuses, synth } from '../helpers';
import {
  SHORT_SDK_TIMEOUT,
  emulatorAcceptedMutations,
  expectInvariants,
  faultedOperations,
  firstEvent,
  startFaultRunner,
  waiterStates,
} from './helpers';

const DOMAIN = 'errors-domain';
const SLOW_MS = 1_000; // real ms, over the handlers' 300 ms request timeout

const WORLD: World = {
  domains: [
    { domainName: DOMAIN, packages: [{ packageId: 'F111111111' }, { packageId: 'F222222222' }, { packageId: 'F999999999' }] },
    { domainName: 'errors-create-domain', packages: [{ packageId: 'F333333333' }] },
  ],
  connections: [
    inbound('cc-err-pending-01', 'PENDING_ACCEPTANCE', DOMAIN),
    inbound('cc-err-active-01', 'ACTIVE', DOMAIN),
    inbound('cc-err-active-02', 'ACTIVE', DOMAIN),
    inbound('cc-err-other-001', 'ACTIVE', DOMAIN, 'someone-else'),
  ],
};

describe('InternalException, dropped connections and slow answers', () => {
  let runner: Runner;
  let seed: World;
  /** Runs synchronously on every stack event. */
  let onEvent: (event: StackEvent) => void = () => undefined;

  beforeAll(async () => {
    // A low compression: a poll under persistent slow answers takes seconds of real time (four
    // SDK attempts that each time out), which must stay far inside the 3 minutes between a
    // resource's deadline and CloudFormation's ServiceTimeout.
    runner = await startFaultRunner(WORLD, { rejectMs: 10_000, deleteMs: 10_000, dissociateMs: 10_000 }, 20, {
      handlerEnvironment: SHORT_SDK_TIMEOUT,
      onEvent: (event) => onEvent(event),
    });
    seed = runner.run.emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());
  afterEach(() => {
    onEvent = () => undefined;
    runner.run.emulator.clearFaults();
  });

  test('a few of each are retried: every resource succeeds, each mutation lands once', async () => {
    const STACK = 'FewServerErrorsE2E';
    const stack = synth(STACK, (scope: Stack) => {
      const domain = importedDomain(scope, DOMAIN);
      return {
        reject: new InboundConnectionRejection(scope, 'Reject', { connectionId: 'cc-err-pending-01', domain }),
        remove: new InboundConnectionDeletion(scope, 'Remove', { connectionId: 'cc-err-active-01', domain }),
        packages: new PackageDissociation(scope, 'Packages', { domain, packageIds: ['F111111111'] }),
      };
    });
    const { run } = runner;
    const before = run.emulator.snapshot();
    onEvent = (event) => {
      if (event.resourceType !== 'AWS::CloudFormation::Stack') return;
      if (event.status === 'CREATE_IN_PROGRESS') {
        run.emulator.injectFault({ operation: 'DescribeInboundConnections', kind: 'internal', times: 3 });
        run.emulator.injectFault({ operation: 'DescribeDomain', kind: 'drop', times: 2 });
        // The first attempt times out in the SDK but still lands later; its retry lands first.
        run.emulator.injectFault({ operation: 'RejectInboundConnection', kind: 'slow', times: 1, delayMs: SLOW_MS });
      }
      if (event.status === 'DELETE_IN_PROGRESS') {
        // Six 500s: more than the SDK's four attempts, so the handler retries at its next poll.
        run.emulator.injectFault({ operation: 'ListPackagesForDomain', kind: 'internal', times: 6 });
        run.emulator.injectFault({ operation: 'DissociatePackages', kind: 'drop', times: 2 });
        run.emulator.injectFault({ operation: 'DeleteInboundConnection', kind: 'drop', times: 3 });
        run.emulator.injectFault({ operation: 'DescribeInboundConnections', kind: 'slow', times: 2, delayMs: SLOW_MS });
        run.emulator.injectFault({ operation: 'DeleteInboundConnection', kind: 'internal', times: 2 });
      }
    };

    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
    expect(run.resources[stack.ids.reject]).toMatchObject({
      physicalResourceId: 'opensearch-inbound-connection-rejection:cc-err-pending-01',
      data: { ConnectionStatus: expect.stringMatching(/^REJECT(ING|ED)$/) },
    });
    expect(await run.destroy(STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });

    expect(faultedOperations(run, 'internal')).toEqual(
      new Set(['DescribeInboundConnections', 'ListPackagesForDomain', 'DeleteInboundConnection']),
    );
    expect(faultedOperations(run, 'drop')).toEqual(new Set(['DescribeDomain', 'DissociatePackages', 'DeleteInboundConnection']));
    expect(faultedOperations(run, 'slow')).toEqual(new Set(['RejectInboundConnection', 'DescribeInboundConnections']));
    // The ListPackagesForDomain errors outlasted one call's SDK retries: the handler said so, and waited.
    const packageLogs = run.invocations
      .filter(
        (invocation) => invocation.handler.startsWith('index.') && JSON.parse(invocation.payload).LogicalResourceId === stack.ids.packages,
      )
      .flatMap((invocation) => invocation.logs);
    expect(packageLogs.some((line) => line.includes('transient fault, will retry: InternalException'))).toBe(true);

    // A dropped request never reached the service; the slow Reject landed after its retry and was refused.
    expect(emulatorAcceptedMutations(run).sort()).toEqual([
      'DeleteInboundConnection cc-err-active-01',
      `DissociatePackages ${DOMAIN} [F111111111]`,
      'RejectInboundConnection cc-err-pending-01',
    ]);
    expect(expectInvariants(runner, before)).toEqual([
      'connection cc-err-active-01: ACTIVE -> DELETED',
      'connection cc-err-pending-01: PENDING_ACCEPTANCE -> REJECTED',
      `package ${DOMAIN}/F111111111: ACTIVE -> gone`,
    ]);
  });

  test('persistent faults on Delete: FAILED by the deadline naming the last error; a new Delete then converges', async () => {
    const STACK = 'PersistentServerErrorsE2E';
    const stack = synth(STACK, (scope: Stack) => {
      const domain = importedDomain(scope, DOMAIN);
      const timeout = Duration.minutes(2);
      return {
        remove: new InboundConnectionDeletion(scope, 'Remove', { connectionId: 'cc-err-active-02', domain, timeout }),
        packages: new PackageDissociation(scope, 'Packages', { domain, packageIds: ['F222222222'], timeout }),
      };
    });
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const before = run.emulator.snapshot();
    const mutationsBefore = emulatorAcceptedMutations(run).length;

    run.emulator.injectFault({ operation: 'ListPackagesForDomain', kind: 'internal', times: Infinity });
    run.emulator.injectFault({ operation: 'DescribeInboundConnections', kind: 'drop', times: Infinity });
    const failed = await run.destroy(STACK);
    expect(failed).toMatchObject({ ok: false, status: 'DELETE_FAILED' });
    expect(failed.failed.sort()).toEqual([stack.ids.remove, stack.ids.packages].sort());

    const packagesReason = lastEvent(run, stack.ids.packages, 'DELETE_FAILED')!.reason!;
    expect(packagesReason).toContain(
      `Timed out after 2 minutes waiting for packages F222222222 to be dissociated from domain ${DOMAIN}; ` +
        'last status: InternalException: Internal failure. Please try your request again.',
    );
    const removeReason = lastEvent(run, stack.ids.remove, 'DELETE_FAILED')!.reason!;
    expect(removeReason).toMatch(
      /Timed out after 2 minutes waiting for inbound connection cc-err-active-02 to be deleted; last status: \w+: .*(socket hang up|ECONNRESET)/,
    );
    for (const id of [stack.ids.remove, stack.ids.packages]) {
      const started = firstEvent(run, id, 'DELETE_IN_PROGRESS')!.timestamp;
      const failed = lastEvent(run, id, 'DELETE_FAILED')!.timestamp;
      expect(failed - started).toBeGreaterThanOrEqual(120_000);
      expect(failed - started).toBeLessThan(run.resources[id].serviceTimeoutSeconds * 1000);
    }
    expect(waiterStates(run)).not.toContain('framework-onTimeout-task');
    expect(emulatorAcceptedMutations(run).length).toBe(mutationsBefore);
    expect(expectInvariants(runner, before)).toEqual([]);

    // The service recovers; the stack deletion is retried.
    run.emulator.clearFaults();
    expect(await run.destroy(STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    expect(emulatorAcceptedMutations(run).slice(mutationsBefore).sort()).toEqual([
      'DeleteInboundConnection cc-err-active-02',
      `DissociatePackages ${DOMAIN} [F222222222]`,
    ]);
    expect(expectInvariants(runner, before)).toEqual([
      'connection cc-err-active-02: ACTIVE -> DELETED',
      `package ${DOMAIN}/F222222222: ACTIVE -> gone`,
    ]);
    for (const id of [stack.ids.remove, stack.ids.packages]) {
      expect(statuses(run, id).slice(-4)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    }
  });

  test('persistent slow answers on Create: FAILED by the deadline (TimeoutError); the rollback Delete makes no call', async () => {
    const STACK = 'PersistentSlowCreateE2E';
    const stack = synth(STACK, (scope: Stack) => ({
      packages: new PackageDissociation(scope, 'Packages', {
        domain: importedDomain(scope, 'errors-create-domain'),
        packageIds: ['F333333333'],
        timeout: Duration.minutes(2),
      }),
      remove: new InboundConnectionDeletion(scope, 'Remove', {
        connectionId: 'cc-err-other-001',
        timeout: Duration.minutes(2),
      }),
    }));
    const { run } = runner;
    const before = run.emulator.snapshot();
    const mutationsBefore = emulatorAcceptedMutations(run).length;
    run.emulator.injectFault({ operation: 'DescribeDomain', kind: 'slow', times: Infinity, delayMs: SLOW_MS });
    run.emulator.injectFault({ operation: 'DescribeInboundConnections', kind: 'slow', times: Infinity, delayMs: SLOW_MS });
    // The service is back by the time CloudFormation rolls back.
    onEvent = (event) => {
      if (event.status === 'ROLLBACK_IN_PROGRESS') run.emulator.clearFaults();
    };

    const result = await run.deploy(stack.cdkOut, STACK);
    expect(result).toMatchObject({ ok: false, status: 'ROLLBACK_COMPLETE' });
    expect(result.failed.sort()).toEqual([stack.ids.packages, stack.ids.remove].sort());
    expect(lastEvent(run, stack.ids.packages, 'CREATE_FAILED')!.reason).toMatch(
      /Timed out after 2 minutes waiting for domain errors-create-domain to exist; last status: TimeoutError: /,
    );
    expect(lastEvent(run, stack.ids.remove, 'CREATE_FAILED')!.reason).toMatch(
      /Timed out after 2 minutes waiting for inbound connection cc-err-other-001 to be visible; last status: TimeoutError: /,
    );
    expect(waiterStates(run)).not.toContain('framework-onTimeout-task');
    // Nothing was created, so the rollback's Delete must not end the connection or dissociate the package.
    expect(emulatorAcceptedMutations(run).slice(mutationsBefore)).toEqual([]);
    expect(expectInvariants(runner, before)).toEqual([]);
  });

  test('over the whole run, only named connections and packages changed', () => {
    expectInvariants(runner, seed);
  });
});
