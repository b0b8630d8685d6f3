/**
 * Concurrency: 20 InboundConnectionDeletion resources on one domain (15 accepted connections, to
 * delete, and 5 still pending, to reject), deleted at once as CloudFormation deletes independent
 * resources (in parallel). All succeed within their 30-minute timeouts; each connection gets
 * exactly one accepted call, and the connection no resource names is untouched.
 *
 * Virtual time is discrete-event, as explained in concurrency-packages.e2e.test.ts.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion } from '../../../lib';
import { inboundConnectionDeletionPhysicalId } from '../../../lib/private/contracts/inbound-connection-deletion';
import type { World } from '../../../emulator';
import { Runner, importedDomain, inbound, synth } from '../helpers';
import { acceptedMutations, emulatorAcceptedMutations, expectDeletedInParallel, expectInvariants, startFaultRunner } from './helpers';

// 20 resources polled every 10 virtual seconds: every poll round starts 40 processes, which on a
// loaded 2-core machine takes minutes of real time (a hang guard, not a pace).
jest.setTimeout(600_000);

const STACK = 'ConcurrentConnectionsE2E';
const DOMAIN = 'busy-logs';
const COUNT = 20;
const PENDING = 5;
const connectionId = (index: number) => `cc-many-${String(index).padStart(4, '0')}`;
const isPending = (index: number) => index % (COUNT / PENDING) === 0;

const WORLD: World = {
  domains: [{ domainName: DOMAIN }],
  connections: [
    ...Array.from({ length: COUNT }, (_, index) =>
      inbound(connectionId(index), isPending(index) ? 'PENDING_ACCEPTANCE' : 'ACTIVE', DOMAIN),
    ),
    inbound('cc-many-other', 'ACTIVE', DOMAIN, 'someone-else'),
  ],
};

describe(`${COUNT} InboundConnectionDeletion resources, deleted at once`, () => {
  const stack = synth(STACK, (scope: Stack) => {
    const domain = importedDomain(scope, DOMAIN);
    return Object.fromEntries(
      Array.from({ length: COUNT }, (_, index) => [
        `c${index}`,
        new InboundConnectionDeletion(scope, `Connection${index}`, {
          connectionId: connectionId(index),
          domain,
          timeout: Duration.minutes(30),
        }),
      ]),
    );
  });
  const ids = Object.values(stack.ids);
  let runner: Runner;
  let seed: World;

  beforeAll(async () => {
    runner = await startFaultRunner(WORLD, { deleteMs: 3_000, rejectMs: 3_000 }, 30);
    seed = runner.run.emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());

  test('all succeed, in parallel, with one accepted call per connection', async () => {
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
    ids.forEach((id, index) => expect(run.resources[id].physicalResourceId).toBe(inboundConnectionDeletionPhysicalId(connectionId(index))));
    const before = run.emulator.snapshot();

    expect(await run.destroy(STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    expectDeletedInParallel(run, ids);

    ids.forEach((id, index) => {
      const operation = isPending(index) ? 'RejectInboundConnection' : 'DeleteInboundConnection';
      expect(acceptedMutations(run, id)).toEqual([`${operation} ${connectionId(index)}`]);
    });
    expect(emulatorAcceptedMutations(run)).toHaveLength(COUNT);
    expect(expectInvariants(runner, before)).toEqual(
      Array.from({ length: COUNT }, (_, index) =>
        isPending(index)
          ? `connection ${connectionId(index)}: PENDING_ACCEPTANCE -> REJECTED`
          : `connection ${connectionId(index)}: ACTIVE -> DELETED`,
      ),
    );
    expect(run.emulator.connection('cc-many-other')!.status).toBe('ACTIVE');
    expectInvariants(runner, seed);
  });
});
