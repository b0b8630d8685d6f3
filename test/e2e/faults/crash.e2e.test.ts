/**
 * A crash in the middle: the runner kills a process right after the service has accepted a
 * mutating call, before the process could answer (`crash` rules of the runner). What happens
 * next is the aws-cdk-lib Provider framework's, unchanged:
 *  - our onEvent dies: Lambda returns FunctionError Unhandled / Runtime.ExitError, and the
 *    framework answers FAILED. A repeated event (the stack deletion retried, or the stack
 *    deployed again after its rollback) converges without a second mutation;
 *  - our isComplete dies: the framework's isComplete gets the same Runtime.ExitError and, like
 *    for any error of the user function, answers FAILED (it does not retry); again a repeated
 *    Delete converges;
 *  - the framework's own isComplete process dies (its sandbox, not ours): Step Functions'
 *    Retry runs isComplete again, and the resource succeeds in the same operation;
 *  - the framework's own onEvent process dies: Lambda retries the asynchronous invocation, our
 *    onEvent runs again for the same request, and the resource succeeds.
 * In every case the service sees exactly one accepted mutating call for the resource.
 * For the isComplete cases, onEvent's DissociatePackages is refused once (ConflictException),
 * so that the mutation happens in isComplete.
 */
import { Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../../../lib';
import { inboundConnectionRejectionPhysicalId } from '../../../lib/private/contracts/inbound-connection-rejection';
import type { InvocationRecord } from '../../../tools/local-deploy';
import type { OpenSearchEmulator, World } from '../../../emulator';
import { CREATE_FAILED_MARKER, Runner, importedDomain, inbound, lastEvent, statuses, synth } from '../helpers';
import { acceptedMutations, emulatorAcceptedMutations, expectInvariants, startFaultRunner } from './helpers';

const ON_EVENT_STACK = 'CrashOnEventE2E';
const onEventStack = synth(ON_EVENT_STACK, (scope: Stack) => ({
  remove: new InboundConnectionDeletion(scope, 'RemoveCrashing', {
    connectionId: 'cc-crash-active-01',
    domain: importedDomain(scope, 'crash-logs'),
  }),
  packages: new PackageDissociation(scope, 'PackagesCrashing', { domain: importedDomain(scope, 'crash-a'), packageIds: ['F111111111'] }),
}));

const REJECT_STACK = 'CrashRejectE2E';
const rejectStack = synth(REJECT_STACK, (scope: Stack) => ({
  reject: new InboundConnectionRejection(scope, 'RejectCrashing', {
    connectionId: 'cc-crash-pending-1',
    domain: importedDomain(scope, 'crash-logs'),
  }),
}));

const IS_COMPLETE_STACK = 'CrashIsCompleteE2E';
const isCompleteStack = synth(IS_COMPLETE_STACK, (scope: Stack) => ({
  handlerDies: new PackageDissociation(scope, 'PackagesHandlerDies', {
    domain: importedDomain(scope, 'crash-b'),
    packageIds: ['G222222222'],
  }),
  frameworkDies: new PackageDissociation(scope, 'PackagesFrameworkDies', {
    domain: importedDomain(scope, 'crash-c'),
    packageIds: ['G333333333'],
  }),
}));

const FRAMEWORK_ON_EVENT_STACK = 'CrashFrameworkOnEventE2E';
const frameworkOnEventStack = synth(FRAMEWORK_ON_EVENT_STACK, (scope: Stack) => ({
  remove: new InboundConnectionDeletion(scope, 'RemoveFrameworkDies', {
    connectionId: 'cc-crash-active-02',
    domain: importedDomain(scope, 'crash-logs'),
  }),
}));

const WORLD: World = {
  domains: [
    { domainName: 'crash-logs' },
    { domainName: 'crash-a', packages: [{ packageId: 'F111111111' }, { packageId: 'F999999999' }] },
    { domainName: 'crash-b', packages: [{ packageId: 'G222222222' }, { packageId: 'G999999999' }] },
    { domainName: 'crash-c', packages: [{ packageId: 'G333333333' }] },
  ],
  connections: [
    inbound('cc-crash-active-01', 'ACTIVE', 'crash-logs'),
    inbound('cc-crash-pending-1', 'PENDING_ACCEPTANCE', 'crash-logs'),
    inbound('cc-crash-active-02', 'ACTIVE', 'crash-logs'),
    inbound('cc-crash-other-01', 'ACTIVE', 'crash-logs', 'someone-else'),
  ],
};

/** The error payload Lambda returned for a killed invocation. */
function runtimeError(invocation: InvocationRecord): { errorType: string; errorMessage: string } {
  return JSON.parse(invocation.result!);
}

describe('a process killed right after the mutating call', () => {
  let runner: Runner;
  let seed: World;
  let emulator: OpenSearchEmulator;

  beforeAll(async () => {
    runner = await startFaultRunner(WORLD, { rejectMs: 20_000, deleteMs: 20_000, dissociateMs: 20_000 }, 60, {
      crash: [
        { when: 'onEvent', afterOperation: 'DeleteInboundConnection', logicalId: onEventStack.ids.remove },
        { when: 'onEvent', afterOperation: 'DissociatePackages', logicalId: onEventStack.ids.packages },
        { when: 'onEvent', afterOperation: 'RejectInboundConnection', logicalId: rejectStack.ids.reject },
        { when: 'isComplete', afterOperation: 'DissociatePackages', logicalId: isCompleteStack.ids.handlerDies },
        { when: 'isComplete', afterOperation: 'DissociatePackages', logicalId: isCompleteStack.ids.frameworkDies, process: 'framework' },
        { when: 'onEvent', afterOperation: 'DeleteInboundConnection', logicalId: frameworkOnEventStack.ids.remove, process: 'framework' },
      ],
      onServiceRequest: (call) => {
        // Defer the isComplete stack's dissociations to isComplete: onEvent's call is refused once.
        const deferred = [isCompleteStack.ids.handlerDies, isCompleteStack.ids.frameworkDies];
        if (call.entry === 'onEvent' && call.operation === 'DissociatePackages' && deferred.includes(call.logicalId!)) {
          emulator.injectFault({ operation: 'DissociatePackages', kind: 'conflict', times: 1 });
        }
      },
    });
    emulator = runner.run.emulator;
    seed = emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());

  const crashesOf = (logicalId: string) => runner.run.crashes.filter((crash) => crash.call.logicalId === logicalId);

  test('onEvent dies after DeleteInboundConnection / DissociatePackages: DELETE_FAILED, and the retried Delete converges', async () => {
    const { run } = runner;
    const { ids } = onEventStack;
    expect(await run.deploy(onEventStack.cdkOut, ON_EVENT_STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const before = emulator.snapshot();

    const failed = await run.destroy(ON_EVENT_STACK);
    expect(failed).toMatchObject({ ok: false, status: 'DELETE_FAILED' });
    expect(failed.failed.sort()).toEqual([ids.remove, ids.packages].sort());
    for (const id of [ids.remove, ids.packages]) {
      const [crash] = crashesOf(id);
      expect(crash.killed).toMatchObject({ handler: 'index.onEvent', outcome: 'crashed' });
      expect(runtimeError(crash.killed)).toMatchObject({ errorType: 'Runtime.ExitError' });
      expect(lastEvent(run, id, 'DELETE_FAILED')!.reason).toContain('Runtime exited with error: signal: killed');
    }
    expect(emulator.connection('cc-crash-active-01')!.status).toMatch(/^DELET(ING|ED)$/);

    // The user retries the stack deletion: the same Deletes again.
    expect(await run.destroy(ON_EVENT_STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    for (const id of [ids.remove, ids.packages]) {
      expect(statuses(run, id).slice(-4)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
      expect(crashesOf(id)).toHaveLength(1);
    }
    expect(acceptedMutations(run, ids.remove)).toEqual(['DeleteInboundConnection cc-crash-active-01']);
    expect(acceptedMutations(run, ids.packages)).toEqual(['DissociatePackages crash-a [F111111111]']);
    expect(emulatorAcceptedMutations(run)).toHaveLength(2);
    expect(expectInvariants(runner, before)).toEqual([
      'connection cc-crash-active-01: ACTIVE -> DELETED',
      'package crash-a/F111111111: ACTIVE -> gone',
    ]);
  });

  test('onEvent dies after RejectInboundConnection on Create: rollback; deployed again, it converges with no second call', async () => {
    const { run } = runner;
    const { ids } = rejectStack;
    const before = emulator.snapshot();
    const calls = emulatorAcceptedMutations(run).length;

    expect(await run.deploy(rejectStack.cdkOut, REJECT_STACK)).toMatchObject({
      ok: false,
      failed: [ids.reject],
      status: 'ROLLBACK_COMPLETE',
    });
    expect(lastEvent(run, ids.reject, 'CREATE_FAILED')!.reason).toContain('Runtime exited with error: signal: killed');
    // Nothing readable came back from our handler: the framework's marker, whose Delete it answers itself.
    expect(run.requests.filter((request) => request.LogicalResourceId === ids.reject).pop()).toMatchObject({
      RequestType: 'Delete',
      PhysicalResourceId: CREATE_FAILED_MARKER,
    });

    expect(await run.deploy(rejectStack.cdkOut, REJECT_STACK)).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
    expect(run.resources[ids.reject]).toMatchObject({
      physicalResourceId: inboundConnectionRejectionPhysicalId('cc-crash-pending-1'),
      data: { ConnectionStatus: 'REJECTED' },
    });
    expect(crashesOf(ids.reject)).toHaveLength(1);
    expect(acceptedMutations(run, ids.reject)).toEqual(['RejectInboundConnection cc-crash-pending-1']);
    expect(emulatorAcceptedMutations(run).slice(calls)).toEqual(['RejectInboundConnection cc-crash-pending-1']);
    expect(expectInvariants(runner, before)).toEqual(['connection cc-crash-pending-1: PENDING_ACCEPTANCE -> REJECTED']);
  });

  test('isComplete dies after DissociatePackages: our handler → FAILED, then a retried Delete converges; the framework → Step Functions retries', async () => {
    const { run } = runner;
    const { ids } = isCompleteStack;
    expect(await run.deploy(isCompleteStack.cdkOut, IS_COMPLETE_STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const before = emulator.snapshot();
    const calls = emulatorAcceptedMutations(run).length;

    const first = await run.destroy(IS_COMPLETE_STACK);
    expect(first).toMatchObject({ ok: false, failed: [ids.handlerDies], status: 'DELETE_FAILED' });
    // onEvent was refused, so the accepted call was isComplete's.
    for (const id of [ids.handlerDies, ids.frameworkDies]) {
      const dissociations = run.serviceCalls.filter((call) => call.logicalId === id && call.operation === 'DissociatePackages');
      expect(dissociations.map((call) => `${call.entry} ${call.status}`)).toEqual(['onEvent 409', 'isComplete 200']);
      expect(crashesOf(id)).toHaveLength(1);
    }

    // Our isComplete's process died: the framework's isComplete reports it as a failure.
    const [handlerCrash] = crashesOf(ids.handlerDies);
    expect(handlerCrash.killed).toMatchObject({ handler: 'index.isComplete', outcome: 'crashed' });
    expect(runtimeError(handlerCrash.killed)).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect(lastEvent(run, ids.handlerDies, 'DELETE_FAILED')!.reason).toContain('Runtime exited with error: signal: killed');

    // The framework's isComplete process died: Step Functions retried the task, and it succeeded.
    const [frameworkCrash] = crashesOf(ids.frameworkDies);
    expect(frameworkCrash.killed).toMatchObject({ handler: 'framework.isComplete', outcome: 'crashed' });
    expect(statuses(run, ids.frameworkDies).slice(-2)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    const execution = run.executions.find((candidate) => {
      const input = JSON.parse(candidate.input);
      return input.LogicalResourceId === ids.frameworkDies && input.RequestType === 'Delete';
    })!;
    const attempts = execution.history.map((step) => `${step.state} ${step.error ?? ''}`.trim());
    const crashed = attempts.indexOf('framework-isComplete-task Runtime.ExitError');
    expect(crashed).toBeGreaterThanOrEqual(0);
    // Retried after the crash, and never handed to onTimeout.
    expect(attempts.slice(crashed + 1)).toContain('framework-isComplete-task');
    expect(attempts).not.toContain('framework-onTimeout-task');

    // The stack deletion is retried: the remaining resource converges without asking again.
    expect(await run.destroy(IS_COMPLETE_STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    expect(acceptedMutations(run, ids.handlerDies)).toEqual(['DissociatePackages crash-b [G222222222]']);
    expect(acceptedMutations(run, ids.frameworkDies)).toEqual(['DissociatePackages crash-c [G333333333]']);
    expect(emulatorAcceptedMutations(run).slice(calls).sort()).toEqual([
      'DissociatePackages crash-b [G222222222]',
      'DissociatePackages crash-c [G333333333]',
    ]);
    expect(expectInvariants(runner, before)).toEqual([
      'package crash-b/G222222222: ACTIVE -> gone',
      'package crash-c/G333333333: ACTIVE -> gone',
    ]);
  });

  test("the framework's onEvent dies after DeleteInboundConnection: Lambda's retry of the event converges", async () => {
    const { run } = runner;
    const { ids } = frameworkOnEventStack;
    expect(await run.deploy(frameworkOnEventStack.cdkOut, FRAMEWORK_ON_EVENT_STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const before = emulator.snapshot();

    expect(await run.destroy(FRAMEWORK_ON_EVENT_STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    const [crash] = crashesOf(ids.remove);
    expect(crash.killed).toMatchObject({ handler: 'framework.onEvent', outcome: 'crashed', invocationType: 'Event' });
    // The same CloudFormation request reached our onEvent twice: before the crash, and on Lambda's retry.
    const deletes = run.invocations
      .filter((invocation) => invocation.handler === 'index.onEvent')
      .map((invocation) => JSON.parse(invocation.payload))
      .filter((event) => event.LogicalResourceId === ids.remove && event.RequestType === 'Delete');
    expect(deletes).toHaveLength(2);
    expect(deletes[1].RequestId).toBe(deletes[0].RequestId);
    expect(acceptedMutations(run, ids.remove)).toEqual(['DeleteInboundConnection cc-crash-active-02']);
    expect(expectInvariants(runner, before)).toEqual(['connection cc-crash-active-02: ACTIVE -> DELETED']);
  });

  test('over the whole run: six crashes, one accepted mutation per resource, nothing unnamed touched', () => {
    const { run } = runner;
    expect(run.crashes).toHaveLength(6);
    expect(emulatorAcceptedMutations(run).sort()).toEqual([
      'DeleteInboundConnection cc-crash-active-01',
      'DeleteInboundConnection cc-crash-active-02',
      'DissociatePackages crash-a [F111111111]',
      'DissociatePackages crash-b [G222222222]',
      'DissociatePackages crash-c [G333333333]',
      'RejectInboundConnection cc-crash-pending-1',
    ]);
    expectInvariants(runner, seed);
  });
});
