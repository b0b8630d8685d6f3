/**
 * Drives the emulator only through the real `@aws-sdk/client-opensearch` over HTTP (plus raw
 * `http` where the SDK cannot misbehave on purpose), so a green run means the SDK's own
 * serialisation and error decoding agree with what the emulator serves.
 */
import * as http from 'http';
import {
  AcceptInboundConnectionCommand,
  AssociatePackagesCommand,
  DeleteInboundConnectionCommand,
  DescribeDomainCommand,
  DescribeInboundConnectionsCommand,
  DissociatePackagesCommand,
  ListDomainNamesCommand,
  ListPackagesForDomainCommand,
  OpenSearchClient,
  OpenSearchClientConfig,
  RejectInboundConnectionCommand,
  paginateDescribeInboundConnections,
  paginateListPackagesForDomain,
} from '@aws-sdk/client-opensearch';
import { InboundConnectionStatusCode, OpenSearchEmulator, SeedConnection, SeedPackage, World } from '../../emulator';

const T0 = 1_700_000_000_000;
let now = T0;
const clock = () => now;

const DOMAIN = 'search-domain';
const SOURCE = { domainName: 'src-domain', ownerId: '222222222222', region: 'eu-west-1' };
const DESTINATION = { domainName: DOMAIN };

let emulator: OpenSearchEmulator;
/** No retries, so each fault shows up exactly once. */
let client: OpenSearchClient;
const extraClients: OpenSearchClient[] = [];

function makeClient(extra: Partial<OpenSearchClientConfig> = {}): OpenSearchClient {
  const c = new OpenSearchClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' },
    maxAttempts: 1,
    ...extra,
  });
  extraClients.push(c);
  return c;
}

/** `throwOnRequestTimeout` is needed: with @smithy/node-http-handler 4.x `requestTimeout` alone only warns. */
function timeoutClient(): OpenSearchClient {
  return makeClient({ requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } });
}

const cid = (n: number) => `cc-${String(n).padStart(8, '0')}`;

function conn(id: string, status: InboundConnectionStatusCode, extra: Partial<SeedConnection> = {}): SeedConnection {
  return { connectionId: id, status, source: SOURCE, destination: DESTINATION, ...extra };
}

function world(packages: SeedPackage[] = [], connections: SeedConnection[] = [], processing = false): World {
  return { domains: [{ domainName: DOMAIN, packages, processing }], connections };
}

/** Resolves to the SDK error (or fails the test if the call succeeded) and checks name and HTTP status. */
async function expectError(call: Promise<unknown>, name: string, status: number, message?: string | RegExp) {
  let error: (Error & { $metadata?: { httpStatusCode?: number } }) | undefined;
  try {
    await call;
  } catch (e) {
    error = e as Error;
  }
  expect(error).toBeInstanceOf(Error);
  expect(error?.name).toBe(name);
  expect(error?.$metadata?.httpStatusCode).toBe(status);
  if (message !== undefined) expect(error?.message).toMatch(message);
  return error as Error & { $metadata?: { httpStatusCode?: number } };
}

async function statusOf(connectionId: string): Promise<string | undefined> {
  const out = await client.send(new DescribeInboundConnectionsCommand({ Filters: [{ Name: 'connection-id', Values: [connectionId] }] }));
  return out.Connections?.[0]?.ConnectionStatus?.StatusCode;
}

async function packageStatuses(domainName = DOMAIN): Promise<Record<string, string | undefined>> {
  const out = await client.send(new ListPackagesForDomainCommand({ DomainName: domainName }));
  return Object.fromEntries((out.DomainPackageDetailsList ?? []).map((p) => [p.PackageID!, p.DomainPackageStatus]));
}

beforeAll(async () => {
  emulator = await OpenSearchEmulator.start({ clock });
  client = makeClient();
});

afterAll(async () => {
  for (const c of extraClients) c.destroy();
  await emulator.stop();
});

beforeEach(() => {
  now = T0;
  emulator.reset();
});

