/**
 * The emulator's VPC endpoints and their authorizations, through the real SDK client, from the
 * consumer's and the domain owner's accounts.
 */
import {
  AuthorizeVpcEndpointAccessCommand,
  CreateVpcEndpointCommand,
  DeleteVpcEndpointCommand,
  DescribeVpcEndpointsCommand,
  ListVpcEndpointAccessCommand,
  ListVpcEndpointsCommand,
  ListVpcEndpointsForDomainCommand,
  OpenSearchClient,
  RevokeVpcEndpointAccessCommand,
  UpdateVpcEndpointCommand,
} from '@aws-sdk/client-opensearch';
import { OPENSEARCH_UI_SERVICE, OpenSearchEmulator } from '../../emulator';
import { EmulatorClients } from './clients';

const T0 = 1_700_000_000_000;
let now = T0;
const clock = () => now;
let emulator: OpenSearchEmulator;
const clients = new EmulatorClients(() => emulator.endpoint);
let owner: OpenSearchClient;
let consumer: OpenSearchClient;

const OWNER = '111111111111';
const CONSUMER = '222222222222';
const DOMAIN = 'orders';
const DOMAIN_ARN = `arn:aws:es:us-east-1:${OWNER}:domain/${DOMAIN}`;

beforeAll(async () => {
  emulator = await OpenSearchEmulator.start({ clock });
  owner = clients.of(`AKIALOCAL${OWNER}`, 'us-east-1');
  consumer = clients.of(`AKIALOCAL${CONSUMER}`, 'us-east-1');
});
afterAll(async () => {
  clients.destroyAll();
  await emulator.stop();
});
beforeEach(() => {
  now = T0;
  emulator.reset({ domains: [{ domainName: DOMAIN, ownerId: OWNER }] });
  for (const [account, prefix] of [
    [OWNER, 'o'],
    [CONSUMER, 'c'],
  ]) {
    emulator.addSubnet({ subnetId: `subnet-${prefix}a`, vpcId: `vpc-${prefix}1`, availabilityZone: 'us-east-1a', ownerId: account });
    emulator.addSubnet({ subnetId: `subnet-${prefix}b`, vpcId: `vpc-${prefix}1`, availabilityZone: 'us-east-1b', ownerId: account });
    emulator.addSubnet({ subnetId: `subnet-${prefix}c`, vpcId: `vpc-${prefix}1`, availabilityZone: 'us-east-1b', ownerId: account });
    emulator.addSubnet({ subnetId: `subnet-${prefix}x`, vpcId: `vpc-${prefix}2`, availabilityZone: 'us-east-1a', ownerId: account });
  }
  emulator.addVpcEndpointAccess(DOMAIN, CONSUMER);
});

const create = (client: OpenSearchClient, subnets = ['subnet-ca'], token?: string) =>
  client.send(
    new CreateVpcEndpointCommand({
      DomainArn: DOMAIN_ARN,
      VpcOptions: { SubnetIds: subnets, SecurityGroupIds: ['sg-1'] },
      ...(token ? { ClientToken: token } : {}),
    }),
  );
const describe1 = async (client: OpenSearchClient, id: string) =>
  (await client.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }))).VpcEndpoints?.[0];

