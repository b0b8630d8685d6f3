/**
 * DomainVpcEndpoint's handler against the emulator: the handler is the consumer, account
 * 111111111111 in us-east-1 (the test credentials); the domain belongs to account 222222222222.
 */
import { CreateVpcEndpointCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { onEvent } from '../../lambda';
import { OpenSearchEmulator } from '../../emulator';
import { CREATE_FAILED_MARKER, STACK_ID, event, run, seed, useEmulator } from './harness';
import { vpcEndpointClientToken } from '../../lib/private/contracts/vpc-endpoint';

const { emulator, stack } = useEmulator();
const TYPE = 'Custom::OpenSearchVpcEndpoint';
const CONSUMER = '111111111111';
const OWNER = '222222222222';
const DOMAIN_ARN = `arn:aws:es:us-east-1:${OWNER}:domain/orders`;
const OTHER_DOMAIN_ARN = `arn:aws:es:us-east-1:${OWNER}:domain/billing`;
const CREATED = (id: string) => `opensearch-vpc-endpoint:created:${id}`;
const ADOPTED = (id: string) => `opensearch-vpc-endpoint:adopted:${id}`;

const props = (extra: Record<string, unknown> = {}) => ({
  DomainArn: DOMAIN_ARN,
  VpcId: 'vpc-a1',
  SubnetIds: ['subnet-a1', 'subnet-b1'],
  SecurityGroupIds: ['sg-1'],
  TimeoutSeconds: 600,
  ...extra,
});

function world(e: OpenSearchEmulator, timing = {}): void {
  seed(e, {
    domains: [
      { domainName: 'orders', ownerId: OWNER },
      { domainName: 'billing', ownerId: OWNER },
    ],
  });
  e.setVpcEndpointTiming(timing);
  for (const [subnetId, vpcId, zone] of [
    ['subnet-a1', 'vpc-a1', 'us-east-1a'],
    ['subnet-b1', 'vpc-a1', 'us-east-1b'],
    ['subnet-c1', 'vpc-a1', 'us-east-1c'],
    ['subnet-a2', 'vpc-a2', 'us-east-1a'],
  ]) {
    e.addSubnet({ subnetId, vpcId, availabilityZone: zone, ownerId: CONSUMER });
  }
  e.addVpcEndpointAccess('orders', CONSUMER);
  e.addVpcEndpointAccess('billing', CONSUMER);
}

const mutated = () =>
  emulator()
    .mutatingRequests()
    .map((r) => r.operation);
const endpoints = () =>
  emulator()
    .vpcEndpoints()
    .map((e) => `${e.vpcEndpointId}=${e.status}`);

async function existingEndpoint(subnets = ['subnet-a1', 'subnet-b1'], groups = ['sg-1']): Promise<string> {
  const client = new OpenSearchClient({ endpoint: emulator().endpoint, region: 'us-east-1' });
  try {
    const made = await client.send(
      new CreateVpcEndpointCommand({ DomainArn: DOMAIN_ARN, VpcOptions: { SubnetIds: subnets, SecurityGroupIds: groups } }),
    );
    return made.VpcEndpoint!.VpcEndpointId!;
  } finally {
    client.destroy();
  }
}

describe('DomainVpcEndpoint handler', () => {
  describe('Create', () => {
    test('none exists: CreateVpcEndpoint once with the resource’s ClientToken, wait CREATING → ACTIVE, report id, DNS name and status', async () => {
      world(emulator(), { createEndpointMs: 50 });
      const outcome = await run(event(TYPE, 'Create', props()));
      const [made] = emulator().vpcEndpoints();
      expect(outcome.handover.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
      expect(outcome.polls).toBeGreaterThan(2);
      expect(outcome.physicalResourceId).toBe(CREATED(made.vpcEndpointId));
      expect(outcome.data).toEqual({ VpcEndpointId: made.vpcEndpointId, Endpoint: made.endpoint, Status: 'ACTIVE' });
      expect(made).toMatchObject({ ownerId: CONSUMER, vpcId: 'vpc-a1', subnetIds: ['subnet-a1', 'subnet-b1'], securityGroupIds: ['sg-1'] });
      expect(mutated()).toEqual(['CreateVpcEndpoint']);
      const body = emulator().requests.find((r) => r.operation === 'CreateVpcEndpoint')!.body;
      expect(body).toEqual({
        DomainArn: DOMAIN_ARN,
        VpcOptions: { SubnetIds: ['subnet-a1', 'subnet-b1'], SecurityGroupIds: ['sg-1'] },
        ClientToken: vpcEndpointClientToken(STACK_ID, 'Resource', DOMAIN_ARN, 'vpc-a1'),
      });
    });

    test('an endpoint of this account to the domain in the VPC exists: adopted, recorded as adopted, no call that changes anything', async () => {
      world(emulator());
      const existing = await existingEndpoint();
      emulator().clearRequests();
      const outcome = await run(event(TYPE, 'Create', props()));
      expect(outcome.physicalResourceId).toBe(ADOPTED(existing));
      expect(mutated()).toEqual([]);
    });

    test('an existing endpoint of the VPC with other subnets is not adopted, nor changed: the Create fails saying so', async () => {
      world(emulator());
      const existing = await existingEndpoint(['subnet-a1']);
      emulator().clearRequests();
      await expect(run(event(TYPE, 'Create', props()))).rejects.toThrow(
        new RegExp(`VPC endpoint ${existing} of this account already connects vpc-a1 .*subnets subnet-a1,.*nothing was changed`),
      );
      expect(mutated()).toEqual([]);
      expect(emulator().vpcEndpoint(existing)?.subnetIds).toEqual(['subnet-a1']);
    });

    test('an endpoint of another VPC or another domain is not adopted', async () => {
      world(emulator());
      await existingEndpoint(['subnet-a2']);
      emulator().clearRequests();
      const outcome = await run(event(TYPE, 'Create', props()));
      expect(outcome.physicalResourceId).toMatch(/^opensearch-vpc-endpoint:created:/);
      expect(mutated()).toEqual(['CreateVpcEndpoint']);
    });

    test('crash point: a Create that died after CreateVpcEndpoint was accepted is retried: no second endpoint', async () => {
      world(emulator(), { createEndpointMs: 1_000_000 });
      const request = event(TYPE, 'Create', props());
      const first = await onEvent(request);
      const [made] = emulator().vpcEndpoints();
      expect(first.FinalPhysicalResourceId).toBe(CREATED(made.vpcEndpointId));
      const retried = await onEvent(request);
      expect(retried.FinalPhysicalResourceId).toBe(ADOPTED(made.vpcEndpointId));
      expect(endpoints()).toEqual([`${made.vpcEndpointId}=CREATING`]);
      expect(mutated()).toEqual(['CreateVpcEndpoint']);
    });

    test('a CreateVpcEndpoint whose answer was lost (500 after the SDK’s retries) is sent again with the same token at the next poll: one endpoint, recorded as created', async () => {
      world(emulator());
      emulator().injectFault({ operation: 'CreateVpcEndpoint', kind: 'internal', times: 4 });
      const outcome = await run(event(TYPE, 'Create', props()));
      const [made] = emulator().vpcEndpoints();
      expect(outcome.physicalResourceId).toBe(CREATED(made.vpcEndpointId));
      expect(emulator().vpcEndpoints()).toHaveLength(1);
    });

    test('CREATE_FAILED: the endpoint this Create made is deleted, then the Create fails in one line', async () => {
      world(emulator(), { createEndpointMs: 20 });
      emulator().failVpcEndpointCreate();
      const failure = run(event(TYPE, 'Create', props()));
      await expect(failure).rejects.toThrow(
        /VPC endpoint aos-[a-z0-9]+ \(to domain .*orders in vpc-a1\) is CREATE_FAILED .*being deleted\. Check that the subnets/,
      );
      expect(mutated()).toEqual(['CreateVpcEndpoint', 'DeleteVpcEndpoint']);
      expect(emulator().vpcEndpoints()).toEqual([]);
    });

    test('the domain owner has not authorized this account: the service’s refusal, with what to do', async () => {
      world(emulator());
      emulator().reset({ domains: [{ domainName: 'orders', ownerId: OWNER }] });
      emulator().addSubnet({ subnetId: 'subnet-a1', vpcId: 'vpc-a1', availabilityZone: 'us-east-1a' });
      emulator().addSubnet({ subnetId: 'subnet-b1', vpcId: 'vpc-a1', availabilityZone: 'us-east-1b' });
      await expect(run(event(TYPE, 'Create', props()))).rejects.toThrow(
        /CreateVpcEndpoint to domain .* failed: ValidationException: .*not authorized.*account 222222222222\) has authorized this account with a VpcEndpointAccess/,
      );
      expect(emulator().vpcEndpoints()).toEqual([]);
    });

    test('invalid properties fail at once, with nothing called', async () => {
      world(emulator());
      await expect(run(event(TYPE, 'Create', props({ SubnetIds: [] })))).rejects.toThrow(/SubnetIds must be a list of at least 1 ids/);
      await expect(run(event(TYPE, 'Create', props({ DomainArn: 'orders' })))).rejects.toThrow(
        /DomainArn must be an OpenSearch domain ARN/,
      );
      expect(emulator().requests).toEqual([]);
    });
  });

  describe('Update', () => {
    async function created(timing = {}): Promise<{ id: string; physicalResourceId: string }> {
      world(emulator(), timing);
      const outcome = await run(event(TYPE, 'Create', props()));
      emulator().clearRequests();
      return { id: outcome.data.VpcEndpointId, physicalResourceId: outcome.physicalResourceId };
    }

    test('new subnets and security groups: UpdateVpcEndpoint once, wait UPDATING → ACTIVE, same physical id', async () => {
      const { id, physicalResourceId } = await created({ updateEndpointMs: 40 });
      const newProps = props({ SubnetIds: ['subnet-a1', 'subnet-b1', 'subnet-c1'], SecurityGroupIds: ['sg-2'] });
      const outcome = await run(event(TYPE, 'Update', newProps, { physicalResourceId, oldProperties: props() }));
      expect(outcome.physicalResourceId).toBe(physicalResourceId);
      expect(outcome.polls).toBeGreaterThan(2);
      expect(mutated()).toEqual(['UpdateVpcEndpoint']);
      expect(emulator().vpcEndpoint(id)).toMatchObject({
        status: 'ACTIVE',
        subnetIds: ['subnet-a1', 'subnet-b1', 'subnet-c1'],
        securityGroupIds: ['sg-2'],
      });
    });

    test('an endpoint still CREATING is waited for, then updated once', async () => {
      world(emulator(), { createEndpointMs: 1_000_000 });
      const first = await onEvent(event(TYPE, 'Create', props()));
      const [made] = emulator().vpcEndpoints();
      emulator().clearRequests();
      const newProps = props({ SubnetIds: ['subnet-a1'] });
      let released = false;
      const outcome = await run(
        event(TYPE, 'Update', newProps, { physicalResourceId: first.FinalPhysicalResourceId, oldProperties: props() }),
        {
          beforePoll: (e, poll) => {
            if (poll === 3 && !released) {
              released = true;
              emulator().setVpcEndpointTiming({ createEndpointMs: 0 });
            }
            return e;
          },
        },
      );
      expect(outcome.polls).toBeGreaterThanOrEqual(3);
      expect(mutated()).toEqual(['UpdateVpcEndpoint']);
      expect(emulator().vpcEndpoint(made.vpcEndpointId)).toMatchObject({ status: 'ACTIVE', subnetIds: ['subnet-a1'] });
    });

    test('UPDATE_FAILED fails with what the endpoint kept', async () => {
      const { id, physicalResourceId } = await created();
      emulator().failVpcEndpointUpdate(id);
      const newProps = props({ SubnetIds: ['subnet-a1'] });
      await expect(run(event(TYPE, 'Update', newProps, { physicalResourceId, oldProperties: props() }))).rejects.toThrow(
        new RegExp(`UpdateVpcEndpoint ${id} ended UPDATE_FAILED .*keeps subnets subnet-a1, subnet-b1`),
      );
      expect(mutated()).toEqual(['UpdateVpcEndpoint']);
    });

    test('a new domain is a replacement: a new endpoint with a new ClientToken, the old one untouched', async () => {
      const { id, physicalResourceId } = await created();
      const outcome = await run(
        event(TYPE, 'Update', props({ DomainArn: OTHER_DOMAIN_ARN }), { physicalResourceId, oldProperties: props() }),
      );
      expect(outcome.physicalResourceId).not.toBe(physicalResourceId);
      expect(outcome.physicalResourceId).toMatch(/^opensearch-vpc-endpoint:created:/);
      expect(mutated()).toEqual(['CreateVpcEndpoint']);
      expect(emulator().vpcEndpoint(id)?.status).toBe('ACTIVE');
      expect((emulator().requests.find((r) => r.operation === 'CreateVpcEndpoint')!.body as { ClientToken: string }).ClientToken).toBe(
        vpcEndpointClientToken(STACK_ID, 'Resource', OTHER_DOMAIN_ARN, 'vpc-a1'),
      );
    });

    test('a new VPC is a replacement too', async () => {
      const { physicalResourceId } = await created();
      const outcome = await run(
        event(TYPE, 'Update', props({ VpcId: 'vpc-a2', SubnetIds: ['subnet-a2'] }), { physicalResourceId, oldProperties: props() }),
      );
      expect(outcome.physicalResourceId).not.toBe(physicalResourceId);
      expect(
        emulator()
          .vpcEndpoints()
          .map((e) => e.vpcId),
      ).toEqual(['vpc-a1', 'vpc-a2']);
    });

    test('only the timeout, or the same lists in another order: no call that changes anything', async () => {
      const { physicalResourceId } = await created();
      await run(
        event(TYPE, 'Update', props({ TimeoutSeconds: 900, SubnetIds: ['subnet-b1', 'subnet-a1'] }), {
          physicalResourceId,
          oldProperties: props(),
        }),
      );
      expect(mutated()).toEqual([]);
    });
  });

  describe('Delete', () => {
    test('DeleteVpcEndpoint once, wait until the service no longer knows it', async () => {
      world(emulator(), { deleteEndpointMs: 40 });
      const { physicalResourceId, data } = await run(event(TYPE, 'Create', props()));
      emulator().clearRequests();
      const outcome = await run(event(TYPE, 'Delete', props(), { physicalResourceId }));
      expect(outcome.polls).toBeGreaterThan(2);
      expect(mutated()).toEqual(['DeleteVpcEndpoint']);
      expect(emulator().vpcEndpoint(data.VpcEndpointId)).toBeUndefined();
    });

    test('already gone: success, no call that changes anything', async () => {
      world(emulator());
      await run(event(TYPE, 'Delete', props(), { physicalResourceId: CREATED('aos-gone000000') }));
      expect(mutated()).toEqual([]);
    });

    test('in a rollback, an adopted endpoint is left alone; a created one is deleted', async () => {
      world(emulator());
      const existing = await existingEndpoint();
      stack().status = 'ROLLBACK_IN_PROGRESS';
      emulator().clearRequests();
      const outcome = await run(event(TYPE, 'Delete', props(), { physicalResourceId: ADOPTED(existing) }));
      expect(outcome.data.Note).toMatch(/stack is rolling back \(ROLLBACK_IN_PROGRESS\): VPC endpoint .* left as it is/);
      expect(mutated()).toEqual([]);
      await run(event(TYPE, 'Delete', props(), { physicalResourceId: CREATED(existing) }));
      expect(mutated()).toEqual(['DeleteVpcEndpoint']);
      expect(emulator().vpcEndpoints()).toEqual([]);
    });

    test('outside a rollback, an adopted endpoint is deleted (the stack now owns it)', async () => {
      world(emulator());
      const existing = await existingEndpoint();
      stack().status = 'DELETE_IN_PROGRESS';
      await run(event(TYPE, 'Delete', props(), { physicalResourceId: ADOPTED(existing) }));
      expect(emulator().vpcEndpoints()).toEqual([]);
    });
  });
});