describe('DescribeInboundConnections', () => {
  test('returns the inbound wire shape: local = source, remote = destination', async () => {
    emulator.reset(world([], [conn(cid(1), 'PENDING_ACCEPTANCE')]));
    const out = await client.send(new DescribeInboundConnectionsCommand({}));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.NextToken).toBeUndefined();
    expect(out.Connections).toEqual([
      {
        ConnectionId: cid(1),
        ConnectionMode: 'DIRECT',
        ConnectionStatus: { StatusCode: 'PENDING_ACCEPTANCE', Message: expect.any(String) },
        LocalDomainInfo: { AWSDomainInformation: { OwnerId: '222222222222', DomainName: 'src-domain', Region: 'eu-west-1' } },
        RemoteDomainInfo: { AWSDomainInformation: { OwnerId: '111111111111', DomainName: DOMAIN, Region: 'us-east-1' } },
      },
    ]);
  });

  test('filters match any of their values and all filters must match', async () => {
    emulator.reset({
      connections: [
        conn(cid(1), 'ACTIVE'),
        conn(cid(2), 'ACTIVE', { source: { domainName: 'other-src', ownerId: '333333333333' } }),
        conn(cid(3), 'ACTIVE', { destination: { domainName: 'other-dest' } }),
      ],
    });
    const ids = async (Filters: Array<{ Name: string; Values: string[] }>) =>
      ((await client.send(new DescribeInboundConnectionsCommand({ Filters }))).Connections ?? []).map((c) => c.ConnectionId);

    expect(await ids([{ Name: 'connection-id', Values: [cid(1), cid(3)] }])).toEqual([cid(1), cid(3)]);
    expect(await ids([{ Name: 'local-domain-info.domain-name', Values: ['other-src'] }])).toEqual([cid(2)]);
    expect(await ids([{ Name: 'local-domain-info.owner-id', Values: ['222222222222'] }])).toEqual([cid(1), cid(3)]);
    expect(await ids([{ Name: 'local-domain-info.region', Values: ['us-east-1'] }])).toEqual([cid(2)]);
    expect(await ids([{ Name: 'remote-domain-info.domain-name', Values: ['other-dest'] }])).toEqual([cid(3)]);
    expect(
      await ids([
        { Name: 'remote-domain-info.domain-name', Values: [DOMAIN] },
        { Name: 'local-domain-info.owner-id', Values: ['222222222222'] },
      ]),
    ).toEqual([cid(1)]);
    expect(await ids([{ Name: 'connection-id', Values: ['cc-nobody-here'] }])).toEqual([]);
  });

  test('refuses an unknown filter name, MaxResults above 100 and a forged NextToken', async () => {
    await expectError(
      client.send(new DescribeInboundConnectionsCommand({ Filters: [{ Name: 'status', Values: ['ACTIVE'] }] })),
      'ValidationException',
      400,
      /status/,
    );
    await expectError(client.send(new DescribeInboundConnectionsCommand({ MaxResults: 101 })), 'ValidationException', 400);
    await expectError(
      client.send(new DescribeInboundConnectionsCommand({ NextToken: 'not-a-token' })),
      'InvalidPaginationTokenException',
      400,
    );
  });

  test('paginates more than 100 connections with MaxResults and the SDK paginator', async () => {
    emulator.reset({ connections: Array.from({ length: 250 }, (_, i) => conn(cid(i), 'ACTIVE')) });

    const first = await client.send(new DescribeInboundConnectionsCommand({}));
    expect(first.Connections).toHaveLength(100);
    expect(first.NextToken).toEqual(expect.any(String));

    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of paginateDescribeInboundConnections({ client, pageSize: 100 }, {})) {
      pages.push(page.Connections!.length);
      seen.push(...page.Connections!.map((c) => c.ConnectionId!));
    }
    expect(pages).toEqual([100, 100, 50]);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => cid(i)));
  });

  test('hiddenForReads hides a connection from the first N calls that would return it', async () => {
    emulator.reset({ connections: [conn(cid(1), 'ACTIVE', { hiddenForReads: 2 }), conn(cid(2), 'ACTIVE')] });

    // A call whose filters exclude it does not use up its invisibility.
    expect(await statusOf(cid(2))).toBe('ACTIVE');
    expect(await statusOf(cid(1))).toBeUndefined();
    expect(emulator.snapshot().connections!.find((c) => c.connectionId === cid(1))?.hiddenForReads).toBe(1);
    expect(await statusOf(cid(1))).toBeUndefined();
    expect(await statusOf(cid(1))).toBe('ACTIVE');
    // Inspection is not subject to eventual consistency.
    emulator.reset({ connections: [conn(cid(1), 'ACTIVE', { hiddenForReads: 5 })] });
    expect(emulator.connection(cid(1))?.status).toBe('ACTIVE');
  });
});