async function failure(run: () => Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await run();
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

describe('CreateVpcEndpoint', () => {
  test('CREATING without a DNS name, then ACTIVE with one after createEndpointMs of the clock', async () => {
    emulator.setVpcEndpointTiming({ createEndpointMs: 60_000 });
    const { VpcEndpoint } = await create(consumer, ['subnet-ca', 'subnet-cb']);
    expect(VpcEndpoint).toMatchObject({
      VpcEndpointOwner: CONSUMER,
      DomainArn: DOMAIN_ARN,
      Status: 'CREATING',
      VpcOptions: { VPCId: 'vpc-c1', SubnetIds: ['subnet-ca', 'subnet-cb'], AvailabilityZones: ['us-east-1a', 'us-east-1b'] },
    });
    expect(VpcEndpoint!.VpcEndpointId).toMatch(/^aos-[a-zA-Z0-9]+$/);
    expect(VpcEndpoint!.Endpoint).toBeUndefined();
    now += 59_999;
    expect((await describe1(consumer, VpcEndpoint!.VpcEndpointId!))?.Status).toBe('CREATING');
    now += 1;
    const active = await describe1(consumer, VpcEndpoint!.VpcEndpointId!);
    expect(active?.Status).toBe('ACTIVE');
    expect(active?.Endpoint).toMatch(/^aos-[a-z0-9-]+\.us-east-1\.es\.amazonaws\.com$/);
  });

  test('the same ClientToken answers with the endpoint it made, never a second one', async () => {
    const first = await create(consumer, ['subnet-ca'], 'token-1');
    const again = await create(consumer, ['subnet-ca'], 'token-1');
    expect(again.VpcEndpoint?.VpcEndpointId).toBe(first.VpcEndpoint?.VpcEndpointId);
    expect(emulator.vpcEndpoints()).toHaveLength(1);
    const other = await create(consumer, ['subnet-ca'], 'token-2');
    expect(other.VpcEndpoint?.VpcEndpointId).not.toBe(first.VpcEndpoint?.VpcEndpointId);
  });

  test('an account the domain owner has not authorized is refused; the owner itself needs no authorization', async () => {
    const stranger = clients.of('AKIALOCAL333333333333', 'us-east-1');
    emulator.addSubnet({ subnetId: 'subnet-sa', vpcId: 'vpc-s1', availabilityZone: 'us-east-1a', ownerId: '333333333333' });
    const refused = await failure(() => create(stranger, ['subnet-sa']));
    expect(refused).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(refused.message).toContain('not authorized');
    expect(emulator.vpcEndpoints()).toHaveLength(0);
    expect((await create(owner, ['subnet-oa'])).VpcEndpoint?.VpcEndpointOwner).toBe(OWNER);
  });

  test('subnets: unknown, in two VPCs, or two in one zone are refused (ValidationException)', async () => {
    for (const subnets of [['subnet-nope'], ['subnet-ca', 'subnet-cx'], ['subnet-cb', 'subnet-cc'], ['subnet-oa']]) {
      expect(await failure(() => create(consumer, subnets))).toMatchObject({ name: 'ValidationException', status: 400 });
    }
    expect(emulator.vpcEndpoints()).toHaveLength(0);
  });

  test('an unknown domain and a malformed ARN are refused', async () => {
    const unknown = await failure(() =>
      consumer.send(
        new CreateVpcEndpointCommand({ DomainArn: `arn:aws:es:us-east-1:${OWNER}:domain/nope`, VpcOptions: { SubnetIds: ['subnet-ca'] } }),
      ),
    );
    expect(unknown.name).toBe('ValidationException');
    const malformed = await failure(() =>
      consumer.send(new CreateVpcEndpointCommand({ DomainArn: 'orders', VpcOptions: { SubnetIds: ['subnet-ca'] } })),
    );
    expect(malformed).toMatchObject({ name: 'ValidationException', status: 400 });
  });

  test('at most 10 endpoints per domain: LimitExceededException (409)', async () => {
    for (let i = 0; i < 10; i++) await create(consumer);
    expect(await failure(() => create(consumer))).toMatchObject({ name: 'LimitExceededException', status: 409 });
  });

  test('failVpcEndpointCreate: the creation settles CREATE_FAILED', async () => {
    emulator.failVpcEndpointCreate();
    const { VpcEndpoint } = await create(consumer);
    expect((await describe1(consumer, VpcEndpoint!.VpcEndpointId!))?.Status).toBe('CREATE_FAILED');
  });
});

describe('DescribeVpcEndpoints', () => {
  test('unknown ids and other accounts’ endpoints come back as VpcEndpointErrors ENDPOINT_NOT_FOUND', async () => {
    const mine = (await create(consumer)).VpcEndpoint!.VpcEndpointId!;
    const theirs = (await create(owner, ['subnet-oa'])).VpcEndpoint!.VpcEndpointId!;
    const answer = await consumer.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [mine, theirs, 'aos-unknown'] }));
    expect(answer.VpcEndpoints?.map((e) => e.VpcEndpointId)).toEqual([mine]);
    expect(answer.VpcEndpointErrors).toEqual([
      expect.objectContaining({ VpcEndpointId: theirs, ErrorCode: 'ENDPOINT_NOT_FOUND' }),
      expect.objectContaining({ VpcEndpointId: 'aos-unknown', ErrorCode: 'ENDPOINT_NOT_FOUND' }),
    ]);
  });
});

