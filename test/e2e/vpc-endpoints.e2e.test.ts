/**
 * Both sides of an OpenSearch VPC endpoint, through the local runner: the domain owner's stack
 * (111111111111, us-east-1) authorizes the consumer account with a VpcEndpointAccess; the
 * consumer's stack (333333333333, us-east-1) makes a DomainVpcEndpoint in its VPC. Each stack's
 * handlers sign as their own account. Create, update, replacement, delete, adopt, rollback and
 * crashes, in both orders of teardown.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Domain, IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { DomainVpcEndpoint, VpcEndpointAccess } from '../../lib';
import type { World } from '../../emulator';
import { Runner, expectNoResponseUrlLeak, startRunner, statuses } from './helpers';

const OWNER = { account: '111111111111', region: 'us-east-1' };
const CONSUMER = { account: '333333333333', region: 'us-east-1' };
const OWNER_STACK = 'VpcEndpointOwnerE2E';
const CONSUMER_STACK = 'VpcEndpointConsumerE2E';
const WORLD: World = { domains: [{ domainName: 'orders' }, { domainName: 'billing' }] };
const TIMING = {};
const ENDPOINT_TIMING = { createEndpointMs: 20_000, updateEndpointMs: 20_000, deleteEndpointMs: 20_000 };

const tempDirs: string[] = [];
afterAll(() => tempDirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const domainOf = (scope: Construct, name: string) =>
  (scope.node.tryFindChild(`Domain-${name}`) as IDomain | undefined) ??
  Domain.fromDomainAttributes(scope, `Domain-${name}`, {
    domainArn: `arn:aws:es:${OWNER.region}:${OWNER.account}:domain/${name}`,
    domainEndpoint: `https://vpc-${name}-abc123.${OWNER.region}.es.amazonaws.com`,
  });

const vpcOf = (scope: Construct, n: 1 | 2) =>
  (scope.node.tryFindChild(`Vpc${n}`) as ec2.IVpc | undefined) ??
  ec2.Vpc.fromVpcAttributes(scope, `Vpc${n}`, {
    vpcId: `vpc-c${n}`,
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    privateSubnetIds: [`subnet-c${n}a`, `subnet-c${n}b`],
  });

type Variant = 'base' | 'subnets' | 'new-vpc' | 'rollback' | 'access-update' | 'access-replace';

/** Synthesizes both stacks of one variant into a cloud assembly of its own. */
function synthVariant(variant: Variant): { cdkOut: string; ids: Record<string, string> } {
  const cdkOut = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-vpc-endpoints-${variant}-`));
  tempDirs.push(cdkOut);
  const app = new App({ outdir: cdkOut });
  const owner = new Stack(app, OWNER_STACK, { env: OWNER });
  const consumer = new Stack(app, CONSUMER_STACK, { env: CONSUMER });
  const constructs: Record<string, [Stack, Construct]> = {};
  constructs.access = [
    owner,
    new VpcEndpointAccess(owner, 'ConsumerAccess', {
      domain: domainOf(owner, 'orders'),
      account: variant === 'access-replace' ? '444444444444' : CONSUMER.account,
      allowRevokeWhileInUse: variant === 'access-update' || variant === 'access-replace' ? true : undefined,
    }),
  ];
  const group = ec2.SecurityGroup.fromSecurityGroupId(consumer, 'Group', variant === 'subnets' ? 'sg-c2' : 'sg-c1');
  const vpc = vpcOf(consumer, variant === 'new-vpc' ? 2 : 1);
  constructs.endpoint = [
    consumer,
    new DomainVpcEndpoint(consumer, 'ToOrders', {
      domain: domainOf(consumer, 'orders'),
      vpc,
      vpcSubnets: variant === 'subnets' ? { subnets: [vpc.privateSubnets[0]] } : undefined,
      securityGroups: [group],
    }),
  ];
  if (variant === 'rollback') {
    constructs.second = [
      consumer,
      new DomainVpcEndpoint(consumer, 'ToOrdersVpc2', { domain: domainOf(consumer, 'orders'), vpc: vpcOf(consumer, 2) }),
    ];
    // Not authorized by the owner of billing: CreateVpcEndpoint is refused and the stack rolls back.
    constructs.broken = [
      consumer,
      new DomainVpcEndpoint(consumer, 'ToBilling', { domain: domainOf(consumer, 'billing'), vpc: vpcOf(consumer, 1) }),
    ];
    constructs.otherAccess = [
      owner,
      new VpcEndpointAccess(owner, 'OtherAccess', { domain: domainOf(owner, 'orders'), account: '444444444444' }),
    ];
    // A domain the owner does not have: the owner's stack rolls back too.
    constructs.brokenAccess = [
      owner,
      new VpcEndpointAccess(owner, 'NoDomainAccess', { domain: domainOf(owner, 'nope'), account: '444444444444' }),
    ];
  }
  app.synth();
  const ids = Object.fromEntries(
    Object.entries(constructs).map(([key, [stack, construct]]) => [key, stack.getLogicalId(construct.node.defaultChild as CfnElement)]),
  );
  return { cdkOut, ids };
}

const variants = {
  base: synthVariant('base'),
  subnets: synthVariant('subnets'),
  newVpc: synthVariant('new-vpc'),
  rollback: synthVariant('rollback'),
  accessUpdate: synthVariant('access-update'),
  accessReplace: synthVariant('access-replace'),
};
const ids = variants.rollback.ids;

let runner: Runner | undefined;
afterEach(async () => {
  await runner?.run.stop();
  runner = undefined;
});

async function start(options: Parameters<typeof startRunner>[4] = {}): Promise<Runner> {
  runner = await startRunner(WORLD, TIMING, 1, undefined, options);
  const emulator = runner.run.emulator;
  emulator.setVpcEndpointTiming(ENDPOINT_TIMING);
  for (const n of [1, 2]) {
    emulator.addSubnet({ subnetId: `subnet-c${n}a`, vpcId: `vpc-c${n}`, availabilityZone: 'us-east-1a', ownerId: CONSUMER.account });
    emulator.addSubnet({ subnetId: `subnet-c${n}b`, vpcId: `vpc-c${n}`, availabilityZone: 'us-east-1b', ownerId: CONSUMER.account });
  }
  return runner;
}

/** The service calls that changed something, with who made them. */
function mutations(r: Runner): string[] {
  return r.run.emulator.mutatingRequests().map((request) => `${request.operation} by ${request.caller?.account}`);
}
const endpoints = (r: Runner) =>
  r.run.emulator.vpcEndpoints().map((e) => `${e.vpcId} ${e.subnetIds.join(',')} ${e.securityGroupIds.join(',')} ${e.status}`);
const access = (r: Runner) => r.run.emulator.vpcEndpointAccess().map((a) => `${a.domainName}:${a.principal}`);

describe('both sides, in order', () => {
  test('create, update subnets and security groups, replace for a new VPC, then destroy the consumer and the owner', async () => {
    const { run } = await start();
    expect((await run.deploy(variants.base.cdkOut, OWNER_STACK)).ok).toBe(true);
    expect(access(runner!)).toEqual(['orders:333333333333']);
    expect((await run.deploy(variants.base.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    expect(endpoints(runner!)).toEqual(['vpc-c1 subnet-c1a,subnet-c1b sg-c1 ACTIVE']);
    const created = run.resourcesOf(CONSUMER_STACK)[ids.endpoint];
    expect(created.physicalResourceId).toMatch(/^opensearch-vpc-endpoint:created:aos-/);
    expect(run.resourcesOf(OWNER_STACK)[ids.access].physicalResourceId).toBe('opensearch-vpc-endpoint-access:created:orders:333333333333');

    expect((await run.deploy(variants.subnets.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    expect(endpoints(runner!)).toEqual(['vpc-c1 subnet-c1a sg-c2 ACTIVE']);
    expect(run.resourcesOf(CONSUMER_STACK)[ids.endpoint].physicalResourceId).toBe(created.physicalResourceId);

    expect((await run.deploy(variants.newVpc.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    expect(endpoints(runner!)).toEqual(['vpc-c2 subnet-c2a,subnet-c2b sg-c1 ACTIVE']);
    expect(run.resourcesOf(CONSUMER_STACK)[ids.endpoint].physicalResourceId).not.toBe(created.physicalResourceId);

    expect((await run.destroy(CONSUMER_STACK)).ok).toBe(true);
    expect(endpoints(runner!)).toEqual([]);
    expect((await run.destroy(OWNER_STACK)).ok).toBe(true);
    expect(access(runner!)).toEqual([]);
    expect(mutations(runner!)).toEqual([
      'AuthorizeVpcEndpointAccess by 111111111111',
      'CreateVpcEndpoint by 333333333333',
      'UpdateVpcEndpoint by 333333333333',
      'CreateVpcEndpoint by 333333333333',
      'DeleteVpcEndpoint by 333333333333',
      'DeleteVpcEndpoint by 333333333333',
      'RevokeVpcEndpointAccess by 111111111111',
    ]);
    expectNoResponseUrlLeak(runner!);
  });

  test('the owner’s stack first: its Delete fails naming the live endpoint, nothing revoked; once the consumer’s stack is gone it succeeds', async () => {
    const { run } = await start();
    expect((await run.deploy(variants.base.cdkOut, OWNER_STACK)).ok).toBe(true);
    expect((await run.deploy(variants.base.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    const refused = await run.destroy(OWNER_STACK);
    expect(refused.ok).toBe(false);
    const reason = run.events.find((e) => e.logicalId === ids.access && e.status === 'DELETE_FAILED')?.reason ?? '';
    expect(reason).toMatch(/Account 333333333333 still has VPC endpoints to domain orders: aos-[a-z0-9]+ \(ACTIVE\); nothing was revoked/);
    expect(access(runner!)).toEqual(['orders:333333333333']);
    expect((await run.destroy(CONSUMER_STACK)).ok).toBe(true);
    expect((await run.destroy(OWNER_STACK)).ok).toBe(true);
    expect(access(runner!)).toEqual([]);
    expect(endpoints(runner!)).toEqual([]);
  });

  test('both torn down at once: the revoke waits while the endpoint is DELETING, then goes', async () => {
    const { run } = await start();
    expect((await run.deploy(variants.base.cdkOut, OWNER_STACK)).ok).toBe(true);
    expect((await run.deploy(variants.base.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    const consumerGone = run.destroy(CONSUMER_STACK);
    for (let i = 0; i < 600 && !run.emulator.mutatingRequests().some((r) => r.operation === 'DeleteVpcEndpoint'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const [ownerResult, consumerResult] = await Promise.all([run.destroy(OWNER_STACK), consumerGone]);
    expect([ownerResult.ok, consumerResult.ok]).toEqual([true, true]);
    expect(access(runner!)).toEqual([]);
    expect(endpoints(runner!)).toEqual([]);
  });
});

describe('the owner’s side, updated', () => {
  test('allowRevokeWhileInUse only: no call; another account: a replacement (authorize it, then the old one is revoked with its endpoint still there, as allowed)', async () => {
    const { run } = await start();
    expect((await run.deploy(variants.base.cdkOut, OWNER_STACK)).ok).toBe(true);
    expect((await run.deploy(variants.base.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    expect((await run.deploy(variants.accessUpdate.cdkOut, OWNER_STACK)).ok).toBe(true);
    expect(statuses(run, ids.access, OWNER_STACK).slice(2)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    expect(mutations(runner!)).toEqual(['AuthorizeVpcEndpointAccess by 111111111111', 'CreateVpcEndpoint by 333333333333']);
    expect((await run.deploy(variants.accessReplace.cdkOut, OWNER_STACK)).ok).toBe(true);
    expect(run.resourcesOf(OWNER_STACK)[ids.access].physicalResourceId).toBe('opensearch-vpc-endpoint-access:created:orders:444444444444');
    expect(access(runner!)).toEqual(['orders:444444444444']);
    expect(endpoints(runner!)).toEqual(['vpc-c1 subnet-c1a,subnet-c1b sg-c1 ACTIVE']);
    expect(mutations(runner!).slice(2)).toEqual(['AuthorizeVpcEndpointAccess by 111111111111', 'RevokeVpcEndpointAccess by 111111111111']);
  });
});

/** What existed before both stacks: the consumer's authorization, and its endpoint aos-existing01 in the consumer's VPC. */
function existedBefore(run: Runner['run']): void {
  run.emulator.addVpcEndpointAccess('orders', CONSUMER.account);
  run.emulator.addVpcEndpoint({
    vpcEndpointId: 'aos-existing01',
    domainArn: `arn:aws:es:us-east-1:${OWNER.account}:domain/orders`,
    subnetIds: ['subnet-c1a', 'subnet-c1b'],
    securityGroupIds: ['sg-c1'],
    ownerId: CONSUMER.account,
  });
}

describe('adopt and rollback', () => {
  test('an endpoint and an authorization that existed before are adopted; the authorization survives the owner’s stack', async () => {
    const { run } = await start();
    existedBefore(run);
    expect((await run.deploy(variants.base.cdkOut, OWNER_STACK)).ok).toBe(true);
    expect((await run.deploy(variants.base.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    expect(run.resourcesOf(OWNER_STACK)[ids.access].physicalResourceId).toBe('opensearch-vpc-endpoint-access:adopted:orders:333333333333');
    expect(run.resourcesOf(CONSUMER_STACK)[ids.endpoint].physicalResourceId).toBe('opensearch-vpc-endpoint:adopted:aos-existing01');
    expect(mutations(runner!)).toEqual([]);
    expect((await run.destroy(OWNER_STACK)).ok).toBe(true);
    expect(access(runner!)).toEqual(['orders:333333333333']);
  });

  test('rollbacks: the consumer’s created endpoint is deleted and the adopted one left; the owner’s made authorization is revoked and the adopted one left', async () => {
    const { run } = await start();
    existedBefore(run);
    const owner = await run.deploy(variants.rollback.cdkOut, OWNER_STACK);
    expect(owner.ok).toBe(false);
    expect(statuses(run, ids.brokenAccess, OWNER_STACK)).toContain('CREATE_FAILED');
    expect(access(runner!)).toEqual(['orders:333333333333']);

    const consumer = await run.deploy(variants.rollback.cdkOut, CONSUMER_STACK);
    expect(consumer.ok).toBe(false);
    const reason = run.events.find((e) => e.logicalId === ids.broken && e.status === 'CREATE_FAILED')?.reason ?? '';
    expect(reason).toMatch(/CreateVpcEndpoint to domain .*billing .*failed: ValidationException: .*not authorized.*VpcEndpointAccess/);
    expect(run.emulator.vpcEndpoints().map((e) => `${e.vpcEndpointId} ${e.status}`)).toEqual(['aos-existing01 ACTIVE']);
    for (const [stackName, logicalId] of [
      [CONSUMER_STACK, ids.endpoint],
      [CONSUMER_STACK, ids.second],
      [OWNER_STACK, ids.access],
      [OWNER_STACK, ids.otherAccess],
    ]) {
      expect(statuses(run, logicalId, stackName)).toEqual([
        'CREATE_IN_PROGRESS',
        'CREATE_COMPLETE',
        'DELETE_IN_PROGRESS',
        'DELETE_COMPLETE',
      ]);
    }
    // The refused CreateVpcEndpoint of billing reached the service (and changed nothing); the
    // authorization of 444444444444 and the endpoint of vpc-c2 were made, then undone.
    expect(mutations(runner!)).toEqual([
      'AuthorizeVpcEndpointAccess by 111111111111',
      'RevokeVpcEndpointAccess by 111111111111',
      'CreateVpcEndpoint by 333333333333',
      'CreateVpcEndpoint by 333333333333',
      'DeleteVpcEndpoint by 333333333333',
    ]);
  });
});

describe('faults', () => {
  test('throttling on every VPC endpoint operation: retried, each mutation made once', async () => {
    const { run } = await start();
    for (const operation of [
      'CreateVpcEndpoint',
      'DescribeVpcEndpoints',
      'ListVpcEndpoints',
      'DeleteVpcEndpoint',
      'AuthorizeVpcEndpointAccess',
      'RevokeVpcEndpointAccess',
      'ListVpcEndpointAccess',
      'ListVpcEndpointsForDomain',
    ] as const) {
      run.emulator.injectFault({ operation, kind: 'throttle', times: 2 });
    }
    expect((await run.deploy(variants.base.cdkOut, OWNER_STACK)).ok).toBe(true);
    expect((await run.deploy(variants.base.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    expect((await run.destroy(CONSUMER_STACK)).ok).toBe(true);
    expect((await run.destroy(OWNER_STACK)).ok).toBe(true);
    expect(mutations(runner!)).toEqual([
      'AuthorizeVpcEndpointAccess by 111111111111',
      'CreateVpcEndpoint by 333333333333',
      'DeleteVpcEndpoint by 333333333333',
      'RevokeVpcEndpointAccess by 111111111111',
    ]);
    expect(endpoints(runner!)).toEqual([]);
    expect(access(runner!)).toEqual([]);
  });
});

describe('crashes', () => {
  test('the framework dies right after CreateVpcEndpoint and after AuthorizeVpcEndpointAccess: each retried onEvent converges with one call', async () => {
    const { run } = await start({
      crash: [
        { when: 'onEvent', afterOperation: 'AuthorizeVpcEndpointAccess', process: 'framework' },
        { when: 'onEvent', afterOperation: 'CreateVpcEndpoint', process: 'framework' },
      ],
    });
    expect((await run.deploy(variants.base.cdkOut, OWNER_STACK)).ok).toBe(true);
    expect((await run.deploy(variants.base.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    expect(run.crashes).toHaveLength(2);
    expect(endpoints(runner!)).toEqual(['vpc-c1 subnet-c1a,subnet-c1b sg-c1 ACTIVE']);
    expect(mutations(runner!)).toEqual(['AuthorizeVpcEndpointAccess by 111111111111', 'CreateVpcEndpoint by 333333333333']);
  });

  test('our onEvent dies right after UpdateVpcEndpoint, DeleteVpcEndpoint and RevokeVpcEndpointAccess: each event fails, and done again converges with no second call', async () => {
    const { run } = await start({
      crash: [
        { when: 'onEvent', afterOperation: 'UpdateVpcEndpoint' },
        { when: 'onEvent', afterOperation: 'DeleteVpcEndpoint' },
        { when: 'onEvent', afterOperation: 'RevokeVpcEndpointAccess' },
      ],
    });
    expect((await run.deploy(variants.base.cdkOut, OWNER_STACK)).ok).toBe(true);
    expect((await run.deploy(variants.base.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    expect((await run.deploy(variants.subnets.cdkOut, CONSUMER_STACK)).ok).toBe(false);
    expect((await run.deploy(variants.subnets.cdkOut, CONSUMER_STACK)).ok).toBe(true);
    expect(endpoints(runner!)).toEqual(['vpc-c1 subnet-c1a sg-c2 ACTIVE']);
    expect((await run.destroy(CONSUMER_STACK)).ok).toBe(false);
    expect((await run.destroy(CONSUMER_STACK)).ok).toBe(true);
    expect((await run.destroy(OWNER_STACK)).ok).toBe(false);
    expect((await run.destroy(OWNER_STACK)).ok).toBe(true);
    expect(endpoints(runner!)).toEqual([]);
    expect(access(runner!)).toEqual([]);
    expect(run.crashes).toHaveLength(3);
    const counted = mutations(runner!);
    for (const operation of ['DeleteVpcEndpoint', 'RevokeVpcEndpointAccess']) {
      expect(counted.filter((m) => m.startsWith(operation))).toHaveLength(1);
    }
    // The crashed update rolled back (an Update back to the old subnets), then the deployment again: one call each.
    const updates = run.emulator
      .mutatingRequests()
      .filter((r) => r.operation === 'UpdateVpcEndpoint')
      .map((r) => (r.body as { VpcOptions: { SubnetIds: string[] } }).VpcOptions.SubnetIds.join(','));
    expect(updates).toEqual(['subnet-c1a', 'subnet-c1a,subnet-c1b', 'subnet-c1a']);
  });
});
