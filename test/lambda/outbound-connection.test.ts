import {
  AcceptInboundConnectionCommand,
  CreateOutboundConnectionCommand,
  DeleteInboundConnectionCommand,
  OpenSearchClient,
  RejectInboundConnectionCommand,
} from '@aws-sdk/client-opensearch';
import { isComplete, onEvent } from '../../lambda';
import { outboundConnection } from '../../lambda/outbound-connection';
import { variantCases } from '../../emulator';
import { VISIBILITY_GRACE_MS } from '../../lambda/inbound-connections';
import { CREATE_FAILED_MARKER, aged, event, run, seed, useEmulator, useVariants } from './harness';

const { emulator, stack } = useEmulator();
const OUTBOUND = 'Custom::OpenSearchOutboundConnection';
const CREATED = (id: string) => `opensearch-outbound-connection:created:${id}`;
const ADOPTED = (id: string) => `opensearch-outbound-connection:adopted:${id}`;

/** The handler runs as account 111111111111 in us-east-1 (the test credentials); the destination is elsewhere. */
const WORLD = {
  domains: [{ domainName: 'logs-source' }, { domainName: 'logs-destination', ownerId: '222222222222', region: 'eu-west-1' }],
};
const props = (extra: Record<string, unknown> = {}) => ({
  LocalDomainName: 'logs-source',
  RemoteDomainName: 'logs-destination',
  RemoteOwnerId: '222222222222',
  RemoteRegion: 'eu-west-1',
  ConnectionAlias: 'to-destination',
  TimeoutSeconds: 60,
  ...extra,
});

let destinationClient: OpenSearchClient | undefined;
/** The destination's owner, account 222222222222 in eu-west-1. */
function destination(): OpenSearchClient {
  destinationClient ??= new OpenSearchClient({
    endpoint: emulator().endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIALOCAL222222222222', secretAccessKey: 'x' },
  });
  return destinationClient;
}
afterAll(() => destinationClient?.destroy());

/** The operations the emulator answered that change something, in order. */
const mutated = () =>
  emulator()
    .mutatingRequests()
    .map((request) => request.operation);
const outboundConnections = () => (emulator().snapshot().connections ?? []).map((c) => `${c.connectionId}=${c.status}`);

async function createdConnection(alias = 'to-destination'): Promise<string> {
  const own = new OpenSearchClient({ endpoint: emulator().endpoint, region: 'us-east-1' });
  try {
    const created = await own.send(
      new CreateOutboundConnectionCommand({
        LocalDomainInfo: { AWSDomainInformation: { DomainName: 'logs-source', OwnerId: '111111111111', Region: 'us-east-1' } },
        RemoteDomainInfo: { AWSDomainInformation: { DomainName: 'logs-destination', OwnerId: '222222222222', Region: 'eu-west-1' } },
        ConnectionAlias: alias,
      }),
    );
    return created.ConnectionId!;
  } finally {
    own.destroy();
  }
}

/** DescribeStacks fails on every attempt of the SDK (4) in onEvent; the first poll reads the status. */
const statusUnreadableInOnEvent = (request: number) =>
  request <= 4 ? { httpStatus: 500, code: 'InternalFailure', message: 'We encountered an internal error.' } : undefined;

