/**
 * A stack deletion where the things to end are already gone: one connection was deleted by
 * someone else in the meantime, another is no longer listed at all, and the packages' domain was
 * deleted. The Delete requests must all succeed without a single mutating call.
 */
import { DeleteInboundConnectionCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion, PackageDissociation } from '../../lib';
import { diffWorld } from '../../tools/local-deploy';
import type { World } from '../../emulator';
import { Runner, importedDomain, inbound, mutatingCalls, startRunner, statuses, synth } from './helpers';

const STACK = 'AlreadyGoneE2E';

const WORLD: World = {
  domains: [{ domainName: 'gamma-domain', packages: [{ packageId: 'F111111111' }] }, { domainName: 'logs-destination' }],
  connections: [
    inbound('cc-gone-0001', 'ACTIVE', 'logs-destination'),
    inbound('cc-vanished-0001', 'ACTIVE', 'logs-destination'),
    inbound('cc-other-0001', 'ACTIVE', 'logs-destination', 'someone-else'),
  ],
};

describe('stack deletion when the connection and the domain are already gone', () => {
  const stack = synth(STACK, (scope: Stack) => {
    const logs = importedDomain(scope, 'logs-destination');
    return {
      gone: new InboundConnectionDeletion(scope, 'Gone', { connectionId: 'cc-gone-0001', domain: logs }),
      vanished: new InboundConnectionDeletion(scope, 'Vanished', { connectionId: 'cc-vanished-0001', domain: logs }),
      packages: new PackageDissociation(scope, 'Packages', { domain: importedDomain(scope, 'gamma-domain'), packageIds: ['F111111111'] }),
    };
  });
  let runner: Runner;

  beforeAll(async () => {
    runner = await startRunner(WORLD, {}, 150);
  });
  afterAll(() => runner?.run.stop());

  test('deploy, things disappear behind the stack, then destroy: Delete succeeds with no call', async () => {
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    expect(mutatingCalls(run)).toEqual([]);

    // Someone deletes cc-gone-0001 in the console...
    const client = new OpenSearchClient({ region: 'us-east-1', endpoint: run.emulator.endpoint });
    await client.send(new DeleteInboundConnectionCommand({ ConnectionId: 'cc-gone-0001' }));
    client.destroy();
    // ...cc-vanished-0001 is no longer listed at all, and gamma-domain was deleted.
    const now = run.emulator.snapshot();
    run.emulator.reset({
      domains: now.domains!.filter((domain) => domain.domainName !== 'gamma-domain'),
      connections: now.connections!.filter((connection) => connection.connectionId !== 'cc-vanished-0001'),
    });
    const before = run.emulator.snapshot();
    expect(before.connections!.find((connection) => connection.connectionId === 'cc-gone-0001')!.status).toBe('DELETED');

    const result = await run.destroy(STACK);
    expect(result).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    for (const id of Object.values(stack.ids)) expect(statuses(run, id).slice(-2)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(mutatingCalls(run)).toEqual([]);
    expect(diffWorld(before, run.emulator.snapshot())).toEqual([]);
  });
});