describe('UpdateVpcEndpoint and DeleteVpcEndpoint', () => {
  test('UPDATING, then ACTIVE with the new subnets and security groups', async () => {
    emulator.setVpcEndpointTiming({ updateEndpointMs: 30_000 });
    const id = (await create(consumer)).VpcEndpoint!.VpcEndpointId!;
    const updated = await consumer.send(
      new UpdateVpcEndpointCommand({
        VpcEndpointId: id,
        VpcOptions: { SubnetIds: ['subnet-ca', 'subnet-cb'], SecurityGroupIds: ['sg-2'] },
      }),
    );
    expect(updated.VpcEndpoint?.Status).toBe('UPDATING');
    expect(await failure(() => consumer.send(new UpdateVpcEndpointCommand({ VpcEndpointId: id, VpcOptions: {} })))).toMatchObject({
      name: 'ConflictException',
      status: 409,
    });
    now += 30_000;
    expect(await describe1(consumer, id)).toMatchObject({
      Status: 'ACTIVE',
      VpcOptions: { SubnetIds: ['subnet-ca', 'subnet-cb'], SecurityGroupIds: ['sg-2'] },
    });
  });

  test('an update to another VPC is refused; failVpcEndpointUpdate ends UPDATE_FAILED with the old options', async () => {
    const id = (await create(consumer)).VpcEndpoint!.VpcEndpointId!;
    const otherVpc = await failure(() =>
      consumer.send(new UpdateVpcEndpointCommand({ VpcEndpointId: id, VpcOptions: { SubnetIds: ['subnet-cx'] } })),
    );
    expect(otherVpc.name).toBe('ValidationException');
    emulator.failVpcEndpointUpdate(id);
    await consumer.send(new UpdateVpcEndpointCommand({ VpcEndpointId: id, VpcOptions: { SubnetIds: ['subnet-cb'] } }));
    expect(await describe1(consumer, id)).toMatchObject({ Status: 'UPDATE_FAILED', VpcOptions: { SubnetIds: ['subnet-ca'] } });
  });

  test('DELETING, then gone; an unknown or foreign id is ResourceNotFoundException (409)', async () => {
    emulator.setVpcEndpointTiming({ deleteEndpointMs: 10_000 });
    const id = (await create(consumer)).VpcEndpoint!.VpcEndpointId!;
    const { VpcEndpointSummary } = await consumer.send(new DeleteVpcEndpointCommand({ VpcEndpointId: id }));
    expect(VpcEndpointSummary).toEqual({ VpcEndpointId: id, VpcEndpointOwner: CONSUMER, DomainArn: DOMAIN_ARN, Status: 'DELETING' });
    now += 10_000;
    expect(emulator.vpcEndpoint(id)).toBeUndefined();
    expect(await failure(() => consumer.send(new DeleteVpcEndpointCommand({ VpcEndpointId: id })))).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 409,
    });
    const theirs = (await create(owner, ['subnet-oa'])).VpcEndpoint!.VpcEndpointId!;
    expect((await failure(() => consumer.send(new DeleteVpcEndpointCommand({ VpcEndpointId: theirs })))).name).toBe(
      'ResourceNotFoundException',
    );
  });
});

