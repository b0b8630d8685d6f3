/**
 * VpcEndpointAccess's handler against the emulator: the handler is the domain owner, account
 * 111111111111 in us-east-1; the consumer is account 222222222222.
 */
import { CreateVpcEndpointCommand, DeleteVpcEndpointCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { event, passTime, run, seed, useEmulator } from './harness';

const { emulator } = useEmulator();
const TYPE = 'Custom::OpenSearchVpcEndpointAccess';
const CONSUMER = '222222222222';
const UI = 'application.opensearchservice.amazonaws.com';
const CREATED = (principal: string) => `opensearch-vpc-endpoint-access:created:orders:${principal}`;
const ADOPTED = (principal: string) => `opensearch-vpc-endpoint-access:adopted:orders:${principal}`;
const props = (extra: Record<string, unknown> = {}) => ({ DomainName: 'orders', Account: CONSUMER, ...extra });

const mutated = () =>
  emulator()
    .mutatingRequests()
    .map((r) => r.operation);
const principals = () =>
  emulator()
    .vpcEndpointAccess()
    .map((a) => a.principal);

function world(): void {
  seed(emulator(), { domains: [{ domainName: 'orders' }, { domainName: 'billing' }] });
  emulator().addSubnet({ subnetId: 'subnet-c1', vpcId: 'vpc-c1', availabilityZone: 'us-east-1a', ownerId: CONSUMER });
}

let consumerClient: OpenSearchClient | undefined;
function consumer(): OpenSearchClient {
  consumerClient ??= new OpenSearchClient({
    endpoint: emulator().endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: `AKIALOCAL${CONSUMER}`, secretAccessKey: 'x' },
  });
  return consumerClient;
}
afterAll(() => consumerClient?.destroy());

async function consumerEndpoint(): Promise<string> {
  const made = await consumer().send(
    new CreateVpcEndpointCommand({
      DomainArn: 'arn:aws:es:us-east-1:111111111111:domain/orders',
      VpcOptions: { SubnetIds: ['subnet-c1'] },
    }),
  );
  return made.VpcEndpoint!.VpcEndpointId!;
}

