/**
 * Eventual consistency: DescribeInboundConnections does not show a connection for its first
 * lookups (`hiddenForReads`), as right after another stack made it. The Create of an
 * InboundConnectionRejection and of an InboundConnectionDeletion waits through the grace period
 * instead of failing, then does its work; the final physical id reaches CloudFormation.
 *
 * The compression is low on purpose: the grace period is 30 virtual seconds, and each poll costs
 * real time (process starts) that compression turns into virtual seconds.
 */
import { Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion, InboundConnectionRejection } from '../../../lib';
import { inboundConnectionDeletionPhysicalId } from '../../../lib/private/contracts/inbound-connection-deletion';
import { inboundConnectionRejectionPhysicalId } from '../../../lib/private/contracts/inbound-connection-rejection';
import type { World } from '../../../emulator';
import { Runner, importedDomain, inbound, statuses, synth } from '../helpers';
import { acceptedMutations, expectInvariants, startFaultRunner } from './helpers';

const STACK = 'EventualConsistencyFaultsE2E';
const DOMAIN = 'consistency-domain';
const HIDDEN_READS = 2;

const WORLD: World = {
  domains: [{ domainName: DOMAIN }],
  connections: [
    { ...inbound('cc-ec-pending-01', 'PENDING_ACCEPTANCE', DOMAIN), hiddenForReads: HIDDEN_READS },
    { ...inbound('cc-ec-active-01', 'ACTIVE', DOMAIN), hiddenForReads: HIDDEN_READS },
    inbound('cc-ec-other-001', 'PENDING_ACCEPTANCE', DOMAIN, 'someone-else'),
  ],
};

describe('a connection not visible for its first lookups', () => {
  const stack = synth(STACK, (scope: Stack) => {
    const domain = importedDomain(scope, DOMAIN);
    return {
      reject: new InboundConnectionRejection(scope, 'Reject', { connectionId: 'cc-ec-pending-01', domain }),
      remove: new InboundConnectionDeletion(scope, 'Remove', { connectionId: 'cc-ec-active-01', domain }),
    };
  });
  const { ids } = stack;
  let runner: Runner;
  let seed: World;

  beforeAll(async () => {
    runner = await startFaultRunner(WORLD, { rejectMs: 5_000, deleteMs: 5_000 }, 5);
    seed = runner.run.emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());

  test('Create waits until the connection shows, then rejects it / checks it', async () => {
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
    for (const id of Object.values(ids)) expect(statuses(run, id)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);

    // Each resource looked it up HIDDEN_READS times in vain, then found it.
    for (const [id, connectionId] of [
      [ids.reject, 'cc-ec-pending-01'],
      [ids.remove, 'cc-ec-active-01'],
    ]) {
      const lookups = run.serviceCalls.filter((call) => call.logicalId === id && call.operation === 'DescribeInboundConnections');
      expect(lookups.length).toBeGreaterThan(HIDDEN_READS);
      const logs = run.invocations
        .filter((invocation) => invocation.handler.startsWith('index.') && JSON.parse(invocation.payload).LogicalResourceId === id)
        .flatMap((invocation) => invocation.logs);
      expect(logs.filter((line) => line === `DescribeInboundConnections ${connectionId}: not found`)).toHaveLength(HIDDEN_READS);
    }
    // The final physical ids, and the status each one reports.
    expect(run.resources[ids.reject]).toMatchObject({
      physicalResourceId: inboundConnectionRejectionPhysicalId('cc-ec-pending-01'),
      data: { ConnectionStatus: expect.stringMatching(/^REJECT(ING|ED)$/) },
    });
    expect(run.resources[ids.remove]).toMatchObject({
      physicalResourceId: inboundConnectionDeletionPhysicalId('cc-ec-active-01'),
      data: { ConnectionStatus: 'ACTIVE' },
    });
    expect(acceptedMutations(run)).toEqual(['RejectInboundConnection cc-ec-pending-01']);
    expect(expectInvariants(runner, seed)).toEqual(['connection cc-ec-pending-01: PENDING_ACCEPTANCE -> REJECTED']);
  });

  test('the stack deletion then ends the connection the deletion names', async () => {
    const { run } = runner;
    const before = run.emulator.snapshot();
    expect(await run.destroy(STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    expect(acceptedMutations(run)).toEqual(['RejectInboundConnection cc-ec-pending-01', 'DeleteInboundConnection cc-ec-active-01']);
    expect(expectInvariants(runner, before)).toEqual(['connection cc-ec-active-01: ACTIVE -> DELETED']);
  });
});