describe('the List operations', () => {
  test('ListVpcEndpoints pages the caller’s endpoints only; NextToken is empty on the last page', async () => {
    emulator.addVpcEndpointAccess('orders', CONSUMER);
    emulator.addDomain({ domainName: 'billing', ownerId: OWNER });
    emulator.addVpcEndpointAccess('billing', CONSUMER);
    for (let i = 0; i < 8; i++) await create(consumer);
    for (let i = 0; i < 5; i++) {
      await consumer.send(
        new CreateVpcEndpointCommand({
          DomainArn: `arn:aws:es:us-east-1:${OWNER}:domain/billing`,
          VpcOptions: { SubnetIds: ['subnet-ca'] },
        }),
      );
    }
    await create(owner, ['subnet-oa']);
    const first = await consumer.send(new ListVpcEndpointsCommand({}));
    expect(first.VpcEndpointSummaryList).toHaveLength(10);
    expect(first.NextToken).not.toBe('');
    const second = await consumer.send(new ListVpcEndpointsCommand({ NextToken: first.NextToken }));
    expect(second.VpcEndpointSummaryList).toHaveLength(3);
    expect(second.NextToken).toBe('');
    expect([...first.VpcEndpointSummaryList!, ...second.VpcEndpointSummaryList!].every((s) => s.VpcEndpointOwner === CONSUMER)).toBe(true);
  });

  test('ListVpcEndpointsForDomain: the domain owner sees every account’s endpoints; anyone else gets ResourceNotFoundException', async () => {
    const theirs = (await create(consumer)).VpcEndpoint!.VpcEndpointId!;
    const mine = (await create(owner, ['subnet-oa'])).VpcEndpoint!.VpcEndpointId!;
    const listed = await owner.send(new ListVpcEndpointsForDomainCommand({ DomainName: DOMAIN }));
    expect(listed.VpcEndpointSummaryList?.map((s) => [s.VpcEndpointId, s.VpcEndpointOwner])).toEqual([
      [theirs, CONSUMER],
      [mine, OWNER],
    ]);
    expect(listed.NextToken).toBe('');
    expect((await failure(() => consumer.send(new ListVpcEndpointsForDomainCommand({ DomainName: DOMAIN })))).name).toBe(
      'ResourceNotFoundException',
    );
  });
});