describe('RejectInboundConnection', () => {
  test('PENDING_ACCEPTANCE answers REJECTING, then reads REJECTED with timing 0', async () => {
    emulator.reset(world([], [conn(cid(1), 'PENDING_ACCEPTANCE')]));
    const out = await client.send(new RejectInboundConnectionCommand({ ConnectionId: cid(1) }));
    expect(out.Connection?.ConnectionId).toBe(cid(1));
    expect(out.Connection?.ConnectionStatus?.StatusCode).toBe('REJECTING');
    expect(await statusOf(cid(1))).toBe('REJECTED');
    expect(emulator.connection(cid(1))?.status).toBe('REJECTED');
  });

  test('with rejectMs the connection stays REJECTING until the clock reaches it', async () => {
    emulator.reset(world([], [conn(cid(1), 'PENDING_ACCEPTANCE')]), { rejectMs: 1000 });
    await client.send(new RejectInboundConnectionCommand({ ConnectionId: cid(1) }));
    now = T0 + 999;
    expect(await statusOf(cid(1))).toBe('REJECTING');
    now = T0 + 1000;
    expect(await statusOf(cid(1))).toBe('REJECTED');
  });

  test('with Infinity it never settles, until setTiming releases it', async () => {
    emulator.reset(world([], [conn(cid(1), 'PENDING_ACCEPTANCE'), conn(cid(2), 'DELETING')]), {
      rejectMs: Infinity,
      deleteMs: Infinity,
    });
    await client.send(new RejectInboundConnectionCommand({ ConnectionId: cid(1) }));
    now = T0 + 365 * 24 * 3600 * 1000;
    expect(await statusOf(cid(1))).toBe('REJECTING');
    // setTiming merges: only rejections are released.
    emulator.setTiming({ rejectMs: 0 });
    expect(emulator.connection(cid(1))?.status).toBe('REJECTED');
    expect(emulator.connection(cid(2))?.status).toBe('DELETING');
  });

  test('errors: unknown id, non-pending status, malformed id', async () => {
    emulator.reset(world([], [conn(cid(1), 'ACTIVE')]));
    await expectError(client.send(new RejectInboundConnectionCommand({ ConnectionId: cid(9) })), 'ResourceNotFoundException', 409);
    await expectError(
      client.send(new RejectInboundConnectionCommand({ ConnectionId: cid(1) })),
      'ValidationException',
      400,
      `Connection ${cid(1)} is in ACTIVE state and cannot be rejected`,
    );
    expect(emulator.connection(cid(1))?.status).toBe('ACTIVE');
    await expectError(client.send(new RejectInboundConnectionCommand({ ConnectionId: 'cc-short' })), 'ValidationException', 400);
    await expectError(client.send(new RejectInboundConnectionCommand({ ConnectionId: 'CC-UPPERCASE-1' })), 'ValidationException', 400);
  });
});

describe('DeleteInboundConnection', () => {
  test.each(['PENDING_ACCEPTANCE', 'APPROVED', 'PROVISIONING', 'ACTIVE', 'REJECTING'] as const)('%s answers DELETING', async (status) => {
    // Infinity keeps seeded transient states where they are.
    emulator.reset(world([], [conn(cid(1), status)]), { deleteMs: Infinity, acceptMs: Infinity, rejectMs: Infinity });
    const out = await client.send(new DeleteInboundConnectionCommand({ ConnectionId: cid(1) }));
    expect(out.Connection?.ConnectionStatus?.StatusCode).toBe('DELETING');
    expect(emulator.connection(cid(1))?.status).toBe('DELETING');
  });

  test('ACTIVE → DELETING → DELETED with timing 0, and DELETED stays listed', async () => {
    emulator.reset(world([], [conn(cid(1), 'ACTIVE')]));
    const out = await client.send(new DeleteInboundConnectionCommand({ ConnectionId: cid(1) }));
    expect(out.Connection?.ConnectionStatus?.StatusCode).toBe('DELETING');
    expect(await statusOf(cid(1))).toBe('DELETED');
  });

  test('a second delete while DELETING answers 200 and does not restart the clock', async () => {
    emulator.reset(world([], [conn(cid(1), 'ACTIVE')]), { deleteMs: 1000 });
    await client.send(new DeleteInboundConnectionCommand({ ConnectionId: cid(1) }));
    now = T0 + 600;
    const again = await client.send(new DeleteInboundConnectionCommand({ ConnectionId: cid(1) }));
    expect(again.Connection?.ConnectionStatus?.StatusCode).toBe('DELETING');
    now = T0 + 999;
    expect(await statusOf(cid(1))).toBe('DELETING');
    now = T0 + 1000;
    expect(await statusOf(cid(1))).toBe('DELETED');
  });

  test('with Infinity it stays DELETING', async () => {
    emulator.reset(world([], [conn(cid(1), 'ACTIVE')]), { deleteMs: Infinity });
    await client.send(new DeleteInboundConnectionCommand({ ConnectionId: cid(1) }));
    now = T0 + 10 ** 12;
    expect(await statusOf(cid(1))).toBe('DELETING');
  });

  test.each(['REJECTED', 'DELETED'] as const)('%s, like an unknown id, is ResourceNotFoundException (409)', async (status) => {
    emulator.reset(world([], [conn(cid(1), status)]));
    await expectError(client.send(new DeleteInboundConnectionCommand({ ConnectionId: cid(1) })), 'ResourceNotFoundException', 409);
    await expectError(client.send(new DeleteInboundConnectionCommand({ ConnectionId: cid(2) })), 'ResourceNotFoundException', 409);
    expect(emulator.connection(cid(1))?.status).toBe(status);
  });
});

