/**
 * The example app (bin/example-stack.ts) through the local deploy runner: the source stack (another
 * account) creates its connection, then the destination stack's Create accepts it; the `next`
 * variant as an Update (a replacement whose old resource's Delete makes no call, a package
 * removed from the list, the source's waitFor changed with no call), then both stacks' deletion.
 * Checks what CloudFormation sends, what the framework answers, and exactly what changed in the
 * service.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { OpenSearchLifecycleConsumerStack, OpenSearchLifecycleExampleStack, OpenSearchLifecycleSourceStack } from '../../bin/example-stack';
import { diffWorld } from '../../tools/local-deploy';
import { EXAMPLE_TIMING, EXAMPLE_WORLD, seedExampleNetwork } from '../../tools/local-deploy/example-world';
import { variantProfiles, type World } from '../../emulator';
import { CREATE_FAILED_MARKER, ENV, Runner, expectNoResponseUrlLeak, mutatingCalls, startRunner, statuses } from './helpers';

const STACK = 'OpenSearchLifecycleExample';
const SOURCE_STACK = 'OpenSearchLifecycleSource';
const SOURCE_ENV = { account: '222222222222', region: 'eu-west-1' };
const CONSUMER_STACK = 'OpenSearchLifecycleConsumer';
const CONSUMER_ENV = { account: '222222222222', region: 'us-east-1' };
/** Accepted and ignored by the runner's discrete-event clock. */
const TIME_COMPRESSION = 40;
/** Real time for a phase of two stacks on a busy machine. */
const PHASE_TIMEOUT_MS = 180_000;
/** The id the emulator gives the first package made with CreatePackage: the example's synonyms. */
const SYNONYMS_ID = 'F1000000001';

