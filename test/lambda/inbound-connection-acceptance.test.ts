import { CreateOutboundConnectionCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { onEvent } from '../../lambda';
import { aged, connection, event, run, seed, source, useEmulator } from './harness';

const { emulator, stack } = useEmulator();
const ACCEPTANCE = 'Custom::OpenSearchInboundConnectionAcceptance';
const PHYSICAL_ID = (id: string) => `opensearch-inbound-connection-acceptance:${id}`;

/** The handler runs as the destination: account 111111111111 in us-east-1; the source is harness's `source`. */
const WORLD = { domains: [{ domainName: 'logs-destination' }, { ...source }] };
const byId = (connectionId: string, extra: Record<string, unknown> = {}) => ({
  DomainName: 'logs-destination',
  ConnectionId: connectionId,
  TimeoutSeconds: 60,
  ...extra,
});
const bySource = (extra: Record<string, unknown> = {}) => ({
  DomainName: 'logs-destination',
  SourceDomainName: source.domainName,
  SourceOwnerId: source.ownerId,
  SourceRegion: source.region,
  TimeoutSeconds: 60,
  ...extra,
});

const mutated = () =>
  emulator()
    .mutatingRequests()
    .map((request) => `${request.operation} ${request.path.split('/')[5] ?? ''}`.trim());

let sourceClient: OpenSearchClient | undefined;
/** The source's owner (account 222222222222 in eu-west-1) making its outbound connection. */
async function sourceCreates(alias = 'to-destination'): Promise<string> {
  sourceClient ??= new OpenSearchClient({
    endpoint: emulator().endpoint,
    region: source.region,
    credentials: { accessKeyId: `AKIALOCAL${source.ownerId}`, secretAccessKey: 'x' },
  });
  const created = await sourceClient.send(
    new CreateOutboundConnectionCommand({
      LocalDomainInfo: { AWSDomainInformation: { DomainName: source.domainName } },
      RemoteDomainInfo: { AWSDomainInformation: { DomainName: 'logs-destination', OwnerId: '111111111111', Region: 'us-east-1' } },
      ConnectionAlias: alias,
    }),
  );
  return created.ConnectionId!;
}
afterAll(() => sourceClient?.destroy());

describe('InboundConnectionAcceptance handler', () => {
  describe('Create', () => {
    test('by id, PENDING_ACCEPTANCE: AcceptInboundConnection once, then waits until ACTIVE', async () => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] }, { acceptMs: 40 });
      const outcome = await run(event(ACCEPTANCE, 'Create', byId('cc-pending-0001')));
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-pending-0001'));
      expect(outcome.data).toEqual({ ConnectionId: 'cc-pending-0001', ConnectionStatus: 'ACTIVE' });
      expect(mutated()).toEqual(['AcceptInboundConnection cc-pending-0001']);
      expect(emulator().connection('cc-pending-0001')?.status).toBe('ACTIVE');
    });

    test('by source: finds the connection from that domain, no id passed, and accepts it', async () => {
      seed(emulator(), WORLD);
      const id = await sourceCreates();
      emulator().clearRequests();
      const outcome = await run(event(ACCEPTANCE, 'Create', bySource()));
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID(id));
      expect(outcome.data).toEqual({ ConnectionId: id, ConnectionStatus: 'ACTIVE' });
      expect(mutated()).toEqual([`AcceptInboundConnection ${id}`]);
      const lookup = emulator().requests.find((request) => request.operation === 'DescribeInboundConnections')!;
      expect(lookup.body).toEqual({
        Filters: [
          { Name: 'local-domain-info.owner-id', Values: ['222222222222'] },
          { Name: 'local-domain-info.region', Values: ['eu-west-1'] },
          { Name: 'local-domain-info.domain-name', Values: ['logs-source'] },
          { Name: 'remote-domain-info.domain-name', Values: ['logs-destination'] },
        ],
      });
    });

    test('by source, deployed first: waits while nothing is visible, accepts once the source has made it', async () => {
      seed(emulator(), WORLD);
      let created: Promise<string> | undefined;
      const outcome = await run(event(ACCEPTANCE, 'Create', bySource()), {
        beforePoll: (e, poll) => {
          if (poll === 3) created = sourceCreates();
          return e;
        },
      });
      const id = await created!;
      expect(outcome.polls).toBeGreaterThan(3);
      expect(outcome.data).toEqual({ ConnectionId: id, ConnectionStatus: 'ACTIVE' });
      expect(mutated()).toEqual(['CreateOutboundConnection', `AcceptInboundConnection ${id}`]);
    });

    test('by source: ended connections from that domain are not candidates', async () => {
      seed(emulator(), {
        ...WORLD,
        connections: [
          connection('cc-deleted-0001', 'DELETED'),
          connection('cc-rejected-001', 'REJECTED'),
          connection('cc-pending-0001', 'PENDING_ACCEPTANCE'),
        ],
      });
      const outcome = await run(event(ACCEPTANCE, 'Create', bySource()));
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-pending-0001'));
      expect(mutated()).toEqual(['AcceptInboundConnection cc-pending-0001']);
    });

    test('by source, several candidates: fails listing their ids, accepts nothing', async () => {
      seed(emulator(), {
        ...WORLD,
        connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE'), connection('cc-active-0001', 'ACTIVE')],
      });
      await expect(run(event(ACCEPTANCE, 'Create', bySource()))).rejects.toThrow(
        'Found 2 connections from domain logs-source of account 222222222222 in eu-west-1 to domain logs-destination: ' +
          'cc-pending-0001 (PENDING_ACCEPTANCE), cc-active-0001 (ACTIVE); nothing was accepted. Name the one to accept with connectionId.',
      );
      expect(mutated()).toEqual([]);
    });

    test('by source, never visible: fails at the deadline naming what was looked for and where', async () => {
      seed(emulator(), WORLD);
      await expect(run(event(ACCEPTANCE, 'Create', bySource()), { beforePoll: aged(60_000) })).rejects.toThrow(
        /^Timed out after 1 minute waiting for an inbound connection from domain logs-source of account 222222222222 in eu-west-1 to domain logs-destination in account 111111111111 in us-east-1 to be ACTIVE; last status: not visible yet\./,
      );
      expect(mutated()).toEqual([]);
    });

    test('by id, not visible yet: keeps waiting (no grace period) until it shows', async () => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE', { hiddenForReads: 3 })] });
      const outcome = await run(event(ACCEPTANCE, 'Create', byId('cc-pending-0001')), { beforePoll: aged(45_000) });
      expect(outcome.data).toEqual({ ConnectionId: 'cc-pending-0001', ConnectionStatus: 'ACTIVE' });
    });

    test.each(['APPROVED', 'PROVISIONING'] as const)('%s: waits until ACTIVE, no call', async (status) => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-accepted-001', status)] }, { acceptMs: 40 });
      const outcome = await run(event(ACCEPTANCE, 'Create', byId('cc-accepted-001')));
      expect(outcome.data).toEqual({ ConnectionId: 'cc-accepted-001', ConnectionStatus: 'ACTIVE' });
      expect(mutated()).toEqual([]);
    });

    test('ACTIVE: done at once, no call', async () => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-active-0001', 'ACTIVE')] });
      const outcome = await run(event(ACCEPTANCE, 'Create', byId('cc-active-0001')));
      expect(outcome.handover.Done).toBe(true);
      expect(outcome.handover.PhysicalResourceId).toBe(PHYSICAL_ID('cc-active-0001'));
      expect(mutated()).toEqual([]);
    });

    test.each(['REJECTED', 'DELETED', 'DELETING', 'REJECTING'] as const)('%s: fails, no call', async (status) => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-ended-00001', status)] }, { deleteMs: Infinity, rejectMs: Infinity });
      await expect(run(event(ACCEPTANCE, 'Create', byId('cc-ended-00001')))).rejects.toThrow(
        `Inbound connection cc-ended-00001 is ${status} and can no longer be accepted; nothing was changed.`,
      );
      expect(mutated()).toEqual([]);
    });

    test('by id, a connection to another domain: fails, not touched', async () => {
      seed(emulator(), {
        ...WORLD,
        connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE', { destination: { domainName: 'other-domain' } })],
      });
      await expect(run(event(ACCEPTANCE, 'Create', byId('cc-pending-0001')))).rejects.toThrow(
        /^Inbound connection cc-pending-0001 goes to domain other-domain, not logs-destination; nothing was changed/,
      );
      expect(mutated()).toEqual([]);
    });

    test('throttled AcceptInboundConnection: the SDK retries, one acceptance', async () => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] });
      emulator().injectFault({ operation: 'AcceptInboundConnection', kind: 'throttle', times: 2 });
      const outcome = await run(event(ACCEPTANCE, 'Create', byId('cc-pending-0001')));
      expect(outcome.data.ConnectionStatus).toBe('ACTIVE');
      expect(mutated()).toEqual(['AcceptInboundConnection cc-pending-0001']);
    });
  });

  describe('Update', () => {
    test('only the timeout changed: same physical id, no call, status reported', async () => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-active-0001', 'ACTIVE')] });
      const outcome = await run(
        event(ACCEPTANCE, 'Update', byId('cc-active-0001', { TimeoutSeconds: 120 }), {
          physicalResourceId: PHYSICAL_ID('cc-active-0001'),
          oldProperties: byId('cc-active-0001'),
        }),
      );
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-active-0001'));
      expect(outcome.data).toEqual({ ConnectionId: 'cc-active-0001', ConnectionStatus: 'ACTIVE' });
      expect(mutated()).toEqual([]);
    });

    test('another connection: a replacement, accepted like a Create; the old one is left to the old resource', async () => {
      seed(emulator(), {
        ...WORLD,
        connections: [connection('cc-active-0001', 'ACTIVE'), connection('cc-pending-0002', 'PENDING_ACCEPTANCE')],
      });
      const outcome = await run(
        event(ACCEPTANCE, 'Update', byId('cc-pending-0002'), {
          physicalResourceId: PHYSICAL_ID('cc-active-0001'),
          oldProperties: byId('cc-active-0001'),
        }),
      );
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-pending-0002'));
      expect(mutated()).toEqual(['AcceptInboundConnection cc-pending-0002']);
      expect(emulator().connection('cc-active-0001')?.status).toBe('ACTIVE');
    });

    test('the same connection named another way (id instead of source): not a replacement', async () => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-active-0001', 'ACTIVE')] });
      const outcome = await run(
        event(ACCEPTANCE, 'Update', byId('cc-active-0001'), {
          physicalResourceId: PHYSICAL_ID('cc-active-0001'),
          oldProperties: bySource(),
        }),
      );
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-active-0001'));
      expect(mutated()).toEqual([]);
    });
  });

  describe('Delete', () => {
    const deleteEvent = (connectionId: string) =>
      event(ACCEPTANCE, 'Delete', bySource(), { physicalResourceId: PHYSICAL_ID(connectionId) });

    test('ACTIVE: DeleteInboundConnection, then waits until DELETED (shared with InboundConnectionDeletion)', async () => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-active-0001', 'ACTIVE')] }, { deleteMs: 40 });
      await run(deleteEvent('cc-active-0001'));
      expect(mutated()).toEqual(['DeleteInboundConnection cc-active-0001']);
      expect(emulator().connection('cc-active-0001')?.status).toBe('DELETED');
    });

    test('PENDING_ACCEPTANCE: RejectInboundConnection, then waits until REJECTED', async () => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] }, { rejectMs: 40 });
      await run(deleteEvent('cc-pending-0001'));
      expect(mutated()).toEqual(['RejectInboundConnection cc-pending-0001']);
      expect(emulator().connection('cc-pending-0001')?.status).toBe('REJECTED');
    });

    test.each(['DELETED', 'REJECTED'] as const)('already %s: succeeds at once, no call', async (status) => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-ended-00001', status)] });
      const outcome = await run(deleteEvent('cc-ended-00001'));
      expect(outcome.handover.Done).toBe(true);
      expect(mutated()).toEqual([]);
    });

    test('gone: succeeds at once, no call', async () => {
      seed(emulator(), WORLD);
      const outcome = await run(deleteEvent('cc-gone-000001'));
      expect(outcome.handover.Done).toBe(true);
      expect(mutated()).toEqual([]);
    });

    test('a physical id this handler did not make: nothing to do', async () => {
      seed(emulator(), { ...WORLD, connections: [connection('cc-active-0001', 'ACTIVE')] });
      const outcome = await run(event(ACCEPTANCE, 'Delete', bySource(), { physicalResourceId: 'made-up' }));
      expect(outcome.handover.Done).toBe(true);
      expect(mutated()).toEqual([]);
    });

    test.each(['ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS'])(
      'during a rollback (%s): no call, its status and a note saying why (the source owner made it)',
      async (status) => {
        seed(emulator(), { ...WORLD, connections: [connection('cc-active-0001', 'ACTIVE')] });
        stack().status = status;
        const outcome = await run(deleteEvent('cc-active-0001'));
        expect(mutated()).toEqual([]);
        expect(outcome.data).toEqual({
          Note: `stack is rolling back (${status}): connection cc-active-0001 was made by its source's owner and is left as it is`,
          ConnectionId: 'cc-active-0001',
          ConnectionStatus: 'ACTIVE',
        });
        expect(emulator().connection('cc-active-0001')?.status).toBe('ACTIVE');
      },
    );
  });

  describe('bad input', () => {
    test.each([
      [
        byId('cc-pending-0001', { SourceDomainName: 'logs-source' }),
        /^Give either ConnectionId or SourceDomainName, SourceOwnerId, SourceRegion, not both$/,
      ],
      [{ DomainName: 'logs-destination' }, /^Give either ConnectionId or SourceDomainName, SourceOwnerId, SourceRegion, not neither$/],
      [
        bySource({ SourceRegion: undefined }),
        /^SourceDomainName, SourceOwnerId, SourceRegion go together; got only SourceDomainName, SourceOwnerId$/,
      ],
      [bySource({ SourceOwnerId: 'abc' }), /^SourceOwnerId must be an AWS account id of 12 digits; got "abc"$/],
      [byId('CC-1'), /^ConnectionId must be 10-256 characters/],
      [byId('cc-pending-0001', { DomainName: undefined }), /^DomainName must be 3-28 characters/],
    ])('%j: FAILED with a one-line reason, no call', async (properties, reason) => {
      seed(emulator(), WORLD);
      await expect(onEvent(event(ACCEPTANCE, 'Create', properties))).rejects.toThrow(reason);
      expect(emulator().requests).toEqual([]);
    });
  });
});