describe('AcceptInboundConnection', () => {
  test('APPROVED → PROVISIONING at half of acceptMs → ACTIVE at acceptMs', async () => {
    emulator.reset(world([], [conn(cid(1), 'PENDING_ACCEPTANCE')]), { acceptMs: 1000 });
    const out = await client.send(new AcceptInboundConnectionCommand({ ConnectionId: cid(1) }));
    expect(out.Connection?.ConnectionStatus?.StatusCode).toBe('APPROVED');
    now = T0 + 499;
    expect(await statusOf(cid(1))).toBe('APPROVED');
    now = T0 + 500;
    expect(await statusOf(cid(1))).toBe('PROVISIONING');
    now = T0 + 1000;
    expect(await statusOf(cid(1))).toBe('ACTIVE');
  });

  test('timing 0 reads ACTIVE next; Infinity stays APPROVED', async () => {
    emulator.reset(world([], [conn(cid(1), 'PENDING_ACCEPTANCE'), conn(cid(2), 'PENDING_ACCEPTANCE')]));
    await client.send(new AcceptInboundConnectionCommand({ ConnectionId: cid(1) }));
    expect(await statusOf(cid(1))).toBe('ACTIVE');
    emulator.setTiming({ acceptMs: Infinity });
    await client.send(new AcceptInboundConnectionCommand({ ConnectionId: cid(2) }));
    now = T0 + 10 ** 12;
    expect(await statusOf(cid(2))).toBe('APPROVED');
  });

  test('errors: unknown id and non-pending status', async () => {
    emulator.reset(world([], [conn(cid(1), 'REJECTED')]));
    await expectError(client.send(new AcceptInboundConnectionCommand({ ConnectionId: cid(2) })), 'ResourceNotFoundException', 409);
    await expectError(
      client.send(new AcceptInboundConnectionCommand({ ConnectionId: cid(1) })),
      'ValidationException',
      400,
      /REJECTED state/,
    );
  });
});

describe('DissociatePackages', () => {
  test('answers DISSOCIATING with the full details, then the packages disappear', async () => {
    emulator.reset(
      world([
        { packageId: 'F111', packageName: 'synonyms', packageType: 'TXT-DICTIONARY' },
        { packageId: 'pkg-abc1' },
        { packageId: 'G222' },
      ]),
    );
    const out = await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F111', 'pkg-abc1'] }));
    expect(out.DomainPackageDetailsList).toEqual([
      {
        PackageID: 'F111',
        PackageName: 'synonyms',
        PackageType: 'TXT-DICTIONARY',
        LastUpdated: new Date(T0),
        DomainName: DOMAIN,
        DomainPackageStatus: 'DISSOCIATING',
        PrerequisitePackageIDList: [],
      },
      expect.objectContaining({ PackageID: 'pkg-abc1', PackageType: 'ZIP-PLUGIN', DomainPackageStatus: 'DISSOCIATING' }),
    ]);
    expect(await packageStatuses()).toEqual({ G222: 'ACTIVE' });
  });

  test('with dissociateMs it stays DISSOCIATING until due; with Infinity forever', async () => {
    emulator.reset(world([{ packageId: 'F111' }]), { dissociateMs: 2000 });
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F111'] }));
    now = T0 + 1999;
    expect(await packageStatuses()).toEqual({ F111: 'DISSOCIATING' });
    now = T0 + 2000;
    expect(await packageStatuses()).toEqual({});

    emulator.reset(world([{ packageId: 'F111' }]), { dissociateMs: Infinity });
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F111'] }));
    now = T0 + 10 ** 12;
    expect(await packageStatuses()).toEqual({ F111: 'DISSOCIATING' });
  });

  test('failDissociation makes the next dissociation end DISSOCIATION_FAILED, once', async () => {
    emulator.reset(world([{ packageId: 'G222' }]));
    emulator.failDissociation(DOMAIN, 'G222', 'PluginInUse', 'Disable the plugin in every index first');
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['G222'] }));
    const listed = await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN }));
    expect(listed.DomainPackageDetailsList?.[0]).toMatchObject({
      PackageID: 'G222',
      DomainPackageStatus: 'DISSOCIATION_FAILED',
      ErrorDetails: { ErrorType: 'PluginInUse', ErrorMessage: 'Disable the plugin in every index first' },
    });
    expect(emulator.packages(DOMAIN)).toEqual([
      {
        packageId: 'G222',
        status: 'DISSOCIATION_FAILED',
        errorType: 'PluginInUse',
        errorMessage: 'Disable the plugin in every index first',
      },
    ]);

    // A failed entry can be dissociated again, and the failure was used up.
    const retry = await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['G222'] }));
    expect(retry.DomainPackageDetailsList?.[0].DomainPackageStatus).toBe('DISSOCIATING');
    expect(retry.DomainPackageDetailsList?.[0].ErrorDetails).toBeUndefined();
    expect(emulator.packages(DOMAIN)).toEqual([]);
  });

  test('ASSOCIATION_FAILED entries can be dissociated', async () => {
    emulator.reset(world([{ packageId: 'F1', status: 'ASSOCIATION_FAILED', errorType: 'X', errorMessage: 'y' }]));
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F1'] }));
    expect(emulator.packages(DOMAIN)).toEqual([]);
  });

  test('input errors: unknown domain, empty list, malformed ids', async () => {
    emulator.reset(world([{ packageId: 'F111' }]));
    await expectError(
      client.send(new DissociatePackagesCommand({ DomainName: 'no-such-domain', PackageList: ['F111'] })),
      'ResourceNotFoundException',
      409,
    );
    await expectError(client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: [] })), 'ValidationException', 400);
    await expectError(client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['X1'] })), 'ValidationException', 400);
    await expectError(client.send(new DissociatePackagesCommand({ DomainName: 'A!', PackageList: ['F111'] })), 'ValidationException', 400);
    expect(emulator.packages(DOMAIN)).toEqual([{ packageId: 'F111', status: 'ACTIVE' }]);
  });

  test('one package that is not associated refuses the whole request and changes nothing', async () => {
    emulator.reset(world([{ packageId: 'F111' }]));
    const before = emulator.snapshot();
    await expectError(
      client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F111', 'F999'] })),
      'ValidationException',
      400,
      'Package is not associated to this domain',
    );
    expect(emulator.snapshot()).toEqual(before);
  });

  test('a domain with a change in progress refuses with ValidationException', async () => {
    emulator.reset(world([{ packageId: 'F111' }], [], true));
    await expectError(
      client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F111'] })),
      'ValidationException',
      400,
      'A change/update is in progress. Please wait for it to complete before requesting another change.',
    );
    emulator.setProcessing(DOMAIN, false);
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F111'] }));
    expect(emulator.packages(DOMAIN)).toEqual([]);
  });

  test('ConflictException while any package on the domain is ASSOCIATING or DISSOCIATING', async () => {
    emulator.reset(world([{ packageId: 'F111' }, { packageId: 'F222' }]), { dissociateMs: 1000 });
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F111'] }));
    await expectError(
      client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F222'] })),
      'ConflictException',
      409,
      `Another package operation is in progress on domain ${DOMAIN}`,
    );
    expect(emulator.packages(DOMAIN)).toEqual([
      { packageId: 'F111', status: 'DISSOCIATING' },
      { packageId: 'F222', status: 'ACTIVE' },
    ]);
    now = T0 + 1000;
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F222'] }));

    emulator.reset(world([{ packageId: 'F111', status: 'ASSOCIATING' }, { packageId: 'F222' }]), { associateMs: Infinity });
    await expectError(client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F222'] })), 'ConflictException', 409);
  });
});

