/**
 * Both sides of a cross-cluster connection across accounts and regions, through the real SDK
 * over HTTP: the source account's outbound connection is the destination account's inbound one.
 */
import {
  AcceptInboundConnectionCommand,
  CreateOutboundConnectionCommand,
  CreateOutboundConnectionCommandInput,
  DeleteInboundConnectionCommand,
  DeleteOutboundConnectionCommand,
  DescribeInboundConnectionsCommand,
  DescribeOutboundConnectionsCommand,
  Filter,
  OpenSearchClient,
  RejectInboundConnectionCommand,
} from '@aws-sdk/client-opensearch';
import { OpenSearchEmulator, VARIANT_CHOICES, World } from '../../emulator';
import { EmulatorClients } from './clients';

const T0 = 1_700_000_000_000;
let now = T0;
let emulator: OpenSearchEmulator;
const clients = new EmulatorClients(() => emulator.endpoint);
const clientOf = (accessKeyId: string, region: string) => clients.of(accessKeyId, region);

let source: OpenSearchClient; // account 222222222222 in eu-west-1
let destination: OpenSearchClient; // the default account 111111111111 in us-east-1
let stranger: OpenSearchClient; // account 333333333333 in us-east-1

const WORLD: World = {
  domains: [{ domainName: 'logs-source', ownerId: '222222222222', region: 'eu-west-1' }, { domainName: 'logs-destination' }],
};

const CREATE: CreateOutboundConnectionCommandInput = {
  LocalDomainInfo: { AWSDomainInformation: { DomainName: 'logs-source' } },
  RemoteDomainInfo: { AWSDomainInformation: { DomainName: 'logs-destination', OwnerId: '111111111111', Region: 'us-east-1' } },
  ConnectionAlias: 'to-destination',
};

async function outbound(client: OpenSearchClient, filters?: Filter[]) {
  return (await client.send(new DescribeOutboundConnectionsCommand({ Filters: filters }))).Connections ?? [];
}
async function inbound(client: OpenSearchClient, filters?: Filter[]) {
  return (await client.send(new DescribeInboundConnectionsCommand({ Filters: filters }))).Connections ?? [];
}

async function expectError(promise: Promise<unknown>, name: string, status: number): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name, $metadata: expect.objectContaining({ httpStatusCode: status }) });
}

beforeAll(async () => {
  emulator = await OpenSearchEmulator.start({ clock: () => now });
  source = clientOf('AKIALOCAL222222222222', 'eu-west-1');
  destination = clientOf('AKIDEXAMPLETESTONLY', 'us-east-1');
  stranger = clientOf('AKIALOCAL333333333333', 'us-east-1');
});
afterAll(async () => {
  clients.destroyAll();
  await emulator.stop();
});
beforeEach(() => {
  now = T0;
  emulator.reset(WORLD, { validateMs: 1000, acceptMs: 2000, deleteMs: 1000, rejectMs: 1000 });
});

describe('accounts and regions', () => {
  test('the caller is read from the access key id and the signature scope, and recorded', async () => {
    await outbound(source);
    await inbound(destination);
    expect(emulator.requests.map((request) => request.caller)).toEqual([
      { account: '222222222222', region: 'eu-west-1' },
      { account: '111111111111', region: 'us-east-1' },
    ]);
  });
});