function synthExample(next: boolean): {
  cdkOut: string;
  ids: { rejection: string; deletion: string; packages: string; acceptance: string };
  outbound: string;
} {
  const cdkOut = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-example-${next ? 'next' : 'initial'}-`));
  const app = new App({ outdir: cdkOut });
  new OpenSearchLifecycleSourceStack(app, SOURCE_STACK, { env: SOURCE_ENV, destination: ENV, next });
  new OpenSearchLifecycleExampleStack(app, STACK, { env: ENV, source: SOURCE_ENV, consumerAccount: CONSUMER_ENV.account, next });
  new OpenSearchLifecycleConsumerStack(app, CONSUMER_STACK, { env: CONSUMER_ENV, destination: ENV, next });
  app.synth();
  const idIn = (stack: string) => {
    const template = JSON.parse(fs.readFileSync(path.join(cdkOut, `${stack}.template.json`), 'utf8'));
    return (prefix: string) => Object.keys(template.Resources).find((id) => id.startsWith(prefix))!;
  };
  const idOf = idIn(STACK);
  return {
    cdkOut,
    ids: {
      rejection: idOf('RejectPendingConnection'),
      deletion: idOf('DeleteActiveConnection'),
      packages: idOf('RemoveDictionaries'),
      acceptance: idOf('AcceptShopLogs'),
    },
    outbound: idIn(SOURCE_STACK)('ConnectToCentralLogs'),
  };
}

// Under each variant profile: every value of every emulator switch is played by one of them.
describe.each(variantProfiles())('example app, deployed, updated and destroyed locally, %s', (_label, variants) => {
  let runner: Runner;
  let seed: World;
  const initial = synthExample(false);
  const next = synthExample(true);
  const ids = initial.ids;

  beforeAll(async () => {
    runner = await startRunner(EXAMPLE_WORLD, EXAMPLE_TIMING, TIME_COMPRESSION, undefined, { variants });
    seedExampleNetwork(runner.run.emulator);
    seed = runner.run.emulator.snapshot();
  });
  afterAll(async () => {
    await runner?.run.stop();
    for (const dir of [initial.cdkOut, next.cdkOut]) fs.rmSync(dir, { recursive: true, force: true });
  });

  test(
    'Create: the source makes its connection; the destination accepts it and rejects the pending one, nothing else changes',
    async () => {
      const { run } = runner;
      const source = await run.deploy(initial.cdkOut, SOURCE_STACK);
      expect(source).toMatchObject({ ok: true, status: 'CREATE_COMPLETE', outputs: { ConnectionId: 'cc-out-000001' } });
      const result = await run.deploy(initial.cdkOut, STACK);

      expect(result).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
      expect(result.outputs).toEqual({
        RejectedConnectionStatusAfterRejection: 'REJECTED',
        ConnectionToDeleteStatusBeforeDeletion: 'ACTIVE',
        AcceptedConnectionId: 'cc-out-000001',
        SynonymsPackageVersion: 'v1',
      });
      for (const id of Object.values(ids)) expect(statuses(run, id)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
      expect(diffWorld(seed, run.emulator.snapshot())).toEqual([
        'connection cc-out-000001: added (ACTIVE)',
        'connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED',
        `package search-products/${SYNONYMS_ID}: added (ACTIVE)`,
      ]);
      // The consumer (another account) makes its VPC endpoint once the example stack authorized it.
      const consumer = await run.deploy(initial.cdkOut, CONSUMER_STACK);
      expect(consumer).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
      const [endpoint] = run.emulator.vpcEndpoints();
      expect(endpoint).toMatchObject({ ownerId: '222222222222', vpcId: 'vpc-0c0ffee000000001', status: 'ACTIVE' });
      expect(consumer.outputs).toEqual({ VpcEndpointId: endpoint.vpcEndpointId, VpcEndpoint: endpoint.endpoint });
      expect(run.emulator.vpcEndpointAccess()).toEqual([
        { domainName: 'logs-destination', principalType: 'AWS_ACCOUNT', principal: '222222222222' },
      ]);
      expect(mutatingCalls(run).sort()).toEqual([
        'AcceptInboundConnection cc-out-000001',
        `AssociatePackages search-products [${SYNONYMS_ID}]`,
        'AuthorizeVpcEndpointAccess logs-destination',
        'CreateOutboundConnection ',
        'CreatePackage product-synonyms',
        'CreateVpcEndpoint logs-destination',
        'PutRoleMapping shop-logs-search',
        'PutSecurityRole shop-logs-search',
        'RejectInboundConnection cc-pending-0001',
      ]);
      // Cross-cluster search with fine-grained access control: the source side's role is mapped.
      expect(run.emulator.security('logs-destination')!.rolesMapping['shop-logs-search'].backend_roles).toEqual([
        'arn:aws:iam::222222222222:role/shop-logs-search',
      ]);
      // The package's source is the dictionary file of the repository, published from cdk.out into
      // the staging bucket (SSE-KMS, which the service cannot read), and copied by the handler into
      // the stack's SSE-S3 bucket, from which the service imported it; the copy is removed after.
      const created = run.emulator.requests.find((request) => request.operation === 'CreatePackage')!.body as {
        PackageSource: { S3BucketName: string; S3Key: string };
      };
      const [copy, removal] = run.emulator.s3Requests;
      expect(copy).toMatchObject({
        operation: 'CopyObject',
        bucket: created.PackageSource.S3BucketName,
        key: created.PackageSource.S3Key,
        encryption: 'AES256',
        status: 200,
      });
      expect(copy.copySource).toMatch(/^cdk-hnb659fds-assets-111111111111-us-east-1\/[0-9a-f]{64}\.txt$/);
      expect(run.emulator.objectEncryption('cdk-hnb659fds-assets-111111111111-us-east-1', copy.copySource!.split('/')[1])).toBe('aws:kms');
      expect(created.PackageSource.S3BucketName).not.toBe('cdk-hnb659fds-assets-111111111111-us-east-1');
      expect(created.PackageSource.S3Key).toBe(`product-synonyms/${copy.copySource!.split('/')[1]}`);
      expect(removal).toMatchObject({ operation: 'DeleteObject', bucket: copy.bucket, key: copy.key });
      expect(run.emulator.hasObject(copy.bucket, copy.key)).toBe(false);
      expect(run.emulator.managedPackage(SYNONYMS_ID)).toMatchObject({ status: 'AVAILABLE', availableVersion: 'v1' });
      expect(run.resourcesOf(STACK)[ids.rejection].physicalResourceId).toBe('opensearch-inbound-connection-rejection:cc-pending-0001');
    },
    PHASE_TIMEOUT_MS,
  );

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
      // No TimeoutSeconds: the default 30 minutes is left out of the template, the handler applies it.
    });
    expect(create.PhysicalResourceId).toBeUndefined();
    expect(create.OldResourceProperties).toBeUndefined();
    // Every answer was the framework's, accepted as CloudFormation would.
    expect(run.responses.filter((response) => response.role === 'answer').every((response) => response.verdict?.ok)).toBe(true);
    // The waiter ran: isComplete was retried by the state machine while the rejection settled.
    expect(run.executions.length).toBeGreaterThan(0);
  });

  test(
    'Update: a new connection id is a replacement whose old Delete makes no call; F222222222 leaves',
    async () => {
      const { run } = runner;
      const before = run.emulator.snapshot();
      const callsBefore = mutatingCalls(run).length;
      const stackId = run.stackId(STACK);
      const source = await run.deploy(next.cdkOut, SOURCE_STACK);
      expect(source).toMatchObject({ ok: true, status: 'UPDATE_COMPLETE' });
      expect(statuses(run, next.outbound, SOURCE_STACK).slice(2)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
      const result = await run.deploy(next.cdkOut, STACK);
      const consumer = await run.deploy(next.cdkOut, CONSUMER_STACK);

      expect(result).toMatchObject({ ok: true, failed: [], status: 'UPDATE_COMPLETE' });
      expect(consumer).toMatchObject({ ok: true, failed: [], status: 'UPDATE_COMPLETE' });
      expect(run.emulator.vpcEndpoints().map((e) => `${e.securityGroupIds.join(',')} ${e.status}`)).toEqual(['sg-0c0ffee000000002 ACTIVE']);
      expect(run.stackId(STACK)).toBe(stackId);
      expect(diffWorld(before, run.emulator.snapshot())).toEqual([
        'connection cc-pending-0002: PENDING_ACCEPTANCE -> REJECTED',
        'package search-products/F222222222: ACTIVE -> gone',
      ]);
      expect(mutatingCalls(run).slice(callsBefore).sort()).toEqual([
        `AssociatePackages search-products [${SYNONYMS_ID}]`,
        'DissociatePackages search-products [F222222222]',
        'PutSecurityRole shop-logs-search',
        'RejectInboundConnection cc-pending-0002',
        `UpdatePackage ${SYNONYMS_ID}`,
        `UpdateVpcEndpoint ${run.emulator.vpcEndpoints()[0].vpcEndpointId}`,
      ]);
      // The changed synonyms file is a new package version, and the domain moved to it.
      expect(result.outputs.SynonymsPackageVersion).toBe('v2');
      expect(run.emulator.packages('search-products')?.find((p) => p.packageId === SYNONYMS_ID)?.packageVersion).toBe('v2');

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
      expect(run.resourcesOf(STACK)[ids.rejection].physicalResourceId).toBe('opensearch-inbound-connection-rejection:cc-pending-0002');
      expect(statuses(run, ids.rejection).slice(2)).toEqual([
        'UPDATE_IN_PROGRESS',
        'UPDATE_COMPLETE',
        'DELETE_IN_PROGRESS',
        'DELETE_COMPLETE',
      ]);
      // Unchanged properties: CloudFormation sends nothing.
      expect(statuses(run, ids.deletion)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
      expect(statuses(run, ids.packages).slice(2)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    },
    PHASE_TIMEOUT_MS,
  );

  test(
    'Delete: the active connections are deleted and the listed packages dissociated, nothing else',
    async () => {
      const { run } = runner;
      const endpointId = run.emulator.vpcEndpoints()[0].vpcEndpointId;
      const consumerCallsBefore = mutatingCalls(run).length;
      // The consumer's stack first: the owner's revoke would be refused while the endpoint lives.
      const consumer = await run.destroy(CONSUMER_STACK);
      expect(consumer).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
      expect(run.emulator.vpcEndpoints()).toEqual([]);
      const result = await run.destroy(STACK);
      expect(mutatingCalls(run).slice(consumerCallsBefore)).toEqual(
        expect.arrayContaining([`DeleteVpcEndpoint ${endpointId}`, 'RevokeVpcEndpointAccess logs-destination']),
      );
      expect(run.emulator.vpcEndpointAccess()).toEqual([]);
      const callsBefore = mutatingCalls(run).length;
      const source = await run.destroy(SOURCE_STACK);

      expect(result).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
      // The acceptance ended the connection; the source's Delete found it DELETED and made no call.
      expect(source).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
      expect(mutatingCalls(run).slice(callsBefore)).toEqual([]);
      expect(diffWorld(seed, run.emulator.snapshot())).toEqual([
        'connection cc-active-0001: ACTIVE -> DELETED',
        'connection cc-out-000001: added (DELETED)',
        'connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED',
        'connection cc-pending-0002: PENDING_ACCEPTANCE -> REJECTED',
        'package search-products/F111111111: ACTIVE -> gone',
        'package search-products/F222222222: ACTIVE -> gone',
        'package search-products/pkg-0a1b2c3d: ACTIVE -> gone',
      ]);
      for (const id of Object.values(ids)) expect(statuses(run, id).slice(-2)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
      expect(run.resourcesOf(STACK)).toEqual({});
      expect(run.resourcesOf(SOURCE_STACK)).toEqual({});
      expect(run.resourcesOf(CONSUMER_STACK)).toEqual({});
      expect(run.emulator.managedPackages()).toEqual([]);
      expect(run.emulator.security('logs-destination')!.roles['shop-logs-search']).toBeUndefined();
      expect(run.emulator.security('logs-destination')!.rolesMapping['shop-logs-search'].backend_roles).toEqual([]);
      // No Delete of this stack ever carried the framework's failed-create marker.
      expect(run.requests.some((request) => request.PhysicalResourceId === CREATE_FAILED_MARKER)).toBe(false);
    },
    PHASE_TIMEOUT_MS,
  );

  test('the ResponseURL never shows in the output or in any function log', () => {
    expectNoResponseUrlLeak(runner);
  });
});