describe('AssociatePackages', () => {
  test('new entries answer ASSOCIATING and become ACTIVE after associateMs', async () => {
    emulator.reset(world([]), { associateMs: 300 });
    const out = await client.send(
      new AssociatePackagesCommand({
        DomainName: DOMAIN,
        PackageList: [{ PackageID: 'pkg-aa11' }, { PackageID: 'pkg-bb22', PrerequisitePackageIDList: ['pkg-aa11'] }],
      }),
    );
    expect(out.DomainPackageDetailsList?.map((p) => [p.PackageID, p.DomainPackageStatus])).toEqual([
      ['pkg-aa11', 'ASSOCIATING'],
      ['pkg-bb22', 'ASSOCIATING'],
    ]);
    expect(out.DomainPackageDetailsList?.[1].PrerequisitePackageIDList).toEqual(['pkg-aa11']);
    now = T0 + 299;
    expect(await packageStatuses()).toEqual({ 'pkg-aa11': 'ASSOCIATING', 'pkg-bb22': 'ASSOCIATING' });
    now = T0 + 300;
    expect(await packageStatuses()).toEqual({ 'pkg-aa11': 'ACTIVE', 'pkg-bb22': 'ACTIVE' });
  });

  test('already associated is ConflictException; ASSOCIATION_FAILED may be retried', async () => {
    emulator.reset(world([{ packageId: 'F1' }, { packageId: 'F2', status: 'ASSOCIATION_FAILED' }]));
    await expectError(
      client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: 'F1' }] })),
      'ConflictException',
      409,
      'Package is already in desired state',
    );
    await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: 'F2' }] }));
    expect(await packageStatuses()).toEqual({ F1: 'ACTIVE', F2: 'ACTIVE' });
  });

  test('shares the domain checks: not found, in progress, concurrent operation', async () => {
    emulator.reset(world([{ packageId: 'F1', status: 'DISSOCIATING' }], [], false), { dissociateMs: Infinity });
    await expectError(
      client.send(new AssociatePackagesCommand({ DomainName: 'no-such-domain', PackageList: [{ PackageID: 'F2' }] })),
      'ResourceNotFoundException',
      409,
    );
    await expectError(
      client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: 'F2' }] })),
      'ConflictException',
      409,
    );
    emulator.setProcessing(DOMAIN, true);
    await expectError(
      client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: 'F2' }] })),
      'ValidationException',
      400,
      /change\/update is in progress/,
    );
    expect(emulator.packages(DOMAIN)).toEqual([{ packageId: 'F1', status: 'DISSOCIATING' }]);
  });
});