describe('CreateOutboundConnection', () => {
  test('VALIDATING, then PENDING_ACCEPTANCE; the destination sees the same id only once validated', async () => {
    const created = await source.send(new CreateOutboundConnectionCommand(CREATE));
    expect(created).toMatchObject({
      ConnectionId: 'cc-out-000001',
      ConnectionAlias: 'to-destination',
      ConnectionMode: 'DIRECT',
      ConnectionStatus: { StatusCode: 'VALIDATING' },
      LocalDomainInfo: { AWSDomainInformation: { DomainName: 'logs-source', OwnerId: '222222222222', Region: 'eu-west-1' } },
      RemoteDomainInfo: { AWSDomainInformation: { DomainName: 'logs-destination', OwnerId: '111111111111', Region: 'us-east-1' } },
    });
    expect(await inbound(destination)).toEqual([]);

    now = T0 + 1000;
    expect((await outbound(source)).map((c) => [c.ConnectionId, c.ConnectionStatus?.StatusCode])).toEqual([
      ['cc-out-000001', 'PENDING_ACCEPTANCE'],
    ]);
    const [seen] = await inbound(destination);
    expect(seen).toMatchObject({ ConnectionId: 'cc-out-000001', ConnectionStatus: { StatusCode: 'PENDING_ACCEPTANCE' } });
    expect(seen.LocalDomainInfo?.AWSDomainInformation).toEqual({ DomainName: 'logs-source', OwnerId: '222222222222', Region: 'eu-west-1' });
  });

  test('each side sees only its own view: no inbound for the source, no outbound for the destination or a stranger', async () => {
    await source.send(new CreateOutboundConnectionCommand(CREATE));
    now = T0 + 1000;
    expect(await inbound(source)).toEqual([]);
    expect(await outbound(destination)).toEqual([]);
    expect(await inbound(stranger)).toEqual([]);
    expect(await outbound(clientOf('AKIALOCAL222222222222', 'us-east-1'))).toEqual([]); // same account, other region
  });

  test('a remote domain that does not exist: VALIDATION_FAILED with the reason, never sent to the destination', async () => {
    await source.send(
      new CreateOutboundConnectionCommand({
        ...CREATE,
        RemoteDomainInfo: { AWSDomainInformation: { DomainName: 'logs-destination', OwnerId: '444444444444', Region: 'us-east-1' } },
      }),
    );
    now = T0 + 1000;
    const [failed] = await outbound(source);
    expect(failed.ConnectionStatus).toEqual({
      StatusCode: 'VALIDATION_FAILED',
      Message: 'Remote domain logs-destination not found in account 444444444444 region us-east-1',
    });
    expect(await inbound(destination)).toEqual([]);
  });

  test('the same alias between the same domains while one has not ended: ResourceAlreadyExistsException (409)', async () => {
    await source.send(new CreateOutboundConnectionCommand(CREATE));
    await expectError(source.send(new CreateOutboundConnectionCommand(CREATE)), 'ResourceAlreadyExistsException', 409);
    await source.send(new DeleteOutboundConnectionCommand({ ConnectionId: 'cc-out-000001' }));
    now = T0 + 1000;
    const again = await source.send(new CreateOutboundConnectionCommand(CREATE));
    expect(again.ConnectionId).toBe('cc-out-000002');
  });

  test.each(VARIANT_CHOICES.connectionAliasScope)('connectionAliasScope %s: the same alias to another remote domain', async (scope) => {
    emulator.setVariants({ connectionAliasScope: scope });
    try {
      emulator.addDomain({ domainName: 'logs-archive' });
      await source.send(new CreateOutboundConnectionCommand(CREATE));
      const toArchive = source.send(
        new CreateOutboundConnectionCommand({
          ...CREATE,
          RemoteDomainInfo: { AWSDomainInformation: { DomainName: 'logs-archive', OwnerId: '111111111111', Region: 'us-east-1' } },
        }),
      );
      if (scope === 'domain-pair') expect((await toArchive).ConnectionId).toBe('cc-out-000002');
      else await expectError(toArchive, 'ResourceAlreadyExistsException', 409);
    } finally {
      emulator.setVariants({ connectionAliasScope: VARIANT_CHOICES.connectionAliasScope[0] });
    }
  });

  test('a local domain of another account: refused, nothing made', async () => {
    // ResourceNotFoundException is not among CreateOutboundConnection's modeled errors.
    await expectError(stranger.send(new CreateOutboundConnectionCommand(CREATE)), 'ValidationException', 400);
    await expectError(
      source.send(
        new CreateOutboundConnectionCommand({
          ...CREATE,
          LocalDomainInfo: { AWSDomainInformation: { DomainName: 'logs-source', OwnerId: '111111111111', Region: 'us-east-1' } },
        }),
      ),
      'ValidationException',
      400,
    );
    expect(emulator.snapshot().connections).toEqual([]);
  });

  test.each([['a'], ['1alias'], ['has space']])('alias %j: ValidationException', async (alias) => {
    await expectError(source.send(new CreateOutboundConnectionCommand({ ...CREATE, ConnectionAlias: alias })), 'ValidationException', 400);
  });

  test('mode and properties are kept and shown on the outbound side', async () => {
    await source.send(
      new CreateOutboundConnectionCommand({
        ...CREATE,
        ConnectionMode: 'VPC_ENDPOINT',
        ConnectionProperties: { CrossClusterSearch: { SkipUnavailable: 'ENABLED' } },
      }),
    );
    const [connection] = await outbound(source);
    expect(connection).toMatchObject({
      ConnectionMode: 'VPC_ENDPOINT',
      ConnectionProperties: { CrossClusterSearch: { SkipUnavailable: 'ENABLED' } },
    });
  });

  test('outbound filters by remote owner and region', async () => {
    await source.send(new CreateOutboundConnectionCommand(CREATE));
    expect(await outbound(source, [{ Name: 'remote-domain-info.owner-id', Values: ['111111111111'] }])).toHaveLength(1);
    expect(await outbound(source, [{ Name: 'remote-domain-info.region', Values: ['eu-west-1'] }])).toHaveLength(0);
    expect(await outbound(source, [{ Name: 'connection-id', Values: ['cc-out-000001'] }])).toHaveLength(1);
  });
});

