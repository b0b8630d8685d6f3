/**
 * Two stacks in two accounts and regions, deployed by the local runner with each stack's handlers
 * signing as their own account: the source stack (111111111111, us-east-1) creates the outbound
 * connection, the destination stack (222222222222, eu-west-1) accepts it, found by its source with
 * no id passed between them. In both orders and at once, and under faults.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { InboundConnectionAcceptance, OutboundConnection } from '../../lib';
import { variantProfiles, type World } from '../../emulator';
import { Runner, expectNoResponseUrlLeak, startRunner, statuses } from './helpers';

const SOURCE_ENV = { account: '111111111111', region: 'us-east-1' };
const DESTINATION_ENV = { account: '222222222222', region: 'eu-west-1' };
const SOURCE_STACK = 'CrossAccountSourceE2E';
const DESTINATION_STACK = 'CrossAccountDestinationE2E';

const WORLD: World = {
  domains: [
    { domainName: 'logs-source', ownerId: SOURCE_ENV.account, region: SOURCE_ENV.region },
    { domainName: 'logs-destination', ownerId: DESTINATION_ENV.account, region: DESTINATION_ENV.region },
  ],
};
/** Validation takes 10 s, acceptance 30 s (virtual time, which the runner's clock moves by itself). */
const TIME_COMPRESSION = 20; // accepted and ignored by the runner's discrete-event clock
const TIMING = { validateMs: 10_000, acceptMs: 30_000, deleteMs: 20_000, rejectMs: 10_000 };

const cdkOut = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-cross-account-'));
afterAll(() => fs.rmSync(cdkOut, { recursive: true, force: true }));

const domainAt = (scope: Stack, id: string, env: { account: string; region: string }, name: string) =>
  Domain.fromDomainAttributes(scope, id, {
    domainArn: `arn:aws:es:${env.region}:${env.account}:domain/${name}`,
    domainEndpoint: `https://search-${name}-abc123.${env.region}.es.amazonaws.com`,
  });

const ids = (() => {
  const app = new App({ outdir: cdkOut });
  const source = new Stack(app, SOURCE_STACK, { env: SOURCE_ENV });
  const outbound = new OutboundConnection(source, 'ToDestination', {
    localDomain: domainAt(source, 'Local', SOURCE_ENV, 'logs-source'),
    remoteDomain: domainAt(source, 'Remote', DESTINATION_ENV, 'logs-destination'),
    connectionAlias: 'logs-destination',
  });
  const destination = new Stack(app, DESTINATION_STACK, { env: DESTINATION_ENV });
  const acceptance = new InboundConnectionAcceptance(destination, 'FromSource', {
    domain: domainAt(destination, 'Here', DESTINATION_ENV, 'logs-destination'),
    from: domainAt(destination, 'Origin', SOURCE_ENV, 'logs-source'),
  });
  app.synth();
  const logicalId = (stack: Stack, construct: OutboundConnection | InboundConnectionAcceptance) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);
  return { outbound: logicalId(source, outbound), acceptance: logicalId(destination, acceptance) };
})();

let runner: Runner | undefined;
afterEach(async () => {
  await runner?.run.stop();
  runner = undefined;
});

async function start(options: Parameters<typeof startRunner>[4] = {}): Promise<Runner> {
  runner = await startRunner(WORLD, TIMING, TIME_COMPRESSION, undefined, options);
  return runner;
}
const startWithVariants = start;

/** The service calls that changed something, with who made them. */
function mutationsWithCaller(runner: Runner): string[] {
  return runner.run.emulator
    .mutatingRequests()
    .map((request) => `${request.operation} by ${request.caller?.account} in ${request.caller?.region}`);
}

function connectionStates(runner: Runner): string[] {
  return (runner.run.emulator.snapshot().connections ?? []).map((c) => `${c.connectionId} ${c.alias} ${c.status}`);
}

/** Waits (real time, bounded) until the destination's handler has looked for the connection at least once. */
async function destinationHasLooked(runner: Runner): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (runner.run.emulator.requests.some((r) => r.operation === 'DescribeInboundConnections')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the destination stack never looked for its connection');
}