describe('ListPackagesForDomain', () => {
  test('paginates more than 100 packages', async () => {
    emulator.reset(world(Array.from({ length: 150 }, (_, i) => ({ packageId: `F${i}` }))));
    const first = await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN, MaxResults: 100 }));
    expect(first.DomainPackageDetailsList).toHaveLength(100);
    const second = await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN, MaxResults: 100, NextToken: first.NextToken }));
    expect(second.DomainPackageDetailsList).toHaveLength(50);
    expect(second.NextToken).toBeUndefined();

    const ids: string[] = [];
    for await (const page of paginateListPackagesForDomain({ client, pageSize: 40 }, { DomainName: DOMAIN })) {
      ids.push(...page.DomainPackageDetailsList!.map((p) => p.PackageID!));
    }
    expect(ids).toEqual(Array.from({ length: 150 }, (_, i) => `F${i}`));
    expect(emulator.requests.filter((r) => r.operation === 'ListPackagesForDomain').at(-1)?.query).toEqual({
      maxResults: '40',
      nextToken: expect.any(String),
    });
  });

  test('errors: unknown domain, MaxResults above 100, token of another domain', async () => {
    emulator.reset({
      domains: [{ domainName: DOMAIN, packages: [{ packageId: 'F1' }, { packageId: 'F2' }] }, { domainName: 'other-domain' }],
    });
    await expectError(client.send(new ListPackagesForDomainCommand({ DomainName: 'no-such-domain' })), 'ResourceNotFoundException', 409);
    await expectError(client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN, MaxResults: 101 })), 'ValidationException', 400);
    const page = await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN, MaxResults: 1 }));
    expect(page.NextToken).toBeDefined();
    await expectError(
      client.send(new ListPackagesForDomainCommand({ DomainName: 'other-domain', NextToken: page.NextToken })),
      'ValidationException',
      400,
    );
  });
});

describe('DescribeDomain', () => {
  test('reports identity and the processing flag', async () => {
    emulator.reset({ domains: [{ domainName: DOMAIN, ownerId: '444444444444', region: 'eu-central-1' }] });
    const out = await client.send(new DescribeDomainCommand({ DomainName: DOMAIN }));
    expect(out.DomainStatus).toMatchObject({
      DomainId: `444444444444/${DOMAIN}`,
      DomainName: DOMAIN,
      ARN: `arn:aws:es:eu-central-1:444444444444:domain/${DOMAIN}`,
      Created: true,
      Deleted: false,
      Processing: false,
      EngineVersion: 'OpenSearch_2.19',
      DomainProcessingStatus: 'Active',
    });
    emulator.setProcessing(DOMAIN, true);
    const busy = await client.send(new DescribeDomainCommand({ DomainName: DOMAIN }));
    expect(busy.DomainStatus).toMatchObject({ Processing: true, DomainProcessingStatus: 'Modifying' });
  });

  test('unknown or removed domain is ResourceNotFoundException (409)', async () => {
    emulator.reset(world());
    emulator.removeDomain(DOMAIN);
    await expectError(client.send(new DescribeDomainCommand({ DomainName: DOMAIN })), 'ResourceNotFoundException', 409);
    emulator.addDomain({ domainName: DOMAIN });
    expect((await client.send(new DescribeDomainCommand({ DomainName: DOMAIN }))).DomainStatus?.DomainName).toBe(DOMAIN);
  });
});