describe('OutboundConnection handler', () => {
  describe('Create', () => {
    test('none exists: CreateOutboundConnection once, wait through VALIDATING until PENDING_ACCEPTANCE', async () => {
      seed(emulator(), WORLD, { validateMs: 30 });
      const outcome = await run(event(OUTBOUND, 'Create', props()));
      expect(outcome.handover.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
      expect(outcome.physicalResourceId).toBe(CREATED('cc-out-000001'));
      expect(outcome.data).toEqual({ ConnectionId: 'cc-out-000001', ConnectionStatus: 'PENDING_ACCEPTANCE' });
      expect(mutated()).toEqual(['CreateOutboundConnection']);
      const request = emulator().requests.find((r) => r.operation === 'CreateOutboundConnection')!;
      // The local owner and region are sent too: optional in the model, always sent by the developer guide's example.
      expect(request.body).toEqual({
        LocalDomainInfo: { AWSDomainInformation: { DomainName: 'logs-source', OwnerId: '111111111111', Region: 'us-east-1' } },
        RemoteDomainInfo: { AWSDomainInformation: { DomainName: 'logs-destination', OwnerId: '222222222222', Region: 'eu-west-1' } },
        ConnectionAlias: 'to-destination',
        ConnectionMode: 'DIRECT',
      });
      expect(emulator().connection('cc-out-000001')?.status).toBe('PENDING_ACCEPTANCE');
    });

    test('mode and skipUnavailable are sent as given', async () => {
      seed(emulator(), WORLD);
      await run(event(OUTBOUND, 'Create', props({ ConnectionMode: 'VPC_ENDPOINT', SkipUnavailable: 'DISABLED' })));
      expect(emulator().requests.find((r) => r.operation === 'CreateOutboundConnection')!.body).toMatchObject({
        ConnectionMode: 'VPC_ENDPOINT',
        ConnectionProperties: { CrossClusterSearch: { SkipUnavailable: 'DISABLED' } },
      });
    });

    test('the same connection exists and has not ended: adopted, no second one', async () => {
      seed(emulator(), WORLD);
      const existing = await createdConnection();
      emulator().clearRequests();
      const outcome = await run(event(OUTBOUND, 'Create', props()));
      expect(outcome.physicalResourceId).toBe(ADOPTED(existing));
      expect(outcome.data).toEqual({ ConnectionId: existing, ConnectionStatus: 'PENDING_ACCEPTANCE' });
      expect(mutated()).toEqual([]);
    });

    test('crash point: a Create that died after CreateOutboundConnection was accepted is retried: it adopts, no second connection', async () => {
      seed(emulator(), WORLD, { validateMs: 1_000_000 });
      const request = event(OUTBOUND, 'Create', props());
      // The first attempt's call reached the service, then the function died before answering.
      const first = await onEvent(request);
      expect(first.FinalPhysicalResourceId).toBe(CREATED('cc-out-000001'));
      const retried = await onEvent(request);
      expect(retried.FinalPhysicalResourceId).toBe(ADOPTED('cc-out-000001'));
      expect(mutated()).toEqual(['CreateOutboundConnection']);
      expect(outboundConnections()).toEqual(['cc-out-000001=VALIDATING']);
    });

    test('a connection with the same alias that has ended is not adopted: a new one is made', async () => {
      seed(emulator(), WORLD);
      seed(emulator(), {
        ...WORLD,
        connections: [
          {
            connectionId: 'cc-rejected-0001',
            status: 'REJECTED',
            alias: 'to-destination',
            source: { domainName: 'logs-source' },
            destination: WORLD.domains[1],
          },
        ],
      });
      const outcome = await run(event(OUTBOUND, 'Create', props()));
      expect(outcome.physicalResourceId).toBe(CREATED('cc-out-000001'));
      expect(mutated()).toEqual(['CreateOutboundConnection']);
    });

    test('waitFor ACTIVE: waits through PENDING_ACCEPTANCE until the destination accepts', async () => {
      seed(emulator(), WORLD, { acceptMs: 20 });
      let accepted = false;
      const outcome = await run(event(OUTBOUND, 'Create', props({ WaitFor: 'ACTIVE' })), {
        beforePoll: (e, poll) => {
          if (poll === 2 && !accepted) {
            accepted = true;
            void destination().send(new AcceptInboundConnectionCommand({ ConnectionId: 'cc-out-000001' }));
          }
          return e;
        },
      });
      expect(outcome.data).toEqual({ ConnectionId: 'cc-out-000001', ConnectionStatus: 'ACTIVE' });
      expect(outcome.polls).toBeGreaterThan(2);
      expect(mutated()).toEqual(['CreateOutboundConnection', 'AcceptInboundConnection']);
    });

    test('waitFor PENDING_ACCEPTANCE is reached by an adopted connection that is already ACTIVE', async () => {
      seed(emulator(), WORLD);
      const existing = await createdConnection();
      await destination().send(new AcceptInboundConnectionCommand({ ConnectionId: existing }));
      emulator().clearRequests();
      const outcome = await run(event(OUTBOUND, 'Create', props()));
      expect(outcome.polls).toBe(0);
      expect(outcome.handover.Done).toBe(true);
      expect(outcome.data).toEqual({ ConnectionId: existing, ConnectionStatus: 'ACTIVE' });
    });

    test('VALIDATION_FAILED (no such remote domain): fails with the service message after deleting the connection it made', async () => {
      seed(emulator(), { domains: [WORLD.domains[0]] }, { validateMs: 10 });
      await expect(run(event(OUTBOUND, 'Create', props()))).rejects.toThrow(
        'Outbound connection cc-out-000001 (to-destination from domain logs-source to domain logs-destination of account 222222222222 in eu-west-1) ' +
          'is VALIDATION_FAILED: Remote domain logs-destination not found in account 222222222222 region eu-west-1. ' +
          'The connection this Create made is DELETING.',
      );
      expect(mutated()).toEqual(['CreateOutboundConnection', 'DeleteOutboundConnection']);
      expect(emulator().connection('cc-out-000001')?.status).toBe('DELETED');
    });

    test('REJECTED while waiting for ACTIVE: fails with the service message, nothing left to delete', async () => {
      seed(emulator(), WORLD);
      const request = event(OUTBOUND, 'Create', props({ WaitFor: 'ACTIVE' }));
      const handover = await onEvent(request);
      expect(handover.Done).toBeUndefined();
      await destination().send(new RejectInboundConnectionCommand({ ConnectionId: 'cc-out-000001' }));
      await expect(isComplete({ ...request, ...handover })).rejects.toThrow(
        /^Outbound connection cc-out-000001 \(to-destination .*\) is REJECTED: Connection was rejected\. Check both domains/,
      );
      expect(mutated()).toEqual(['CreateOutboundConnection', 'RejectInboundConnection']);
    });

    test('timeout: waitFor ACTIVE and nobody accepts: fails naming the status it waited on', async () => {
      seed(emulator(), WORLD);
      await expect(run(event(OUTBOUND, 'Create', props({ WaitFor: 'ACTIVE' })), { beforePoll: aged(61_000) })).rejects.toThrow(
        /^Timed out after 1 minute waiting for outbound connection cc-out-000001 to be ACTIVE; last status: PENDING_ACCEPTANCE\./,
      );
    });

    test('an existing connection with another mode: fails, nothing changed', async () => {
      seed(emulator(), WORLD);
      await createdConnection();
      emulator().clearRequests();
      await expect(run(event(OUTBOUND, 'Create', props({ ConnectionMode: 'VPC_ENDPOINT' })))).rejects.toThrow(
        /already exists with mode DIRECT, not VPC_ENDPOINT; nothing was changed\. Use another connectionAlias\./,
      );
      expect(mutated()).toEqual([]);
    });

    test('throttled CreateOutboundConnection: tried again after a look-up found nothing (the SDK never re-sends it), one connection', async () => {
      seed(emulator(), WORLD);
      emulator().injectFault({ operation: 'CreateOutboundConnection', kind: 'throttle', times: 2 });
      const outcome = await run(event(OUTBOUND, 'Create', props()));
      expect(outcome.physicalResourceId).toBe(CREATED('cc-out-000001'));
      expect(outboundConnections()).toEqual(['cc-out-000001=PENDING_ACCEPTANCE']);
    });

    test('a busy service on every look-up: fails at once without making anything', async () => {
      seed(emulator(), WORLD);
      emulator().injectFault({ operation: 'DescribeOutboundConnections', kind: 'internal', times: Infinity });
      await expect(run(event(OUTBOUND, 'Create', props()))).rejects.toThrow(
        /^DescribeOutboundConnections to-destination from domain logs-source .* failed: InternalException: .*Nothing was made/,
      );
      expect(mutated()).toEqual([]);
    });

    test('the first look-up still fails after the SDK retries: the Create fails, nothing made; deployed again, it is recorded as created', async () => {
      seed(emulator(), WORLD, { validateMs: 30 });
      // Every attempt of the SDK (4) on onEvent's look-up; the polls would find the service well again.
      emulator().injectFault({ operation: 'DescribeOutboundConnections', kind: 'internal', times: 4 });
      await expect(run(event(OUTBOUND, 'Create', props()))).rejects.toThrow(
        /^DescribeOutboundConnections .* failed: InternalException: .* Nothing was made: this resource makes a connection only after it has seen that none exists\. Deploy again\.$/,
      );
      expect(mutated()).toEqual([]);
      expect(outboundConnections()).toEqual([]);
      // The connection this resource makes is recorded as made here, so a later rollback deletes it.
      const outcome = await run(event(OUTBOUND, 'Create', props()));
      expect(outcome.physicalResourceId).toBe(CREATED('cc-out-000001'));
      expect(mutated()).toEqual(['CreateOutboundConnection']);
    });

    test('CreateOutboundConnection still failing after three tries, not made: the Create fails, nothing made', async () => {
      seed(emulator(), WORLD);
      emulator().injectFault({ operation: 'CreateOutboundConnection', kind: 'internal', times: 4 });
      await expect(run(event(OUTBOUND, 'Create', props()))).rejects.toThrow(
        /^CreateOutboundConnection to-destination .* failed: InternalException: .*\. Nothing was made\. Deploy again\.$/,
      );
      expect(mutated()).toEqual([]);
      expect(outboundConnections()).toEqual([]);
    });

    test('access denied on CreateOutboundConnection: fails in one line with advice', async () => {
      seed(emulator(), WORLD);
      emulator().injectFault({ operation: 'CreateOutboundConnection', kind: 'access-denied', times: 1 });
      await expect(run(event(OUTBOUND, 'Create', props()))).rejects.toThrow(
        /^CreateOutboundConnection to-destination from domain logs-source .* failed: AccessDeniedException: .*permissions boundary/,
      );
    });
  });

  describe.each(variantCases('newConnectionHiddenForReads', 'localDomainInfo'))('Create and Delete, %s', (_label, variants) => {
    useVariants(emulator, variants);

    test('a new connection is PENDING_ACCEPTANCE in the end, whether or not the first reads show it', async () => {
      seed(emulator(), WORLD);
      const outcome = await run(event(OUTBOUND, 'Create', props()));
      expect(outcome.physicalResourceId).toBe(CREATED('cc-out-000001'));
      expect(outcome.data).toEqual({ ConnectionId: 'cc-out-000001', ConnectionStatus: 'PENDING_ACCEPTANCE' });
      expect(outcome.polls).toBe(variants.newConnectionHiddenForReads);
      expect(mutated()).toEqual(['CreateOutboundConnection']);
    });

    test('not listed after the grace period: the connection this Create made is deleted before it fails', async () => {
      seed(emulator(), WORLD);
      const attempt = run(event(OUTBOUND, 'Create', props({ TimeoutSeconds: 600 })), { beforePoll: aged(VISIBILITY_GRACE_MS) });
      if (variants.newConnectionHiddenForReads === 0) {
        expect((await attempt).data.ConnectionStatus).toBe('PENDING_ACCEPTANCE');
        return;
      }
      await expect(attempt).rejects.toThrow(
        'Outbound connection cc-out-000001 (to-destination from domain logs-source to domain logs-destination of account 222222222222 in eu-west-1) is not listed by DescribeOutboundConnections 30 seconds after it was made or found. The connection this Create made is DELETING. Deploy again.',
      );
      expect(mutated()).toEqual(['CreateOutboundConnection', 'DeleteOutboundConnection']);
      expect(emulator().connection('cc-out-000001')?.status).toBe('DELETED');
    });

    test('a Delete right after the connection was made deletes it even if the reads do not show it yet', async () => {
      seed(emulator(), WORLD, { deleteMs: 20 });
      const id = await createdConnection();
      await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: CREATED(id) }));
      expect(emulator().connection(id)?.status).toBe('DELETED');
      expect(mutated()).toEqual(['CreateOutboundConnection', 'DeleteOutboundConnection']);
    });
  });

  const withArchive = () =>
    seed(emulator(), { domains: [...WORLD.domains, { domainName: 'logs-archive', ownerId: '222222222222', region: 'eu-west-1' }] });

  describe.each(variantCases('connectionAliasScope', 'newConnectionHiddenForReads'))(
    'a replacement that keeps the alias, %s',
    (_label, variants) => {
      useVariants(emulator, variants);

      test('a new remote domain, the same alias: made under domain-pair, refused at once under local-domain with nothing made', async () => {
        withArchive();
        // The old connection was made by an earlier deployment: listed long since.
        emulator().setVariants({ newConnectionHiddenForReads: 0 });
        const old = await createdConnection();
        emulator().setVariants(variants);
        emulator().clearRequests();
        const attempt = run(
          event(OUTBOUND, 'Update', props({ RemoteDomainName: 'logs-archive' }), {
            physicalResourceId: CREATED(old),
            oldProperties: props(),
          }),
        );
        if (variants.connectionAliasScope === 'domain-pair') {
          expect((await attempt).physicalResourceId).toBe(CREATED('cc-out-000002'));
          expect(outboundConnections()).toEqual([`${old}=PENDING_ACCEPTANCE`, 'cc-out-000002=PENDING_ACCEPTANCE']);
          return;
        }
        await expect(attempt).rejects.toThrow(
          `CreateOutboundConnection to-destination from domain logs-source to domain logs-archive of account 222222222222 in eu-west-1 failed: ` +
            `ResourceAlreadyExistsException: A connection with alias to-destination already exists: ${old}. ` +
            `Connection ${old} of domain logs-source to domain logs-destination already has this alias, and the service keeps an alias unique per local domain. ` +
            'Nothing was made: give this connection a new connectionAlias.',
        );
        expect(mutated()).toEqual(['CreateOutboundConnection']);
        expect(outboundConnections()).toEqual([`${old}=PENDING_ACCEPTANCE`]);
      });
    },
  );

  describe('a refused alias held by a connection not listed yet', () => {
    useVariants(emulator, { connectionAliasScope: 'local-domain', newConnectionHiddenForReads: 3 });

    test('fails at once saying both ways out, nothing made', async () => {
      withArchive();
      const old = await createdConnection();
      emulator().clearRequests();
      await expect(run(event(OUTBOUND, 'Create', props({ RemoteDomainName: 'logs-archive' })))).rejects.toThrow(
        `ResourceAlreadyExistsException: A connection with alias to-destination already exists: ${old}. ` +
          'DescribeOutboundConnections lists no connection of domain logs-source with this alias yet. ' +
          'Nothing was made: give this connection a new connectionAlias, or deploy again once the connection that holds it is listed.',
      );
      expect(mutated()).toEqual(['CreateOutboundConnection']);
      expect(outboundConnections()).toEqual([`${old}=PENDING_ACCEPTANCE`]);
    });
  });

  describe('Update', () => {
    test('only WaitFor and TimeoutSeconds changed: same physical id, no call, status reported', async () => {
      seed(emulator(), WORLD);
      const id = await createdConnection();
      emulator().clearRequests();
      const outcome = await run(
        event(OUTBOUND, 'Update', props({ WaitFor: 'ACTIVE', TimeoutSeconds: 120 }), {
          physicalResourceId: CREATED(id),
          oldProperties: props(),
        }),
      );
      expect(outcome.physicalResourceId).toBe(CREATED(id));
      expect(outcome.data).toEqual({ ConnectionId: id, ConnectionStatus: 'PENDING_ACCEPTANCE' });
      expect(mutated()).toEqual([]);
    });

    test('a new alias: a replacement, a new connection; the old one is left to the old resource', async () => {
      seed(emulator(), WORLD);
      const old = await createdConnection();
      emulator().clearRequests();
      const outcome = await run(
        event(OUTBOUND, 'Update', props({ ConnectionAlias: 'to-destination-2' }), {
          physicalResourceId: CREATED(old),
          oldProperties: props(),
        }),
      );
      expect(outcome.physicalResourceId).toBe(CREATED('cc-out-000002'));
      expect(mutated()).toEqual(['CreateOutboundConnection']);
      expect(emulator().connection(old)?.status).toBe('PENDING_ACCEPTANCE');
      // CloudFormation then deletes the replaced resource.
      await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: CREATED(old) }));
      expect(outboundConnections()).toEqual([`${old}=DELETED`, 'cc-out-000002=PENDING_ACCEPTANCE']);
    });

    test('a new alias while the stack status cannot be read at first: the poll never makes the connection, fails, nothing made', async () => {
      seed(emulator(), WORLD);
      const old = await createdConnection();
      emulator().clearRequests();
      stack().fault = statusUnreadableInOnEvent;
      const request = event(OUTBOUND, 'Update', props({ ConnectionAlias: 'to-destination-2' }), {
        physicalResourceId: CREATED(old),
        oldProperties: props(),
      });
      const handover = await onEvent(request);
      expect(handover.SituationPending).toBe(true);
      await expect(isComplete({ ...request, ...handover })).rejects.toThrow(
        /^Outbound connection to-destination-2 from domain logs-source .* was not made: the stack status could not be read when the update began.* Nothing was made; deploy again\.$/,
      );
      expect(mutated()).toEqual([]);
      expect(outboundConnections()).toEqual([`${old}=PENDING_ACCEPTANCE`]);
    });

    test('the same, with a connection of the new alias already there: the poll adopts it, recorded as adopted', async () => {
      seed(emulator(), WORLD);
      const old = await createdConnection();
      const existing = await createdConnection('to-destination-2');
      emulator().clearRequests();
      stack().fault = statusUnreadableInOnEvent;
      const outcome = await run(
        event(OUTBOUND, 'Update', props({ ConnectionAlias: 'to-destination-2' }), {
          physicalResourceId: CREATED(old),
          oldProperties: props(),
        }),
      );
      expect(outcome.handover.SituationPending).toBe(true);
      expect(outcome.physicalResourceId).toBe(ADOPTED(existing));
      expect(mutated()).toEqual([]);
    });

    test('only the mode changed: fails (the replacement would take the same alias), nothing changed', async () => {
      seed(emulator(), WORLD);
      const id = await createdConnection();
      emulator().clearRequests();
      await expect(
        run(
          event(OUTBOUND, 'Update', props({ ConnectionMode: 'VPC_ENDPOINT' }), { physicalResourceId: CREATED(id), oldProperties: props() }),
        ),
      ).rejects.toThrow(
        /^Changing ConnectionMode or SkipUnavailable replaces connection cc-out-000001.*give it a new connectionAlias as well/,
      );
      expect(mutated()).toEqual([]);
    });
  });

  describe('Delete', () => {
    test('PENDING_ACCEPTANCE: DeleteOutboundConnection, then waits until DELETED', async () => {
      seed(emulator(), WORLD, { deleteMs: 30 });
      const id = await createdConnection();
      emulator().clearRequests();
      const outcome = await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: CREATED(id) }));
      expect(outcome.physicalResourceId).toBe(CREATED(id));
      expect(mutated()).toEqual(['DeleteOutboundConnection']);
      expect(emulator().connection(id)?.status).toBe('DELETED');
    });

    test('an adopted connection is deleted too when the stack deletes it (not a rollback)', async () => {
      seed(emulator(), WORLD);
      const id = await createdConnection();
      emulator().clearRequests();
      await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: ADOPTED(id) }));
      expect(mutated()).toEqual(['DeleteOutboundConnection']);
    });

    test.each(['DELETED', 'REJECTED'] as const)('already %s: succeeds at once, no call', async (status) => {
      seed(emulator(), {
        ...WORLD,
        connections: [{ connectionId: 'cc-ended-0001', status, source: { domainName: 'logs-source' }, destination: WORLD.domains[1] }],
      });
      const outcome = await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: CREATED('cc-ended-0001') }));
      expect(outcome.handover.Done).toBe(true);
      expect(mutated()).toEqual([]);
    });

    test('not listed: DeleteOutboundConnection settles it (a lagging read may hide it); not found = gone, done', async () => {
      seed(emulator(), WORLD);
      const outcome = await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: CREATED('cc-gone-00001') }));
      expect(outcome.handover.Done).toBe(true);
      expect(
        emulator()
          .requests.filter((r) => r.operation === 'DeleteOutboundConnection')
          .map((r) => r.errorType),
      ).toEqual(['ResourceNotFoundException']);
    });

    test('DELETING (the destination deleted it): waits, no call', async () => {
      seed(emulator(), WORLD, { deleteMs: 30 });
      const id = await createdConnection();
      await destination().send(new AcceptInboundConnectionCommand({ ConnectionId: id }));
      await destination().send(new DeleteInboundConnectionCommand({ ConnectionId: id }));
      emulator().clearRequests();
      await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: CREATED(id) }));
      expect(mutated()).toEqual([]);
      expect(emulator().connection(id)?.status).toBe('DELETED');
    });

    test('a physical id this handler did not make (a Create that never answered): nothing to do', async () => {
      seed(emulator(), WORLD);
      await createdConnection();
      emulator().clearRequests();
      const outcome = await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: 'made-up-by-cloudformation' }));
      expect(outcome.handover.Done).toBe(true);
      expect(mutated()).toEqual([]);
    });

    test('invalid properties (the Create failed on them): nothing to do', async () => {
      seed(emulator(), WORLD);
      const outcome = await run(
        event(OUTBOUND, 'Delete', props({ ConnectionAlias: '1' }), { physicalResourceId: CREATED('cc-out-000001') }),
      );
      expect(outcome.handover.Done).toBe(true);
      expect(mutated()).toEqual([]);
    });
  });

  describe('rollback', () => {
    const rollback = { rollback: true, stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' };

    test('Delete of an adopted connection during a rollback: no call, its status and a note saying why', async () => {
      seed(emulator(), WORLD);
      const id = await createdConnection();
      emulator().clearRequests();
      stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      const outcome = await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: ADOPTED(id) }));
      expect(mutated()).toEqual([]);
      expect(outcome.physicalResourceId).toBe(ADOPTED(id));
      expect(outcome.data).toEqual({
        Note: `stack is rolling back (UPDATE_ROLLBACK_IN_PROGRESS): connection ${id} was there before this resource and is left as it is`,
        ConnectionId: id,
        ConnectionStatus: 'PENDING_ACCEPTANCE',
      });
    });

    test('Delete of a connection it created during a rollback: still deleted (nothing existed before it)', async () => {
      seed(emulator(), WORLD);
      const id = await createdConnection();
      emulator().clearRequests();
      stack().status = 'ROLLBACK_IN_PROGRESS';
      await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: CREATED(id) }));
      expect(mutated()).toEqual(['DeleteOutboundConnection']);
      expect(emulator().connection(id)?.status).toBe('DELETED');
    });

    test('the same adopted Delete outside a rollback (stack deletion) deletes it', async () => {
      seed(emulator(), WORLD);
      const id = await createdConnection();
      emulator().clearRequests();
      stack().status = 'DELETE_IN_PROGRESS';
      await run(event(OUTBOUND, 'Delete', props(), { physicalResourceId: ADOPTED(id) }));
      expect(mutated()).toEqual(['DeleteOutboundConnection']);
    });

    test('Update back to the old properties during a rollback: adopts the old connection, which is still there', async () => {
      seed(emulator(), WORLD);
      const old = await createdConnection();
      emulator().clearRequests();
      const request = event(OUTBOUND, 'Update', props(), {
        physicalResourceId: CREATED('cc-out-000002'),
        oldProperties: props({ ConnectionMode: 'VPC_ENDPOINT' }),
      });
      const plan = outboundConnection.plan(request, rollback);
      expect(plan.task).toMatchObject({ kind: 'create' });
      const progress = await outboundConnection.advance(plan.task!, {
        phase: 'event',
        startedAt: Date.now(),
        now: Date.now(),
        event: request,
        mayMutate: true,
        situation: rollback,
      });
      expect(progress).toMatchObject({ done: true, physicalResourceId: ADOPTED(old) });
      expect(mutated()).toEqual([]);
    });
  });

  describe('bad input', () => {
    test.each([
      [{ ConnectionAlias: undefined }, /^ConnectionAlias must be 2-100 characters/],
      [{ RemoteOwnerId: '12345' }, /^RemoteOwnerId must be an AWS account id of 12 digits; got "12345"$/],
      [{ RemoteRegion: 'EU' }, /^RemoteRegion must be a region name like eu-west-1; got "EU"$/],
      [{ ConnectionMode: 'TUNNEL' }, /^ConnectionMode must be one of DIRECT, VPC_ENDPOINT; got "TUNNEL"$/],
      [{ WaitFor: 'DELETED' }, /^WaitFor must be one of PENDING_ACCEPTANCE, ACTIVE; got "DELETED"$/],
      [{ LocalDomainName: 'Logs' }, /^LocalDomainName must be 3-28 characters/],
      [{ TimeoutSeconds: '0' }, /^TimeoutSeconds must be a whole number/],
    ])('%j: FAILED with a one-line reason, no call', async (extra, reason) => {
      seed(emulator(), WORLD);
      await expect(onEvent(event(OUTBOUND, 'Create', props(extra)))).rejects.toThrow(reason);
      expect(emulator().requests).toEqual([]);
    });
  });
});