// Every value of every emulator switch (a new connection unseen by the first reads, the local
// owner and region required, ...) is played by one of the profiles.
describe.each(variantProfiles())('two stacks in two accounts, %s', (_label, variants) => {
  const start = (options: Parameters<typeof startRunner>[4] = {}) => startWithVariants({ variants, ...options });

  test('source first, then destination: created by the source account, accepted by the destination account, both ended on destroy', async () => {
    const { run } = await start();
    const source = await run.deploy(cdkOut, SOURCE_STACK);
    expect(source.ok).toBe(true);
    expect(connectionStates(runner!)).toEqual(['cc-out-000001 logs-destination PENDING_ACCEPTANCE']);
    expect(run.resourcesOf(SOURCE_STACK)[ids.outbound].physicalResourceId).toBe('opensearch-outbound-connection:created:cc-out-000001');

    const destination = await run.deploy(cdkOut, DESTINATION_STACK);
    expect(destination.ok).toBe(true);
    expect(connectionStates(runner!)).toEqual(['cc-out-000001 logs-destination ACTIVE']);
    expect(run.resourcesOf(DESTINATION_STACK)[ids.acceptance].physicalResourceId).toBe(
      'opensearch-inbound-connection-acceptance:cc-out-000001',
    );

    expect((await run.destroy(DESTINATION_STACK)).ok).toBe(true);
    expect(connectionStates(runner!)).toEqual(['cc-out-000001 logs-destination DELETED']);
    expect((await run.destroy(SOURCE_STACK)).ok).toBe(true);
    expect(mutationsWithCaller(runner!)).toEqual([
      'CreateOutboundConnection by 111111111111 in us-east-1',
      'AcceptInboundConnection by 222222222222 in eu-west-1',
      'DeleteInboundConnection by 222222222222 in eu-west-1',
    ]);
    expectNoResponseUrlLeak(runner!);
  });

  test('destination first: its acceptance waits until the source stack has made the connection', async () => {
    const { run } = await start();
    const destination = run.deploy(cdkOut, DESTINATION_STACK);
    await destinationHasLooked(runner!);
    const source = await run.deploy(cdkOut, SOURCE_STACK);
    expect(source.ok).toBe(true);
    expect((await destination).ok).toBe(true);
    expect(connectionStates(runner!)).toEqual(['cc-out-000001 logs-destination ACTIVE']);
    expect(statuses(run, ids.acceptance, DESTINATION_STACK)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    // The acceptance was still waiting when the source stack began: they really overlapped.
    const sourceStarted = run.events.find((event) => event.stackName === SOURCE_STACK)!.timestamp;
    const accepted = run.events.find((event) => event.logicalId === ids.acceptance && event.status === 'CREATE_COMPLETE')!.timestamp;
    expect(sourceStarted).toBeLessThan(accepted);

    // The source's stack goes first this time: its Delete deletes the connection, and the
    // acceptance's Delete then finds it DELETED and makes no call.
    expect((await run.destroy(SOURCE_STACK)).ok).toBe(true);
    expect((await run.destroy(DESTINATION_STACK)).ok).toBe(true);
    expect(mutationsWithCaller(runner!)).toEqual([
      'CreateOutboundConnection by 111111111111 in us-east-1',
      'AcceptInboundConnection by 222222222222 in eu-west-1',
      'DeleteOutboundConnection by 111111111111 in us-east-1',
    ]);
    expect(connectionStates(runner!)).toEqual(['cc-out-000001 logs-destination DELETED']);
  }, 180_000);

  test('both at once: one connection, accepted once', async () => {
    const { run } = await start();
    const [source, destination] = await Promise.all([run.deploy(cdkOut, SOURCE_STACK), run.deploy(cdkOut, DESTINATION_STACK)]);
    expect([source.ok, destination.ok]).toEqual([true, true]);
    expect(connectionStates(runner!)).toEqual(['cc-out-000001 logs-destination ACTIVE']);
    expect(mutationsWithCaller(runner!)).toEqual([
      'CreateOutboundConnection by 111111111111 in us-east-1',
      'AcceptInboundConnection by 222222222222 in eu-west-1',
    ]);
    const [sourceGone, destinationGone] = await Promise.all([run.destroy(SOURCE_STACK), run.destroy(DESTINATION_STACK)]);
    expect([sourceGone.ok, destinationGone.ok]).toEqual([true, true]);
    expect(connectionStates(runner!)).toEqual(['cc-out-000001 logs-destination DELETED']);
  });
});

describe('faults', () => {
  test('throttling on every new operation: retried, one connection, accepted once', async () => {
    const { run } = await start();
    for (const operation of [
      'CreateOutboundConnection',
      'DescribeOutboundConnections',
      'AcceptInboundConnection',
      'DescribeInboundConnections',
    ] as const) {
      run.emulator.injectFault({ operation, kind: 'throttle', times: 2 });
    }
    expect((await run.deploy(cdkOut, SOURCE_STACK)).ok).toBe(true);
    expect((await run.deploy(cdkOut, DESTINATION_STACK)).ok).toBe(true);
    expect(connectionStates(runner!)).toEqual(['cc-out-000001 logs-destination ACTIVE']);
    expect(mutationsWithCaller(runner!)).toEqual([
      'CreateOutboundConnection by 111111111111 in us-east-1',
      'AcceptInboundConnection by 222222222222 in eu-west-1',
    ]);
  });

  test('the framework dies right after CreateOutboundConnection was accepted: the retried onEvent adopts it, no second connection', async () => {
    const { run } = await start({
      crash: { when: 'onEvent', afterOperation: 'CreateOutboundConnection', process: 'framework' },
    });
    const source = await run.deploy(cdkOut, SOURCE_STACK);
    expect(source.ok).toBe(true);
    expect(run.crashes).toHaveLength(1);
    expect(connectionStates(runner!)).toEqual(['cc-out-000001 logs-destination PENDING_ACCEPTANCE']);
    expect(run.resourcesOf(SOURCE_STACK)[ids.outbound].physicalResourceId).toBe('opensearch-outbound-connection:adopted:cc-out-000001');
    expect(mutationsWithCaller(runner!)).toEqual(['CreateOutboundConnection by 111111111111 in us-east-1']);
  });

  test('our onEvent dies right after CreateOutboundConnection: the Create fails; deployed again, it adopts the connection', async () => {
    const { run } = await start({ crash: { when: 'onEvent', afterOperation: 'CreateOutboundConnection' } });
    const first = await run.deploy(cdkOut, SOURCE_STACK);
    expect(first.ok).toBe(false);
    const again = await run.deploy(cdkOut, SOURCE_STACK);
    expect(again.ok).toBe(true);
    expect(connectionStates(runner!)).toEqual(['cc-out-000001 logs-destination PENDING_ACCEPTANCE']);
    expect(mutationsWithCaller(runner!)).toEqual(['CreateOutboundConnection by 111111111111 in us-east-1']);
  });

  test("the Create's look-up fails even after the SDK's retries: the Create fails, nothing made; deployed again, the connection is recorded as created", async () => {
    const { run } = await start();
    // Every attempt of the SDK (4) of the first look-up; the service answers again afterwards.
    run.emulator.injectFault({ operation: 'DescribeOutboundConnections', kind: 'internal', times: 4 });
    const first = await run.deploy(cdkOut, SOURCE_STACK);
    expect(first.ok).toBe(false);
    const failed = run.events.find((event) => event.logicalId === ids.outbound && event.status === 'CREATE_FAILED');
    expect(failed?.reason).toMatch(/Message returned: DescribeOutboundConnections .* failed: InternalException: .* Nothing was made/);
    expect(connectionStates(runner!)).toEqual([]);
    const again = await run.deploy(cdkOut, SOURCE_STACK);
    expect(again.ok).toBe(true);
    // Made by this resource, and recorded so: a later rollback or destroy removes it.
    expect(run.resourcesOf(SOURCE_STACK)[ids.outbound].physicalResourceId).toBe('opensearch-outbound-connection:created:cc-out-000001');
    expect(mutationsWithCaller(runner!)).toEqual(['CreateOutboundConnection by 111111111111 in us-east-1']);
  });

  test('the remote domain does not exist: the Create fails with the service message after deleting the connection it made', async () => {
    runner = await startRunner({ domains: [WORLD.domains![0]] }, TIMING, TIME_COMPRESSION);
    const { run } = runner;
    const source = await run.deploy(cdkOut, SOURCE_STACK);
    expect(source.ok).toBe(false);
    const failed = run.events.find((event) => event.logicalId === ids.outbound && event.status === 'CREATE_FAILED');
    expect(failed?.reason).toMatch(
      /is VALIDATION_FAILED: Remote domain logs-destination not found in account 222222222222 region eu-west-1\./,
    );
    // The failure does not wait for the deletion it asked for (CloudFormation's cleanup never reaches the handler).
    expect(connectionStates(runner)).toEqual(['cc-out-000001 logs-destination DELETING']);
    expect(mutationsWithCaller(runner)).toEqual([
      'CreateOutboundConnection by 111111111111 in us-east-1',
      'DeleteOutboundConnection by 111111111111 in us-east-1',
    ]);
  });
});