describe('acceptance, rejection and deletion from either side', () => {
  async function pending(): Promise<string> {
    const { ConnectionId } = await source.send(new CreateOutboundConnectionCommand(CREATE));
    now += 1000;
    return ConnectionId!;
  }
  const statusOn = async (client: OpenSearchClient, side: 'in' | 'out') =>
    (side === 'in' ? await inbound(client) : await outbound(client))[0]?.ConnectionStatus?.StatusCode;

  test('accepted by the destination: APPROVED, PROVISIONING, ACTIVE on both sides', async () => {
    const id = await pending();
    const accepted = await destination.send(new AcceptInboundConnectionCommand({ ConnectionId: id }));
    expect(accepted.Connection?.ConnectionStatus?.StatusCode).toBe('APPROVED');
    expect(await statusOn(source, 'out')).toBe('APPROVED');
    now += 1000;
    expect([await statusOn(source, 'out'), await statusOn(destination, 'in')]).toEqual(['PROVISIONING', 'PROVISIONING']);
    now += 1000;
    expect([await statusOn(source, 'out'), await statusOn(destination, 'in')]).toEqual(['ACTIVE', 'ACTIVE']);
  });

  test('only the destination can accept: the source and a stranger get ResourceNotFoundException', async () => {
    const id = await pending();
    await expectError(source.send(new AcceptInboundConnectionCommand({ ConnectionId: id })), 'ResourceNotFoundException', 409);
    await expectError(stranger.send(new AcceptInboundConnectionCommand({ ConnectionId: id })), 'ResourceNotFoundException', 409);
    await expectError(stranger.send(new DeleteOutboundConnectionCommand({ ConnectionId: id })), 'ResourceNotFoundException', 409);
    expect(emulator.connection(id)?.status).toBe('PENDING_ACCEPTANCE');
  });

  test('rejected by the destination: the source sees REJECTING, then REJECTED', async () => {
    const id = await pending();
    await destination.send(new RejectInboundConnectionCommand({ ConnectionId: id }));
    expect(await statusOn(source, 'out')).toBe('REJECTING');
    now += 1000;
    expect(await statusOn(source, 'out')).toBe('REJECTED');
  });

  test('deleted by the source: DELETING, then DELETED on both sides; a second delete is ResourceNotFoundException', async () => {
    const id = await pending();
    await destination.send(new AcceptInboundConnectionCommand({ ConnectionId: id }));
    now += 2000;
    const deleted = await source.send(new DeleteOutboundConnectionCommand({ ConnectionId: id }));
    expect(deleted.Connection).toMatchObject({
      ConnectionId: id,
      ConnectionAlias: 'to-destination',
      ConnectionStatus: { StatusCode: 'DELETING' },
    });
    expect(await statusOn(destination, 'in')).toBe('DELETING');
    now += 1000;
    expect([await statusOn(source, 'out'), await statusOn(destination, 'in')]).toEqual(['DELETED', 'DELETED']);
    await expectError(source.send(new DeleteOutboundConnectionCommand({ ConnectionId: id })), 'ResourceNotFoundException', 409);
  });

  test('deleted by the destination: the source sees DELETED', async () => {
    const id = await pending();
    await destination.send(new AcceptInboundConnectionCommand({ ConnectionId: id }));
    now += 2000;
    await destination.send(new DeleteInboundConnectionCommand({ ConnectionId: id }));
    now += 1000;
    expect(await statusOn(source, 'out')).toBe('DELETED');
  });

  test('a connection still VALIDATING can be deleted by its source', async () => {
    const { ConnectionId } = await source.send(new CreateOutboundConnectionCommand(CREATE));
    await source.send(new DeleteOutboundConnectionCommand({ ConnectionId }));
    now += 1000;
    expect(emulator.connection(ConnectionId!)?.status).toBe('DELETED');
  });
});

describe('faults on the new operations', () => {
  test.each([
    ['CreateOutboundConnection', 'ThrottlingException', 429],
    ['DescribeOutboundConnections', 'InternalException', 500],
    ['DeleteOutboundConnection', 'AccessDeniedException', 403],
  ] as const)('%s answers %s once, then works', async (operation, name, status) => {
    const kind = ({ ThrottlingException: 'throttle', InternalException: 'internal', AccessDeniedException: 'access-denied' } as const)[
      name
    ];
    emulator.injectFault({ operation, kind, times: 1 });
    const call = () => {
      switch (operation) {
        case 'CreateOutboundConnection':
          return source.send(new CreateOutboundConnectionCommand(CREATE));
        case 'DescribeOutboundConnections':
          return source.send(new DescribeOutboundConnectionsCommand({}));
        case 'DeleteOutboundConnection':
          return source.send(new DeleteOutboundConnectionCommand({ ConnectionId: 'cc-out-000001' }));
      }
    };
    if (operation === 'DeleteOutboundConnection') {
      emulator.clearFaults();
      await source.send(new CreateOutboundConnectionCommand(CREATE));
      emulator.injectFault({ operation, kind, times: 1 });
    }
    await expectError(call(), name, status);
    await expect(call()).resolves.toBeDefined();
    expect(emulator.mutatingRequests().map((request) => request.operation)).toEqual(
      operation === 'DescribeOutboundConnections'
        ? []
        : operation === 'CreateOutboundConnection'
          ? ['CreateOutboundConnection']
          : ['CreateOutboundConnection', 'DeleteOutboundConnection'],
    );
  });
});
