/**
 * The example app (bin/example-stack.ts) through the local deploy runner: Create, the `next`
 * variant as an Update (a replacement whose old resource's Delete makes no call, a package
 * removed from the list), then the stack's deletion. Checks what CloudFormation sends, what the
 * framework answers, and exactly what changed in the service.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { OpenSearchLifecycleExampleStack } from '../../bin/example-stack';
import { diffWorld } from '../../tools/local-deploy';
import { EXAMPLE_TIMING, EXAMPLE_WORLD } from '../../tools/local-deploy/example-world';
import type { World } from '../../emulator';
import { CREATE_FAILED_MARKER, ENV, Runner, expectNoResponseUrlLeak, mutatingCalls, startRunner, statuses } from './helpers';

const STACK = 'OpenSearchLifecycleExample';

function synthExample(next: boolean): { cdkOut: string; ids: { rejection: string; deletion: string; packages: string } } {
  const cdkOut = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-example-${next ? 'next' : 'initial'}-`));
  const app = new App({ outdir: cdkOut });
  new OpenSearchLifecycleExampleStack(app, STACK, { env: ENV, next });
  app.synth();
  const template = JSON.parse(fs.readFileSync(path.join(cdkOut, `${STACK}.template.json`), 'utf8'));
  const idOf = (prefix: string) => Object.keys(template.Resources).find((id) => id.startsWith(prefix))!;
  return {
    cdkOut,
    ids: { rejection: idOf('RejectPendingConnection'), deletion: idOf('DeleteActiveConnection'), packages: idOf('RemoveDictionaries') },
  };
}

describe('example app, deployed, updated and destroyed locally', () => {
  let runner: Runner;
  let seed: World;
  const initial = synthExample(false);
  const next = synthExample(true);
  const ids = initial.ids;

  beforeAll(async () => {
    runner = await startRunner(EXAMPLE_WORLD, EXAMPLE_TIMING, 150);
    seed = runner.run.emulator.snapshot();
  });
  afterAll(async () => {
    await runner?.run.stop();
    for (const dir of [initial.cdkOut, next.cdkOut]) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('Create: the pending connection is rejected, nothing else changes', async () => {
    const { run } = runner;
    const result = await run.deploy(initial.cdkOut, STACK);

    expect(result).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
    expect(result.outputs).toEqual({
      RejectedConnectionStatusAfterRejection: 'REJECTED',
      ConnectionToDeleteStatusBeforeDeletion: 'ACTIVE',
    });
    for (const id of Object.values(ids)) expect(statuses(run, id)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(diffWorld(seed, run.emulator.snapshot())).toEqual(['connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED']);
    expect(mutatingCalls(run)).toEqual(['RejectInboundConnection cc-pending-0001']);
    expect(run.resources[ids.rejection].physicalResourceId).toBe('opensearch-inbound-connection-rejection:cc-pending-0001');
  });

  test('the requests are CloudFormation-shaped: stringified scalars, presigned ResponseURL, stack ARN', () => {
    const { run } = runner;
    const create = run.requests.find((request) => request.LogicalResourceId === ids.packages)!;
    expect(create.RequestType).toBe('Create');
    expect(create.StackId).toMatch(new RegExp(`^arn:aws:cloudformation:us-east-1:111111111111:stack/${STACK}/[0-9a-f-]{36}$`));
    expect(create.ResponseURL).toMatch(
      /^https:\/\/127\.\d+\.\d+\.\d+\/cloudformation-custom-resource-response-useast1\/.+\?.*X-Amz-Signature=[0-9a-f]{64}/,
    );
    expect(create.ResourceProperties).toEqual({
      ServiceToken: expect.stringMatching(/^arn:aws:lambda:us-east-1:111111111111:function:CdkOpenSearchLifecycleProviderframeworkonEvent/),
      ServiceTimeout: expect.stringMatching(/^\d+$/),
      DomainName: 'search-products',
      PackageIds: ['F111111111', 'F222222222', 'pkg-0a1b2c3d'],
      TimeoutSeconds: '1800',
    });
    expect(create.PhysicalResourceId).toBeUndefined();
    expect(create.OldResourceProperties).toBeUndefined();
    // Every answer was the framework's, accepted as CloudFormation would.
    expect(run.responses.filter((response) => response.role === 'answer').every((response) => response.verdict?.ok)).toBe(true);
    // The waiter ran: isComplete was retried by the state machine while the rejection settled.
    expect(run.executions.length).toBeGreaterThan(0);
  });

  test('Update: a new connection id is a replacement whose old Delete makes no call; F222222222 leaves', async () => {
    const { run } = runner;
    const before = run.emulator.snapshot();
    const callsBefore = mutatingCalls(run).length;
    const stackId = run.stackId(STACK);
    const result = await run.deploy(next.cdkOut, STACK);

    expect(result).toMatchObject({ ok: true, failed: [], status: 'UPDATE_COMPLETE' });
    expect(run.stackId(STACK)).toBe(stackId);
    expect(diffWorld(before, run.emulator.snapshot())).toEqual([
      'connection cc-pending-0002: PENDING_ACCEPTANCE -> REJECTED',
      'package search-products/F222222222: ACTIVE -> gone',
    ]);
    expect(mutatingCalls(run).slice(callsBefore).sort()).toEqual([
      'DissociatePackages search-products [F222222222]',
      'RejectInboundConnection cc-pending-0002',
    ]);

    // The rejection: Update answered with a new physical id, then cleanup Delete of the old one.
    const rejectionRequests = run.requests.filter((request) => request.LogicalResourceId === ids.rejection).slice(1);
    expect(rejectionRequests.map((request) => [request.RequestType, request.PhysicalResourceId])).toEqual([
      ['Update', 'opensearch-inbound-connection-rejection:cc-pending-0001'],
      ['Delete', 'opensearch-inbound-connection-rejection:cc-pending-0001'],
    ]);
    expect(rejectionRequests[0].OldResourceProperties).toMatchObject({ ConnectionId: 'cc-pending-0001' });
    expect(rejectionRequests[0].ResourceProperties).toMatchObject({ ConnectionId: 'cc-pending-0002' });
    // The cleanup Delete carries the OLD properties.
    expect(rejectionRequests[1].ResourceProperties).toMatchObject({ ConnectionId: 'cc-pending-0001' });
    expect(run.resources[ids.rejection].physicalResourceId).toBe('opensearch-inbound-connection-rejection:cc-pending-0002');
    expect(statuses(run, ids.rejection).slice(2)).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE',
      'DELETE_IN_PROGRESS',
      'DELETE_COMPLETE',
    ]);
    // Unchanged properties: CloudFormation sends nothing.
    expect(statuses(run, ids.deletion)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(statuses(run, ids.packages).slice(2)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
  });

  test('Delete: the active connection is deleted and the listed packages dissociated, nothing else', async () => {
    const { run } = runner;
    const result = await run.destroy(STACK);

    expect(result).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    expect(diffWorld(seed, run.emulator.snapshot())).toEqual([
      'connection cc-active-0001: ACTIVE -> DELETED',
      'connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED',
      'connection cc-pending-0002: PENDING_ACCEPTANCE -> REJECTED',
      'package search-products/F111111111: ACTIVE -> gone',
      'package search-products/F222222222: ACTIVE -> gone',
      'package search-products/pkg-0a1b2c3d: ACTIVE -> gone',
    ]);
    for (const id of Object.values(ids)) expect(statuses(run, id).slice(-2)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(run.resources).toEqual({});
    // No Delete of this stack ever carried the framework's failed-create marker.
    expect(run.requests.some((request) => request.PhysicalResourceId === CREATE_FAILED_MARKER)).toBe(false);
  });

  test('the ResponseURL never shows in the output or in any function log', () => {
    expectNoResponseUrlLeak(runner);
  });
});