describe('VpcEndpointAccess handler', () => {
  test('Create: AuthorizeVpcEndpointAccess once; recorded as created', async () => {
    world();
    const outcome = await run(event(TYPE, 'Create', props()));
    expect(outcome.physicalResourceId).toBe(CREATED(CONSUMER));
    expect(mutated()).toEqual(['AuthorizeVpcEndpointAccess']);
    expect(emulator().requests.find((r) => r.operation === 'AuthorizeVpcEndpointAccess')?.body).toEqual({ Account: CONSUMER });
    expect(principals()).toEqual([CONSUMER]);
  });

  test('Create for the OpenSearch UI service principal', async () => {
    world();
    const outcome = await run(event(TYPE, 'Create', { DomainName: 'orders', Service: UI }));
    expect(outcome.physicalResourceId).toBe(CREATED(UI));
    expect(emulator().vpcEndpointAccess()).toEqual([{ domainName: 'orders', principalType: 'AWS_SERVICE', principal: UI }]);
  });

  test('an authorization that existed before is adopted, and its Delete never revokes it', async () => {
    world();
    emulator().addVpcEndpointAccess('orders', CONSUMER);
    const outcome = await run(event(TYPE, 'Create', props()));
    expect(outcome.physicalResourceId).toBe(ADOPTED(CONSUMER));
    const deleted = await run(event(TYPE, 'Delete', props(), { physicalResourceId: outcome.physicalResourceId }));
    expect(deleted.data.Note).toMatch(/was there before this resource and is never revoked by it/);
    expect(mutated()).toEqual([]);
    expect(principals()).toEqual([CONSUMER]);
  });

  test('crash point: a Create retried after its Authorize landed adopts, with no second call', async () => {
    world();
    await run(event(TYPE, 'Create', props()));
    const retried = await run(event(TYPE, 'Create', props()));
    expect(retried.physicalResourceId).toBe(ADOPTED(CONSUMER));
    expect(mutated()).toEqual(['AuthorizeVpcEndpointAccess']);
  });

  test('an Authorize whose answer was lost is found at the next poll and recorded as created', async () => {
    world();
    emulator().injectFault({ operation: 'AuthorizeVpcEndpointAccess', kind: 'drop', times: 1 });
    emulator().injectFault({ operation: 'AuthorizeVpcEndpointAccess', kind: 'throttle', times: 3 });
    const outcome = await run(event(TYPE, 'Create', props()));
    expect(outcome.physicalResourceId).toBe(CREATED(CONSUMER));
    expect(principals()).toEqual([CONSUMER]);
  });

  test('a domain of another account or region: the service’s ResourceNotFoundException, with what to do', async () => {
    world();
    await expect(run(event(TYPE, 'Create', props({ DomainName: 'elsewhere' })))).rejects.toThrow(
      /ListVpcEndpointAccess of account 222222222222 to domain elsewhere failed: ResourceNotFoundException: .*must be in the account and region of this stack/,
    );
  });

  test('Update: another account is a replacement (authorize it); only allowRevokeWhileInUse changes nothing', async () => {
    world();
    const { physicalResourceId } = await run(event(TYPE, 'Create', props()));
    emulator().clearRequests();
    await run(event(TYPE, 'Update', props({ AllowRevokeWhileInUse: 'true' }), { physicalResourceId, oldProperties: props() }));
    expect(mutated()).toEqual([]);
    const replaced = await run(event(TYPE, 'Update', props({ Account: '333333333333' }), { physicalResourceId, oldProperties: props() }));
    expect(replaced.physicalResourceId).toBe(CREATED('333333333333'));
    expect(principals()).toEqual([CONSUMER, '333333333333']);
  });

  describe('Delete', () => {
    test('RevokeVpcEndpointAccess of what it authorized', async () => {
      world();
      const { physicalResourceId } = await run(event(TYPE, 'Create', props()));
      await run(event(TYPE, 'Delete', props(), { physicalResourceId }));
      expect(mutated()).toEqual(['AuthorizeVpcEndpointAccess', 'RevokeVpcEndpointAccess']);
      expect(principals()).toEqual([]);
    });

    test('the account still has an endpoint to the domain: fail naming it, nothing revoked', async () => {
      world();
      const { physicalResourceId } = await run(event(TYPE, 'Create', props()));
      const endpoint = await consumerEndpoint();
      await expect(run(event(TYPE, 'Delete', props(), { physicalResourceId }))).rejects.toThrow(
        new RegExp(
          `Account ${CONSUMER} still has VPC endpoints to domain orders: ${endpoint} \\(ACTIVE\\); nothing was revoked.*allowRevokeWhileInUse`,
        ),
      );
      expect(principals()).toEqual([CONSUMER]);
    });

    test('allowRevokeWhileInUse: revoked although the endpoint is there (it stays)', async () => {
      world();
      const { physicalResourceId } = await run(event(TYPE, 'Create', props()));
      const endpoint = await consumerEndpoint();
      await run(event(TYPE, 'Delete', props({ AllowRevokeWhileInUse: 'true' }), { physicalResourceId }));
      expect(principals()).toEqual([]);
      expect(emulator().vpcEndpoint(endpoint)?.status).toBe('ACTIVE');
    });

    test('the account’s endpoint is being deleted: wait until it is gone, then revoke', async () => {
      world();
      emulator().setVpcEndpointTiming({ deleteEndpointMs: 60 });
      const { physicalResourceId } = await run(event(TYPE, 'Create', props()));
      const endpoint = await consumerEndpoint();
      passTime(1);
      await consumer().send(new DeleteVpcEndpointCommand({ VpcEndpointId: endpoint }));
      const outcome = await run(event(TYPE, 'Delete', props(), { physicalResourceId }));
      expect(outcome.polls).toBeGreaterThan(3);
      expect(principals()).toEqual([]);
    });

    test('already revoked, or the domain gone: success with no call that changes anything', async () => {
      world();
      await run(event(TYPE, 'Delete', props(), { physicalResourceId: CREATED(CONSUMER) }));
      emulator().addVpcEndpointAccess('orders', CONSUMER);
      emulator().removeDomain('orders');
      await run(event(TYPE, 'Delete', props(), { physicalResourceId: CREATED(CONSUMER) }));
      expect(mutated()).toEqual([]);
    });
  });
});
