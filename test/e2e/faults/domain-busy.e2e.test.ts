/**
 * A domain busy with another change refuses DissociatePackages: ConflictException (HTTP 409), or
 * ValidationException "A change/update is in progress" while a configuration change runs
 * (`setProcessing`). The handler keeps asking at each poll until the domain is free, then makes
 * the one call that is accepted, and waits for the dissociation to finish.
 */
import { Stack } from 'aws-cdk-lib';
import { PackageDissociation } from '../../../lib';
import type { ServiceCall } from '../../../tools/local-deploy';
import type { OpenSearchEmulator, World } from '../../../emulator';
import { Runner, importedDomain, statuses, synth } from '../helpers';
import { acceptedMutations, emulatorAcceptedMutations, expectInvariants, startFaultRunner } from './helpers';

const STACK = 'DomainBusyFaultsE2E';
const DOMAIN = 'busy-domain';

function busyStack(version: 1 | 2) {
  return synth(STACK, (scope: Stack) => ({
    packages: new PackageDissociation(scope, 'Packages', {
      domain: importedDomain(scope, DOMAIN),
      packageIds: version === 1 ? ['F111111111', 'G222222222'] : ['F111111111'],
    }),
  }));
}

const WORLD: World = {
  domains: [{ domainName: DOMAIN, packages: [{ packageId: 'F111111111' }, { packageId: 'G222222222' }, { packageId: 'F999999999' }] }],
};

describe('DissociatePackages on a busy domain', () => {
  const v1 = busyStack(1);
  const v2 = busyStack(2);
  const id = v1.ids.packages;
  let runner: Runner;
  let seed: World;
  let emulator: OpenSearchEmulator;
  /** Runs synchronously before each handler call is forwarded. */
  let onCall: (call: ServiceCall) => void = () => undefined;

  beforeAll(async () => {
    runner = await startFaultRunner(WORLD, { dissociateMs: 10_000 }, 30, { onServiceRequest: (call) => onCall(call) });
    emulator = runner.run.emulator;
    seed = emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());

  const dissociateAnswers = (from: number) =>
    runner.run.serviceCalls
      .slice(from)
      .filter((call) => call.operation === 'DissociatePackages' && call.logicalId === id)
      .map((call) => `${call.entry} ${call.status} ${call.errorType ?? ''}`.trim());

  test('Update: ConflictException three times, then the package removed from the list is dissociated', async () => {
    const { run } = runner;
    expect(await run.deploy(v1.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const before = emulator.snapshot();
    const from = run.serviceCalls.length;
    emulator.injectFault({ operation: 'DissociatePackages', kind: 'conflict', times: 3 });

    expect(await run.deploy(v2.cdkOut, STACK)).toMatchObject({ ok: true, failed: [], status: 'UPDATE_COMPLETE' });
    expect(statuses(run, id).slice(-2)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    // onEvent's call is refused; the polls ask again until one is accepted.
    expect(dissociateAnswers(from)).toEqual([
      'onEvent 409 ConflictException',
      'isComplete 409 ConflictException',
      'isComplete 409 ConflictException',
      'isComplete 200',
    ]);
    expect(acceptedMutations(run, id)).toEqual([`DissociatePackages ${DOMAIN} [G222222222]`]);
    expect(expectInvariants(runner, before)).toEqual([`package ${DOMAIN}/G222222222: ACTIVE -> gone`]);
  });

  test('Delete while a configuration change runs: "in progress" until it ends, then one accepted call', async () => {
    const { run } = runner;
    const before = emulator.snapshot();
    const from = run.serviceCalls.length;
    emulator.setProcessing(DOMAIN, true);
    let refused = 0;
    onCall = (call) => {
      // The change ends after the handler has been refused three times.
      if (call.operation === 'DissociatePackages' && ++refused === 4) emulator.setProcessing(DOMAIN, false);
    };

    expect(await run.destroy(STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    expect(dissociateAnswers(from)).toEqual([
      'onEvent 400 ValidationException',
      'isComplete 400 ValidationException',
      'isComplete 400 ValidationException',
      'isComplete 200',
    ]);
    const refusals = emulator.requests.filter((request) => request.operation === 'DissociatePackages' && request.status === 400);
    expect(refusals.length).toBeGreaterThanOrEqual(3);
    const logs = run.invocations.filter((invocation) => invocation.handler.startsWith('index.')).flatMap((invocation) => invocation.logs);
    expect(logs).toContainEqual(expect.stringContaining(`DissociatePackages ${DOMAIN}: ValidationException, will retry at the next poll`));
    expect(acceptedMutations(run, id).slice(1)).toEqual([`DissociatePackages ${DOMAIN} [F111111111]`]);
    expect(emulatorAcceptedMutations(run)).toEqual([
      `DissociatePackages ${DOMAIN} [G222222222]`,
      `DissociatePackages ${DOMAIN} [F111111111]`,
    ]);
    expect(expectInvariants(runner, before)).toEqual([`package ${DOMAIN}/F111111111: ACTIVE -> gone`]);
    expect(expectInvariants(runner, seed)).toEqual([
      `package ${DOMAIN}/F111111111: ACTIVE -> gone`,
      `package ${DOMAIN}/G222222222: ACTIVE -> gone`,
    ]);
  });
});
