/**
 * Delete of what is already gone, beyond ../already-gone.e2e.test.ts (a connection DELETED or no
 * longer listed, a deleted domain): a connection someone else rejected, packages dissociated
 * behind the stack's back while the domain stays, packages that were never associated, and a
 * rejection (whose Delete never calls). Every Delete succeeds without a mutating call.
 *
 * And the other way round: a fault on the lookup (throttling or 500s past the SDK's retries)
 * must never be taken for "already gone": the handler waits for a real answer, then ends what
 * is still there.
 */
import { DissociatePackagesCommand, OpenSearchClient, RejectInboundConnectionCommand } from '@aws-sdk/client-opensearch';
import { Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../../../lib';
import type { World } from '../../../emulator';
import { Runner, importedDomain, inbound, statuses, synth } from '../helpers';
import { acceptedMutations, emulatorAcceptedMutations, expectInvariants, startFaultRunner } from './helpers';

const DOMAIN = 'gone-domain';

const WORLD: World = {
  domains: [
    {
      domainName: DOMAIN,
      packages: [{ packageId: 'F111111111' }, { packageId: 'F222222222' }, { packageId: 'F999999999' }, { packageId: 'G444444444' }],
    },
  ],
  connections: [
    inbound('cc-gone-pending-01', 'PENDING_ACCEPTANCE', DOMAIN),
    inbound('cc-gone-rejected-1', 'REJECTED', DOMAIN),
    inbound('cc-gone-active-001', 'ACTIVE', DOMAIN),
  ],
};

describe('Delete of what is already gone', () => {
  let runner: Runner;
  let seed: World;

  beforeAll(async () => {
    runner = await startFaultRunner(WORLD, { rejectMs: 5_000, deleteMs: 5_000, dissociateMs: 5_000 }, 60);
    seed = runner.run.emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());

  test('rejected by someone else, dissociated behind the stack, never associated: SUCCESS, no call', async () => {
    const STACK = 'AlreadyGoneFaultsE2E';
    const stack = synth(STACK, (scope: Stack) => {
      const domain = importedDomain(scope, DOMAIN);
      return {
        // Ended by someone else between the stack's creation and its deletion.
        rejectedLater: new InboundConnectionDeletion(scope, 'RejectedLater', { connectionId: 'cc-gone-pending-01', domain }),
        // Already REJECTED when the stack was created.
        rejectedBefore: new InboundConnectionDeletion(scope, 'RejectedBefore', { connectionId: 'cc-gone-rejected-1', domain }),
        rejection: new InboundConnectionRejection(scope, 'Rejection', { connectionId: 'cc-gone-rejected-1', domain }),
        // Dissociated out of band after the stack's creation.
        dissociatedLater: new PackageDissociation(scope, 'DissociatedLater', { domain, packageIds: ['F111111111', 'F222222222'] }),
        // Never associated with the domain at all.
        neverAssociated: new PackageDissociation(scope, 'NeverAssociated', { domain, packageIds: ['F333333333', 'pkg-0a1b2c3d'] }),
      };
    });
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
    expect(run.resources[stack.ids.rejection].data).toEqual({ ConnectionStatus: 'REJECTED' });
    expect(acceptedMutations(run)).toEqual([]);

    // Someone rejects the pending connection and dissociates two packages in the console.
    const client = new OpenSearchClient({ region: 'us-east-1', endpoint: run.emulator.endpoint });
    await client.send(new RejectInboundConnectionCommand({ ConnectionId: 'cc-gone-pending-01' }));
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F111111111', 'F222222222'] }));
    client.destroy();
    run.emulator.setTiming({ rejectMs: 0, dissociateMs: 0 });
    const before = run.emulator.snapshot();
    expect(before.connections!.find((connection) => connection.connectionId === 'cc-gone-pending-01')!.status).toBe('REJECTED');
    run.emulator.setTiming({ rejectMs: 5_000, dissociateMs: 5_000 });
    const handled = run.emulator.mutatingRequests().length;

    expect(await run.destroy(STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    for (const id of Object.values(stack.ids)) expect(statuses(run, id).slice(-2)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    // No mutating request at all reached the service, refused ones included.
    expect(run.emulator.mutatingRequests().slice(handled)).toEqual([]);
    expect(acceptedMutations(run)).toEqual([]);
    expect(expectInvariants(runner, before)).toEqual([]);
  });

  test('a throttled or failing lookup is never taken for "already gone"', async () => {
    const STACK = 'NotGoneFaultsE2E';
    const stack = synth(STACK, (scope: Stack) => {
      const domain = importedDomain(scope, DOMAIN);
      return {
        connection: new InboundConnectionDeletion(scope, 'Connection', { connectionId: 'cc-gone-active-001', domain }),
        packages: new PackageDissociation(scope, 'Packages', { domain, packageIds: ['G444444444'] }),
      };
    });
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
    const before = run.emulator.snapshot();
    const calls = emulatorAcceptedMutations(run).length;
    // More failures than the SDK's four attempts: the first lookups of onEvent come back as errors.
    run.emulator.injectFault({ operation: 'DescribeInboundConnections', kind: 'throttle', times: 4 });
    run.emulator.injectFault({ operation: 'ListPackagesForDomain', kind: 'internal', times: 4 });

    expect(await run.destroy(STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    const logs = run.invocations.filter((invocation) => invocation.handler.startsWith('index.')).flatMap((invocation) => invocation.logs);
    expect(logs).toContainEqual(expect.stringContaining('transient fault, will retry: ThrottlingException'));
    expect(logs).toContainEqual(expect.stringContaining('transient fault, will retry: InternalException'));
    expect(emulatorAcceptedMutations(run).slice(calls).sort()).toEqual([
      'DeleteInboundConnection cc-gone-active-001',
      `DissociatePackages ${DOMAIN} [G444444444]`,
    ]);
    expect(expectInvariants(runner, before)).toEqual([
      'connection cc-gone-active-001: ACTIVE -> DELETED',
      `package ${DOMAIN}/G444444444: ACTIVE -> gone`,
    ]);
    expect(expectInvariants(runner, seed)).toEqual([
      'connection cc-gone-active-001: ACTIVE -> DELETED',
      'connection cc-gone-pending-01: PENDING_ACCEPTANCE -> REJECTED',
      `package ${DOMAIN}/F111111111: ACTIVE -> gone`,
      `package ${DOMAIN}/F222222222: ACTIVE -> gone`,
      `package ${DOMAIN}/G444444444: ACTIVE -> gone`,
    ]);
  });
});