describe('protocol', () => {
  test('the Date header follows the emulator clock, so virtual-time clients see no clock skew', async () => {
    emulator.reset(world());
    now = T0 + 3_600_000;
    const response = await client.send(new DescribeDomainCommand({ DomainName: DOMAIN }));
    expect(response.$metadata.httpStatusCode).toBe(200);
    const recorded = await new Promise<string | undefined>((resolve, reject) => {
      const req = http.request(
        `${emulator.endpoint}/2021-01-01/opensearch/domain/${DOMAIN}`,
        { headers: { authorization: 'AWS4-HMAC-SHA256 x' }, agent: false },
        (res) => {
          res.resume();
          resolve(res.headers.date);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(recorded).toBe(new Date(T0 + 3_600_000).toUTCString());
  });

  test('an operation the emulator does not serve is UnknownOperationException (404)', async () => {
    await expectError(client.send(new ListDomainNamesCommand({})), 'UnknownOperationException', 404);
    expect(emulator.requests.at(-1)).toMatchObject({ operation: 'Unknown', method: 'GET', status: 404 });
  });

  test('an unsigned request is refused with 403 MissingAuthenticationTokenException', async () => {
    emulator.reset(world([], [conn(cid(1), 'PENDING_ACCEPTANCE')]));
    const raw = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        const req = http.request(
          `${emulator.endpoint}/2021-01-01/opensearch/cc/inboundConnection/${cid(1)}/reject`,
          { method: 'PUT', headers, agent: false },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });

    const unsigned: Array<Record<string, string>> = [{}, { authorization: 'Basic dXNlcjpwYXNz' }];
    for (const headers of unsigned) {
      const res = await raw(headers);
      expect(res.status).toBe(403);
      expect(res.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.body)).toEqual({ message: 'Missing Authentication Token' });
    }
    expect(emulator.connection(cid(1))?.status).toBe('PENDING_ACCEPTANCE');
    expect(emulator.mutatingRequests()).toEqual([]);
    // The SDK signs, so the same request through it gets in.
    await client.send(new RejectInboundConnectionCommand({ ConnectionId: cid(1) }));
    expect(emulator.mutatingRequests()).toHaveLength(1);
  });

  test('records every request with operation, path, body, status and the clock', async () => {
    emulator.reset(world([{ packageId: 'F1' }]));
    now = T0 + 42;
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F1'] }));
    await expectError(client.send(new DescribeDomainCommand({ DomainName: 'no-such-domain' })), 'ResourceNotFoundException', 409);
    expect(emulator.requests).toEqual([
      {
        operation: 'DissociatePackages',
        method: 'POST',
        path: '/2021-01-01/packages/dissociateMultiple',
        body: { DomainName: DOMAIN, PackageList: ['F1'] },
        status: 200,
        at: T0 + 42,
        caller: { account: '111111111111', region: 'us-east-1' },
      },
      {
        operation: 'DescribeDomain',
        method: 'GET',
        path: '/2021-01-01/opensearch/domain/no-such-domain',
        body: undefined,
        status: 409,
        errorType: 'ResourceNotFoundException',
        at: T0 + 42,
        caller: { account: '111111111111', region: 'us-east-1' },
      },
    ]);
    expect(emulator.mutatingRequests().map((r) => r.operation)).toEqual(['DissociatePackages']);
    emulator.clearRequests();
    expect(emulator.requests).toEqual([]);
  });

  test('stop() closes kept-alive connections promptly', async () => {
    const own = await OpenSearchEmulator.start({ world: world() });
    const ownClient = new OpenSearchClient({
      endpoint: own.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' },
    });
    await ownClient.send(new DescribeDomainCommand({ DomainName: DOMAIN }));
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(500);
    ownClient.destroy();
  });

  test('stop() does not wait for a request still in flight', async () => {
    const own = await OpenSearchEmulator.start({ world: world() });
    const ownClient = new OpenSearchClient({
      endpoint: own.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    own.injectFault({ operation: 'DescribeDomain', kind: 'slow', times: 1, delayMs: 30_000 });
    const pending = ownClient.send(new DescribeDomainCommand({ DomainName: DOMAIN })).then(
      () => 'answered',
      () => 'failed',
    );
    while (own.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending).toBe('failed');
    ownClient.destroy();
  });

  test('refuses timing and faults that can only be test mistakes', () => {
    expect(() => emulator.setTiming({ rejectMs: -1 })).toThrow(/rejectMs/);
    expect(() => emulator.setTiming({ dissociateMs: NaN })).toThrow(/dissociateMs/);
    expect(() => emulator.setTiming({ rejectMS: 5 } as never)).toThrow(/rejectMS/);
    expect(() => emulator.injectFault({ operation: '*', kind: 'throttle', times: 0 })).toThrow(/times/);
    expect(() => emulator.injectFault({ operation: '*', kind: 'explode' as never, times: 1 })).toThrow(/explode/);
    expect(() => emulator.addDomain({ domainName: 'twice-domain' })).not.toThrow();
    expect(() => emulator.addDomain({ domainName: 'twice-domain' })).toThrow(/already exists/);
  });
});

describe('faults', () => {
  test.each([
    ['throttle', 'ThrottlingException', 429, 'Rate exceeded'],
    ['internal', 'InternalException', 500, undefined],
    ['conflict', 'ConflictException', 409, undefined],
    ['in-progress', 'ValidationException', 400, 'A change/update is in progress'],
  ] as const)('%s answers %s (%i) and changes no state', async (kind, name, status, message) => {
    emulator.reset(world([{ packageId: 'F1' }], [conn(cid(1), 'PENDING_ACCEPTANCE')]));
    const before = emulator.snapshot();
    emulator.injectFault({ operation: 'RejectInboundConnection', kind, times: 1 });
    await expectError(client.send(new RejectInboundConnectionCommand({ ConnectionId: cid(1) })), name, status, message);
    expect(emulator.snapshot()).toEqual(before);
    expect(emulator.requests.at(-1)).toMatchObject({ operation: 'RejectInboundConnection', fault: kind, status, errorType: name });
    expect(emulator.mutatingRequests()).toEqual([]);
    // times: 1 is used up, the same call now goes through.
    await client.send(new RejectInboundConnectionCommand({ ConnectionId: cid(1) }));
    expect(emulator.connection(cid(1))?.status).toBe('REJECTED');
  });

  test('a fault only hits its operation and counts down times; "*" hits any', async () => {
    emulator.reset(world([{ packageId: 'F1' }]));
    emulator.injectFault({ operation: 'DissociatePackages', kind: 'throttle', times: 2 });
    await client.send(new DescribeDomainCommand({ DomainName: DOMAIN }));
    for (let i = 0; i < 2; i++) {
      await expectError(
        client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F1'] })),
        'ThrottlingException',
        429,
      );
    }
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F1'] }));

    emulator.injectFault({ operation: '*', kind: 'internal', times: Infinity });
    await expectError(client.send(new DescribeDomainCommand({ DomainName: DOMAIN })), 'InternalException', 500);
    await expectError(client.send(new DescribeInboundConnectionsCommand({})), 'InternalException', 500);
    emulator.clearFaults();
    await client.send(new DescribeInboundConnectionsCommand({}));
  });

  test('the SDK retry strategy rides over a single transient fault', async () => {
    emulator.reset(world());
    emulator.injectFault({ operation: 'DescribeDomain', kind: 'internal', times: 1 });
    const retrying = makeClient({ maxAttempts: 3 });
    const out = await retrying.send(new DescribeDomainCommand({ DomainName: DOMAIN }));
    expect(out.$metadata.attempts).toBe(2);
    expect(emulator.requests.map((r) => r.status)).toEqual([500, 200]);
  });

  test('drop destroys the socket: a network error, no state change', async () => {
    emulator.reset(world([{ packageId: 'F1' }]));
    emulator.injectFault({ operation: 'DissociatePackages', kind: 'drop', times: 1 });
    await expect(timeoutClient().send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F1'] }))).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect(emulator.packages(DOMAIN)).toEqual([{ packageId: 'F1', status: 'ACTIVE' }]);
    expect(emulator.requests.at(-1)).toMatchObject({ fault: 'drop', status: 0 });
    expect(emulator.mutatingRequests()).toEqual([]);
  });

  test('slow past the client timeout is a TimeoutError, yet the request still lands', async () => {
    emulator.reset(world([], [conn(cid(1), 'PENDING_ACCEPTANCE')]));
    emulator.injectFault({ operation: 'RejectInboundConnection', kind: 'slow', times: 1, delayMs: 500 });
    await expect(timeoutClient().send(new RejectInboundConnectionCommand({ ConnectionId: cid(1) }))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(emulator.connection(cid(1))?.status).toBe('PENDING_ACCEPTANCE');
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Like a real service whose answer was lost: the change happened even though the client gave up.
    expect(emulator.connection(cid(1))?.status).toBe('REJECTED');
    expect(emulator.mutatingRequests()).toHaveLength(1);
    expect(emulator.requests.at(-1)).toMatchObject({ fault: 'slow', status: 200 });
  });

  test('slow within the client timeout answers normally, after the delay', async () => {
    emulator.reset(world());
    emulator.injectFault({ operation: 'DescribeDomain', kind: 'slow', times: 1, delayMs: 150 });
    const started = Date.now();
    const out = await timeoutClient().send(new DescribeDomainCommand({ DomainName: DOMAIN }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(out.DomainStatus?.DomainName).toBe(DOMAIN);
  });

  test('reset() abandons a slow request, so it cannot land in the next world', async () => {
    emulator.reset(world([], [conn(cid(1), 'PENDING_ACCEPTANCE')]));
    emulator.injectFault({ operation: 'RejectInboundConnection', kind: 'slow', times: 1, delayMs: 200 });
    const pending = client.send(new RejectInboundConnectionCommand({ ConnectionId: cid(1) })).then(
      () => 'answered',
      () => 'failed',
    );
    while (emulator.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    emulator.reset(world([], [conn(cid(1), 'PENDING_ACCEPTANCE')]));
    expect(await pending).toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emulator.connection(cid(1))?.status).toBe('PENDING_ACCEPTANCE');
    expect(emulator.requests).toEqual([]);
  });

  test('reset() clears faults, failures and the request log', async () => {
    emulator.reset(world([{ packageId: 'F1' }]));
    emulator.injectFault({ operation: '*', kind: 'throttle', times: Infinity });
    emulator.failDissociation(DOMAIN, 'F1', 'E', 'm');
    await expectError(client.send(new DescribeDomainCommand({ DomainName: DOMAIN })), 'ThrottlingException', 429);
    emulator.reset(world([{ packageId: 'F1' }]));
    expect(emulator.requests).toEqual([]);
    await client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F1'] }));
    expect(emulator.packages(DOMAIN)).toEqual([]);
  });
});
