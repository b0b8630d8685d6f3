import { CREATE_FAILED_MARKER, DELETION, aged, connection, event, mutations, releasedAtPoll, run, seed, useEmulator } from './harness';

const { emulator } = useEmulator();
const PHYSICAL_ID = (id: string) => `opensearch-inbound-connection-deletion:${id}`;
const props = (connectionId: string, extra: Record<string, unknown> = {}) => ({
  ConnectionId: connectionId,
  DomainName: 'logs-destination',
  TimeoutSeconds: 60,
  ...extra,
});
const deleteEvent = (connectionId: string, extra: Record<string, unknown> = {}) =>
  event(DELETION, 'Delete', props(connectionId, extra), { physicalResourceId: PHYSICAL_ID(connectionId) });

describe('InboundConnectionDeletion handler', () => {
  describe('Create', () => {
    test('an existing connection: no change, its status reported', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
      const outcome = await run(event(DELETION, 'Create', props('cc-active-0001')));
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-active-0001'));
      expect(outcome.data).toEqual({ ConnectionStatus: 'ACTIVE' });
      expect(mutations(emulator())).toEqual([]);
    });

    test('a connection that does not exist (typo guard): fails after the grace period, no change', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
      await expect(run(event(DELETION, 'Create', props('cc-actvie-0001')), { beforePoll: aged(30_001) })).rejects.toThrow(
        /^Inbound connection cc-actvie-0001 not found in account 111111111111 in us-east-1\./,
      );
      expect(mutations(emulator())).toEqual([]);
    });

    test('a connection to another domain fails and is not touched', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE', { destination: { domainName: 'other-domain' } })] });
      await expect(run(event(DELETION, 'Create', props('cc-active-0001')))).rejects.toThrow(
        /goes to domain other-domain, not logs-destination/,
      );
      expect(mutations(emulator())).toEqual([]);
    });
  });

  describe('Update', () => {
    test('a new connection id: a replacement, checked like a Create; the old connection is left to the old resource', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE'), connection('cc-active-0002', 'ACTIVE')] });
      const outcome = await run(
        event(DELETION, 'Update', props('cc-active-0002'), {
          physicalResourceId: PHYSICAL_ID('cc-active-0001'),
          oldProperties: props('cc-active-0001'),
        }),
      );
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-active-0002'));
      expect(mutations(emulator())).toEqual([]);
      // CloudFormation then deletes the replaced resource, with its own properties.
      await run(deleteEvent('cc-active-0001'));
      expect(mutations(emulator())).toEqual(['DeleteInboundConnection cc-active-0001']);
      expect(emulator().connection('cc-active-0001')?.status).toBe('DELETED');
      expect(emulator().connection('cc-active-0002')?.status).toBe('ACTIVE');
    });

    test('other changes: same physical id, no mutating call', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
      const outcome = await run(
        event(DELETION, 'Update', props('cc-active-0001', { TimeoutSeconds: 900 }), {
          physicalResourceId: PHYSICAL_ID('cc-active-0001'),
          oldProperties: props('cc-active-0001'),
        }),
      );
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-active-0001'));
      expect(outcome.data).toEqual({ ConnectionStatus: 'ACTIVE' });
      expect(mutations(emulator())).toEqual([]);
    });

    test('rollback: an update to a missing connection fails; the swapped update returns to the old id with no change', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
      await expect(
        run(
          event(DELETION, 'Update', props('cc-missing-0001'), {
            physicalResourceId: PHYSICAL_ID('cc-active-0001'),
            oldProperties: props('cc-active-0001'),
          }),
          {
            beforePoll: aged(30_001),
          },
        ),
      ).rejects.toThrow(/cc-missing-0001 not found/);
      const rollback = await run(
        event(DELETION, 'Update', props('cc-active-0001'), {
          physicalResourceId: PHYSICAL_ID('cc-missing-0001'),
          oldProperties: props('cc-missing-0001'),
        }),
      );
      expect(rollback.physicalResourceId).toBe(PHYSICAL_ID('cc-active-0001'));
      // The failed replacement's own Delete then finds nothing to delete.
      await run(deleteEvent('cc-missing-0001'));
      expect(mutations(emulator())).toEqual([]);
      expect(emulator().connection('cc-active-0001')?.status).toBe('ACTIVE');
    });
  });

  describe('Delete', () => {
    test('PENDING_ACCEPTANCE: rejects it and waits until REJECTED', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] }, { rejectMs: 30 });
      const outcome = await run(deleteEvent('cc-pending-0001'));
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-pending-0001'));
      expect(mutations(emulator())).toEqual(['RejectInboundConnection cc-pending-0001']);
      expect(emulator().connection('cc-pending-0001')?.status).toBe('REJECTED');
    });

    test.each(['APPROVED', 'PROVISIONING', 'ACTIVE'] as const)('%s: deletes it and waits until DELETED', async (status) => {
      seed(
        emulator(),
        { connections: [connection('cc-active-0001', status), connection('cc-active-0002', 'ACTIVE')] },
        { deleteMs: 60_000, acceptMs: Infinity },
      );
      const outcome = await run(deleteEvent('cc-active-0001'), { beforePoll: releasedAtPoll(emulator(), 1, { deleteMs: 0 }) });
      expect(outcome.polls).toBe(1);
      expect(mutations(emulator())).toEqual(['DeleteInboundConnection cc-active-0001']);
      expect(emulator().connection('cc-active-0001')?.status).toBe('DELETED');
      expect(emulator().connection('cc-active-0002')?.status).toBe('ACTIVE');
    });

    test('DELETING: waits until DELETED without a call', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'DELETING')] }, { deleteMs: 30 });
      await run(deleteEvent('cc-active-0001'));
      expect(mutations(emulator())).toEqual([]);
      expect(emulator().connection('cc-active-0001')?.status).toBe('DELETED');
    });

    test.each(['DELETED', 'REJECTED'] as const)('%s: succeeds at once, no call', async (status) => {
      seed(emulator(), { connections: [connection('cc-active-0001', status)] });
      const outcome = await run(deleteEvent('cc-active-0001'));
      expect(outcome.handover.Done).toBe(true);
      expect(mutations(emulator())).toEqual([]);
    });

    test('not found: succeeds at once, no call', async () => {
      seed(emulator(), {});
      const outcome = await run(deleteEvent('cc-active-0001'));
      expect(outcome.handover.Done).toBe(true);
      expect(mutations(emulator())).toEqual([]);
    });

    test('a connection that now goes to another domain is not ours: succeeds, no call', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE', { destination: { domainName: 'other-domain' } })] });
      await run(deleteEvent('cc-active-0001'));
      expect(mutations(emulator())).toEqual([]);
      expect(emulator().connection('cc-active-0001')?.status).toBe('ACTIVE');
    });

    test('a deletion that never settles fails at its deadline with the last status', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] }, { deleteMs: Infinity });
      await expect(
        run(deleteEvent('cc-active-0001', { TimeoutSeconds: 120 }), { beforePoll: (e, poll) => (poll < 3 ? e : aged(120_000)(e)) }),
      ).rejects.toThrow(/^Timed out after 2 minutes waiting for inbound connection cc-active-0001 to be deleted; last status: DELETING\./);
      expect(mutations(emulator())).toEqual(['DeleteInboundConnection cc-active-0001']);
    });

    test('after a failed Create (framework marker): no call', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
      await run(event(DELETION, 'Delete', props('cc-active-0001'), { physicalResourceId: CREATE_FAILED_MARKER }));
      expect(emulator().requests).toEqual([]);
    });

    test('under a physical id CloudFormation made up (Create still running): no call', async () => {
      seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
      const outcome = await run(
        event(DELETION, 'Delete', props('cc-active-0001'), { physicalResourceId: 'HandlerTest-Resource-1A2B3C4D5E6F' }),
      );
      expect(outcome.physicalResourceId).toBe('HandlerTest-Resource-1A2B3C4D5E6F');
      expect(emulator().requests).toEqual([]);
    });

    test('invalid properties: nothing was created, so nothing to do', async () => {
      seed(emulator(), {});
      const outcome = await run(event(DELETION, 'Delete', props('x'), { physicalResourceId: 'whatever-it-was' }));
      expect(outcome.physicalResourceId).toBe('whatever-it-was');
      expect(emulator().requests).toEqual([]);
    });
  });
});
