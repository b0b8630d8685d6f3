/**
 * A purpose-built stack through create → update → delete: in the update a package leaves a
 * list, both connection ids change (a rejection and a deletion: replacements, the deletion's
 * cleanup Delete ending the old connection) and a PackageDissociation moves to another domain (a
 * replacement whose cleanup Delete empties the old domain). After each phase, exactly the named
 * connections and packages changed, and in the order the dependencies ask for.
 */
import { Stack } from 'aws-cdk-lib';
import { Domain, EngineVersion } from 'aws-cdk-lib/aws-opensearchservice';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../../lib';
import { diffWorld } from '../../tools/local-deploy';
import type { World } from '../../emulator';
import {
  Runner,
  eventIndex,
  expectNoResponseUrlLeak,
  importedDomain,
  inbound,
  mutatingCalls,
  startRunner,
  statuses,
  synth,
} from './helpers';

const STACK = 'LifecycleE2E';

function lifecycleStack(version: 1 | 2) {
  return synth(STACK, (stack: Stack) => {
    const alpha = importedDomain(stack, 'alpha-domain');
    const beta = new Domain(stack, 'Beta', { version: EngineVersion.OPENSEARCH_2_19, domainName: 'beta-domain' });
    const reject = new InboundConnectionRejection(stack, 'Reject', {
      connectionId: version === 1 ? 'cc-reject-0001' : 'cc-reject-0002',
      domain: alpha,
    });
    const remove = new InboundConnectionDeletion(stack, 'Remove', {
      connectionId: version === 1 ? 'cc-delete-0001' : 'cc-delete-0002',
      domain: alpha,
    });
    const dictionaries = new PackageDissociation(stack, 'Dictionaries', {
      domain: alpha,
      packageIds: version === 1 ? ['F111111111', 'F222222222'] : ['F111111111'],
    });
    // An explicit dependency between two played resources: created after, deleted before.
    dictionaries.node.addDependency(reject);
    const plugins = new PackageDissociation(stack, 'Plugins', {
      domain: version === 1 ? alpha : beta,
      packageIds: version === 1 ? ['G333333333'] : ['G444444444'],
    });
    return { reject, remove, dictionaries, plugins };
  });
}

const WORLD: World = {
  domains: [
    {
      domainName: 'alpha-domain',
      packages: [{ packageId: 'F111111111' }, { packageId: 'F222222222' }, { packageId: 'G333333333' }, { packageId: 'F999999999' }],
    },
    { domainName: 'beta-domain', packages: [{ packageId: 'G444444444' }, { packageId: 'G555555555' }] },
  ],
  connections: [
    inbound('cc-reject-0001', 'PENDING_ACCEPTANCE', 'alpha-domain'),
    inbound('cc-reject-0002', 'PENDING_ACCEPTANCE', 'alpha-domain'),
    inbound('cc-delete-0001', 'ACTIVE', 'alpha-domain'),
    inbound('cc-delete-0002', 'PENDING_ACCEPTANCE', 'alpha-domain'),
    inbound('cc-other-0001', 'PENDING_ACCEPTANCE', 'alpha-domain', 'someone-else'),
  ],
};

