/**
 * Failures the service causes: a dissociation that ends DISSOCIATION_FAILED, and a deletion that
 * never finishes, which must fail by the resource's own deadline with a reason naming what it
 * waited for (not the framework's "Operation timed out", not CloudFormation's own timeout).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion, PackageDissociation } from '../../lib';
import { diffWorld } from '../../tools/local-deploy';
import type { World } from '../../emulator';
import { Runner, importedDomain, inbound, lastEvent, mutatingCalls, startRunner, statuses, synth } from './helpers';

describe('DISSOCIATION_FAILED', () => {
  const STACK = 'DissociationFailedE2E';
  const stack = synth(STACK, (scope: Stack) => ({
    packages: new PackageDissociation(scope, 'Packages', {
      domain: importedDomain(scope, 'delta-domain'),
      packageIds: ['F111111111', 'G222222222'],
    }),
  }));
  const id = stack.ids.packages;
  const world: World = {
    domains: [
      { domainName: 'delta-domain', packages: [{ packageId: 'F111111111' }, { packageId: 'G222222222' }, { packageId: 'F999999999' }] },
    ],
  };
  let runner: Runner;

  beforeAll(async () => {
    runner = await startRunner(world, { dissociateMs: 120_000 }, 150);
  });
  afterAll(() => runner?.run.stop());

  test('the Delete fails with the service ErrorType and ErrorMessage; a retried Delete then succeeds', async () => {
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const before = run.emulator.snapshot();
    run.emulator.failDissociation('delta-domain', 'G222222222', 'PluginInUse', 'Plugin G222222222 is used by index products-v3');

    const failed = await run.destroy(STACK);
    expect(failed).toMatchObject({ ok: false, failed: [id], status: 'DELETE_FAILED' });
    const reason = lastEvent(run, id, 'DELETE_FAILED')!.reason!;
    expect(reason).toContain('Received response status [FAILED] from custom resource. Message returned: ');
    expect(reason).toContain('G222222222: PluginInUse: Plugin G222222222 is used by index products-v3');
    expect(reason).not.toContain('Operation timed out');
    expect(diffWorld(before, run.emulator.snapshot())).toEqual([
      'package delta-domain/F111111111: ACTIVE -> gone',
      'package delta-domain/G222222222: ACTIVE -> DISSOCIATION_FAILED (PluginInUse)',
    ]);
    expect(mutatingCalls(run)).toEqual(['DissociatePackages delta-domain [F111111111, G222222222]']);
    expect(Object.keys(run.resources)).toEqual([id]);

    // The user fixes the index and deletes the stack again: a new Delete retries the failed package.
    const retried = await run.destroy(STACK);
    expect(retried).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    expect(mutatingCalls(run)).toEqual([
      'DissociatePackages delta-domain [F111111111, G222222222]',
      'DissociatePackages delta-domain [G222222222]',
    ]);
    expect(diffWorld(before, run.emulator.snapshot())).toEqual([
      'package delta-domain/F111111111: ACTIVE -> gone',
      'package delta-domain/G222222222: ACTIVE -> gone',
    ]);
    expect(statuses(run, id)).toEqual([
      'CREATE_IN_PROGRESS',
      'CREATE_COMPLETE',
      'DELETE_IN_PROGRESS',
      'DELETE_FAILED',
      'DELETE_IN_PROGRESS',
      'DELETE_COMPLETE',
    ]);
  });
});

describe('a deletion that never finishes', () => {
  const STACK = 'TimeoutE2E';
  const stack = synth(STACK, (scope: Stack) => ({
    stuck: new InboundConnectionDeletion(scope, 'Stuck', {
      connectionId: 'cc-stuck-0001',
      domain: importedDomain(scope, 'logs-destination'),
      timeout: Duration.minutes(2),
    }),
  }));
  const id = stack.ids.stuck;
  let runner: Runner;

  beforeAll(async () => {
    // A lower compression: each poll costs real time (two process starts), and the resource's
    // deadline must be reached by polls well inside CloudFormation's ServiceTimeout.
    runner = await startRunner(
      { domains: [{ domainName: 'logs-destination' }], connections: [inbound('cc-stuck-0001', 'ACTIVE', 'logs-destination')] },
      { deleteMs: Infinity },
      30,
    );
  });
  afterAll(() => runner?.run.stop());

  test('fails by its own deadline, naming what it waited for and the last status', async () => {
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const before = run.emulator.snapshot();

    const result = await run.destroy(STACK);
    expect(result).toMatchObject({ ok: false, failed: [id], status: 'DELETE_FAILED' });
    const reason = lastEvent(run, id, 'DELETE_FAILED')!.reason!;
    expect(reason).toMatch(/Timed out after 2 minutes waiting for inbound connection cc-stuck-0001 to be deleted; last status: DELETING/);
    expect(reason).not.toContain('Operation timed out');
    expect(reason).not.toContain('did not receive a response');
    expect(diffWorld(before, run.emulator.snapshot())).toEqual(['connection cc-stuck-0001: ACTIVE -> DELETING']);
    expect(mutatingCalls(run)).toEqual(['DeleteInboundConnection cc-stuck-0001']);
    // The waiter never reached the framework's onTimeout: our isComplete answered first.
    expect(run.executions.flatMap((execution) => execution.history.map((step) => step.state))).not.toContain('framework-onTimeout-task');
  });
});