describe('Authorize, Revoke and ListVpcEndpointAccess', () => {
  test('authorize an account and the OpenSearch UI service, list them, revoke one', async () => {
    const authorized = await owner.send(new AuthorizeVpcEndpointAccessCommand({ DomainName: DOMAIN, Account: '444444444444' }));
    expect(authorized.AuthorizedPrincipal).toEqual({ PrincipalType: 'AWS_ACCOUNT', Principal: '444444444444' });
    await owner.send(new AuthorizeVpcEndpointAccessCommand({ DomainName: DOMAIN, Service: OPENSEARCH_UI_SERVICE }));
    const listed = await owner.send(new ListVpcEndpointAccessCommand({ DomainName: DOMAIN }));
    expect(listed.AuthorizedPrincipalList).toEqual([
      { PrincipalType: 'AWS_ACCOUNT', Principal: CONSUMER },
      { PrincipalType: 'AWS_ACCOUNT', Principal: '444444444444' },
      { PrincipalType: 'AWS_SERVICE', Principal: OPENSEARCH_UI_SERVICE },
    ]);
    expect(listed.NextToken).toBe('');
    await owner.send(new RevokeVpcEndpointAccessCommand({ DomainName: DOMAIN, Account: '444444444444' }));
    expect(emulator.vpcEndpointAccess().map((a) => a.principal)).toEqual([CONSUMER, OPENSEARCH_UI_SERVICE]);
    expect(
      await failure(() => owner.send(new RevokeVpcEndpointAccessCommand({ DomainName: DOMAIN, Account: '444444444444' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 409 });
  });

  test('revoking leaves the endpoints already made; the account may make no new one', async () => {
    const id = (await create(consumer)).VpcEndpoint!.VpcEndpointId!;
    await owner.send(new RevokeVpcEndpointAccessCommand({ DomainName: DOMAIN, Account: CONSUMER }));
    expect(emulator.vpcEndpoint(id)?.status).toBe('ACTIVE');
    expect((await failure(() => create(consumer))).name).toBe('ValidationException');
  });

  test('only the domain owner may authorize; exactly one of Account or Service; at most 10 principals', async () => {
    expect(
      (await failure(() => consumer.send(new AuthorizeVpcEndpointAccessCommand({ DomainName: DOMAIN, Account: '555555555555' })))).name,
    ).toBe('ResourceNotFoundException');
    expect(
      await failure(() =>
        owner.send(new AuthorizeVpcEndpointAccessCommand({ DomainName: DOMAIN, Account: '555555555555', Service: OPENSEARCH_UI_SERVICE })),
      ),
    ).toMatchObject({ name: 'ValidationException', status: 400 });
    expect((await failure(() => owner.send(new AuthorizeVpcEndpointAccessCommand({ DomainName: DOMAIN })))).name).toBe(
      'ValidationException',
    );
    for (let i = 0; i < 9; i++) {
      await owner.send(new AuthorizeVpcEndpointAccessCommand({ DomainName: DOMAIN, Account: `60000000000${i}` }));
    }
    expect(
      await failure(() => owner.send(new AuthorizeVpcEndpointAccessCommand({ DomainName: DOMAIN, Account: '700000000000' }))),
    ).toMatchObject({ name: 'LimitExceededException', status: 409 });
  });
});

describe('errors are those botocore’s model lists for each operation', () => {
  test('a foreign NextToken: BaseException (the List operations model no ValidationException)', async () => {
    expect(await failure(() => consumer.send(new ListVpcEndpointsCommand({ NextToken: 'garbage' })))).toMatchObject({
      name: 'BaseException',
      status: 400,
    });
  });

  test('a malformed domain name or endpoint id where the model has no ValidationException: ResourceNotFoundException', async () => {
    expect((await failure(() => owner.send(new ListVpcEndpointAccessCommand({ DomainName: 'Not_A_Name' })))).name).toBe(
      'ResourceNotFoundException',
    );
    expect((await failure(() => owner.send(new ListVpcEndpointsForDomainCommand({ DomainName: 'Not_A_Name' })))).name).toBe(
      'ResourceNotFoundException',
    );
    expect((await failure(() => consumer.send(new DeleteVpcEndpointCommand({ VpcEndpointId: 'not-an-id' })))).name).toBe(
      'ResourceNotFoundException',
    );
    expect((await failure(() => consumer.send(new UpdateVpcEndpointCommand({ VpcEndpointId: 'not-an-id', VpcOptions: {} })))).name).toBe(
      'ValidationException',
    );
  });
});

describe('faults and the request log', () => {
  test('faults hit the VPC endpoint operations like the others; only handled mutations count', async () => {
    emulator.injectFault({ operation: 'CreateVpcEndpoint', kind: 'throttle', times: 1 });
    expect((await failure(() => create(consumer))).name).toBe('ThrottlingException');
    await create(consumer);
    emulator.injectFault({ operation: 'ListVpcEndpointAccess', kind: 'access-denied', times: 1 });
    expect((await failure(() => owner.send(new ListVpcEndpointAccessCommand({ DomainName: DOMAIN })))).name).toBe('AccessDeniedException');
    expect(emulator.mutatingRequests().map((r) => [r.operation, r.caller?.account])).toEqual([['CreateVpcEndpoint', CONSUMER]]);
  });
});