describe('purpose-built stack: create, update, delete', () => {
  const v1 = lifecycleStack(1);
  const v2 = lifecycleStack(2);
  const ids = v1.ids;
  let runner: Runner;
  let seed: World;

  beforeAll(async () => {
    runner = await startRunner(WORLD, { rejectMs: 20_000, deleteMs: 60_000, dissociateMs: 120_000 }, 150);
    seed = runner.run.emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());

  test('the logical ids stay the same across versions', () => {
    expect(v2.ids).toEqual(v1.ids);
  });

  test('Create: only the rejection changes anything; dependencies are respected', async () => {
    const { run } = runner;
    const result = await run.deploy(v1.cdkOut, STACK);
    expect(result).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
    expect(diffWorld(seed, run.emulator.snapshot())).toEqual(['connection cc-reject-0001: PENDING_ACCEPTANCE -> REJECTED']);
    expect(mutatingCalls(run)).toEqual(['RejectInboundConnection cc-reject-0001']);
    expect(eventIndex(run, ids.reject, 'CREATE_COMPLETE')).toBeLessThan(eventIndex(run, ids.dictionaries, 'CREATE_IN_PROGRESS'));
  });

  test('Update: package removed, connection ids changed, domain changed', async () => {
    const { run } = runner;
    const before = run.emulator.snapshot();
    const calls = mutatingCalls(run).length;
    const result = await run.deploy(v2.cdkOut, STACK);

    expect(result).toMatchObject({ ok: true, failed: [], status: 'UPDATE_COMPLETE' });
    expect(diffWorld(before, run.emulator.snapshot())).toEqual([
      'connection cc-delete-0001: ACTIVE -> DELETED',
      'connection cc-reject-0002: PENDING_ACCEPTANCE -> REJECTED',
      'package alpha-domain/F222222222: ACTIVE -> gone',
      'package alpha-domain/G333333333: ACTIVE -> gone',
    ]);
    expect(mutatingCalls(run).slice(calls).sort()).toEqual([
      'DeleteInboundConnection cc-delete-0001',
      'DissociatePackages alpha-domain [F222222222]',
      'DissociatePackages alpha-domain [G333333333]',
      'RejectInboundConnection cc-reject-0002',
    ]);

    // Replacements: an Update answered with a new physical id, then the old id's Delete at cleanup.
    for (const id of [ids.reject, ids.remove, ids.plugins]) {
      expect(statuses(run, id).slice(2)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    }
    expect(statuses(run, ids.dictionaries).slice(2)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    const cleanupOfPlugins = run.requests.filter((request) => request.LogicalResourceId === ids.plugins).pop()!;
    expect(cleanupOfPlugins.RequestType).toBe('Delete');
    expect(cleanupOfPlugins.ResourceProperties).toMatchObject({ DomainName: 'alpha-domain', PackageIds: ['G333333333'] });
    expect(cleanupOfPlugins.PhysicalResourceId).toMatch(/^opensearch-package-dissociation:alpha-domain:/);
    expect(run.resources[ids.plugins].physicalResourceId).toMatch(/^opensearch-package-dissociation:beta-domain:/);
    // Cleanup comes after every update.
    const lastUpdate = Math.max(
      ...run.events.map((event, index) => (event.status === 'UPDATE_COMPLETE' && event.logicalId !== STACK ? index : -1)),
    );
    const firstCleanup = run.events.findIndex((event) => event.status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    expect(firstCleanup).toBeGreaterThan(lastUpdate);
  });

  test('Delete: dependents first; exactly the named connection and packages end', async () => {
    const { run } = runner;
    const before = run.emulator.snapshot();
    const calls = mutatingCalls(run).length;
    const result = await run.destroy(STACK);

    expect(result).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    expect(diffWorld(before, run.emulator.snapshot())).toEqual([
      'connection cc-delete-0002: PENDING_ACCEPTANCE -> REJECTED',
      'package alpha-domain/F111111111: ACTIVE -> gone',
      'package beta-domain/G444444444: ACTIVE -> gone',
    ]);
    expect(mutatingCalls(run).slice(calls).sort()).toEqual([
      'DissociatePackages alpha-domain [F111111111]',
      'DissociatePackages beta-domain [G444444444]',
      'RejectInboundConnection cc-delete-0002',
    ]);
    const deletes = (id: string, status: string) =>
      run.events.map((event) => `${event.logicalId} ${event.status}`).lastIndexOf(`${id} ${status}`);
    expect(deletes(ids.dictionaries, 'DELETE_COMPLETE')).toBeLessThan(deletes(ids.reject, 'DELETE_IN_PROGRESS'));

    // Over the whole run: what nobody named is untouched.
    expect(diffWorld(seed, run.emulator.snapshot())).toEqual([
      'connection cc-delete-0001: ACTIVE -> DELETED',
      'connection cc-delete-0002: PENDING_ACCEPTANCE -> REJECTED',
      'connection cc-reject-0001: PENDING_ACCEPTANCE -> REJECTED',
      'connection cc-reject-0002: PENDING_ACCEPTANCE -> REJECTED',
      'package alpha-domain/F111111111: ACTIVE -> gone',
      'package alpha-domain/F222222222: ACTIVE -> gone',
      'package alpha-domain/G333333333: ACTIVE -> gone',
      'package beta-domain/G444444444: ACTIVE -> gone',
    ]);
    expectNoResponseUrlLeak(runner);
  });
});
