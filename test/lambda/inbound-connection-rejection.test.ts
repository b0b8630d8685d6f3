import { onEvent } from '../../lambda';
import { CREATE_FAILED_MARKER, REJECTION, aged, connection, event, mutations, releasedAtPoll, run, seed, useEmulator } from './harness';

const { emulator } = useEmulator();
const PHYSICAL_ID = (id: string) => `opensearch-inbound-connection-rejection:${id}`;
const props = (connectionId: string, extra: Record<string, unknown> = {}) => ({
  ConnectionId: connectionId,
  DomainName: 'logs-destination',
  TimeoutSeconds: 60,
  ...extra,
});

describe('InboundConnectionRejection handler', () => {
  describe('Create', () => {
    test('PENDING_ACCEPTANCE: rejects once, then waits until REJECTED', async () => {
      seed(
        emulator(),
        { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE'), connection('cc-other-0001', 'PENDING_ACCEPTANCE')] },
        { rejectMs: 60_000 },
      );
      const outcome = await run(event(REJECTION, 'Create', props('cc-pending-0001')), {
        beforePoll: releasedAtPoll(emulator(), 1, { rejectMs: 0 }),
      });
      // While it waits, the framework holds the CREATE_FAILED marker; the real id comes when done.
      expect(outcome.handover.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-pending-0001'));
      expect(outcome.data).toEqual({ ConnectionStatus: 'REJECTED' });
      expect(outcome.polls).toBe(1);
      expect(mutations(emulator())).toEqual(['RejectInboundConnection cc-pending-0001']);
      expect(emulator().connection('cc-pending-0001')?.status).toBe('REJECTED');
      expect(emulator().connection('cc-other-0001')?.status).toBe('PENDING_ACCEPTANCE');
    });

    test('REJECTING: waits until REJECTED without calling Reject', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'REJECTING')] }, { rejectMs: 40 });
      const outcome = await run(event(REJECTION, 'Create', props('cc-pending-0001')));
      expect(outcome.data).toEqual({ ConnectionStatus: 'REJECTED' });
      expect(mutations(emulator())).toEqual([]);
    });

    test.each(['REJECTED', 'DELETING', 'DELETED'] as const)('%s: succeeds at once without calling Reject', async (status) => {
      seed(emulator(), { connections: [connection('cc-pending-0001', status)] }, { deleteMs: Infinity });
      const outcome = await run(event(REJECTION, 'Create', props('cc-pending-0001')));
      expect(outcome.handover.Done).toBe(true);
      expect(outcome.data).toEqual({ ConnectionStatus: status });
      expect(mutations(emulator())).toEqual([]);
    });

    test.each(['APPROVED', 'PROVISIONING', 'ACTIVE'] as const)(
      '%s: fails, pointing to InboundConnectionDeletion, and changes nothing',
      async (status) => {
        seed(emulator(), { connections: [connection('cc-active-0001', status)] }, { acceptMs: Infinity });
        await expect(run(event(REJECTION, 'Create', props('cc-active-0001')))).rejects.toThrow(
          `Inbound connection cc-active-0001 is already accepted (${status}) and can no longer be rejected; nothing was changed. To remove it, use InboundConnectionDeletion instead.`,
        );
        expect(mutations(emulator())).toEqual([]);
        expect(emulator().connection('cc-active-0001')?.status).toBe(status);
      },
    );

    test('not visible: waits out the grace period, then fails naming the id, account and region', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] });
      // The failure comes from isComplete: the framework reports it under the marker it holds,
      // so the Delete CloudFormation sends next never reaches the handler.
      const handover = await onEvent(event(REJECTION, 'Create', props('cc-typo-000001')));
      expect(handover.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
      await expect(
        run(event(REJECTION, 'Create', props('cc-typo-000001')), { beforePoll: (e, poll) => (poll === 0 ? e : aged(31_000)(e)) }),
      ).rejects.toThrow(
        'Inbound connection cc-typo-000001 not found in account 111111111111 in us-east-1. Check the connection id, and deploy the stack to the account and region of the destination domain.',
      );
      expect(mutations(emulator())).toEqual([]);
    });

    test('not visible for the first lookups (eventual consistency): rejects it once it shows', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE', { hiddenForReads: 2 })] });
      const outcome = await run(event(REJECTION, 'Create', props('cc-pending-0001')));
      expect(outcome.data).toEqual({ ConnectionStatus: 'REJECTED' });
      expect(mutations(emulator())).toEqual(['RejectInboundConnection cc-pending-0001']);
    });

    test('a connection to another domain than the one named fails and is not touched', async () => {
      seed(emulator(), {
        connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE', { destination: { domainName: 'other-domain' } })],
      });
      await expect(run(event(REJECTION, 'Create', props('cc-pending-0001')))).rejects.toThrow(
        'Inbound connection cc-pending-0001 goes to domain other-domain, not logs-destination; nothing was changed.',
      );
      expect(mutations(emulator())).toEqual([]);
    });

    test('without a domain, any destination is accepted', async () => {
      seed(emulator(), {
        connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE', { destination: { domainName: 'other-domain' } })],
      });
      const outcome = await run(event(REJECTION, 'Create', { ConnectionId: 'cc-pending-0001' }));
      expect(outcome.data).toEqual({ ConnectionStatus: 'REJECTED' });
    });

    test('a rejection that never settles fails at its own deadline with the last status', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] }, { rejectMs: Infinity });
      await expect(
        run(event(REJECTION, 'Create', props('cc-pending-0001', { TimeoutSeconds: 60 })), {
          beforePoll: (e, poll) => (poll < 2 ? e : aged(61_000)(e)),
        }),
      ).rejects.toThrow(
        /^Timed out after 1 minute waiting for inbound connection cc-pending-0001 to be rejected; last status: REJECTING\. The service may still finish/,
      );
      expect(mutations(emulator())).toEqual(['RejectInboundConnection cc-pending-0001']);
    });

    test('the poll that passes the deadline only reads: no Reject is made just before reporting the timeout', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] });
      // onEvent's Reject meets server errors beyond the SDK's retries, so the call is left to a poll.
      emulator().injectFault({ operation: 'RejectInboundConnection', kind: 'internal', times: 4 });
      await expect(run(event(REJECTION, 'Create', props('cc-pending-0001')), { beforePoll: aged(61_000) })).rejects.toThrow(
        /^Timed out after 1 minute waiting for inbound connection cc-pending-0001 to be rejected; last status: PENDING_ACCEPTANCE\./,
      );
      expect(mutations(emulator())).toEqual([]);
      expect(emulator().connection('cc-pending-0001')?.status).toBe('PENDING_ACCEPTANCE');
    });

    test('invalid properties fail before any call', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] });
      await expect(run(event(REJECTION, 'Create', props('CC_BAD')))).rejects.toThrow(
        'ConnectionId must be 10-256 characters of lower-case letters, digits and hyphens, starting with a letter; got "CC_BAD"',
      );
      expect(emulator().requests).toEqual([]);
    });
  });

  describe('Update', () => {
    test('a new connection id: rejects the new connection under a new physical id', async () => {
      seed(
        emulator(),
        { connections: [connection('cc-pending-0001', 'REJECTED'), connection('cc-pending-0002', 'PENDING_ACCEPTANCE')] },
        { rejectMs: 30 },
      );
      const outcome = await run(
        event(REJECTION, 'Update', props('cc-pending-0002'), {
          physicalResourceId: PHYSICAL_ID('cc-pending-0001'),
          oldProperties: props('cc-pending-0001'),
        }),
      );
      // The replacement happens only once the service is done: until then the old id stands.
      expect(outcome.handover.PhysicalResourceId).toBe(PHYSICAL_ID('cc-pending-0001'));
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-pending-0002'));
      expect(outcome.data).toEqual({ ConnectionStatus: 'REJECTED' });
      expect(mutations(emulator())).toEqual(['RejectInboundConnection cc-pending-0002']);
    });

    test('other changes: same physical id, no mutating call, status reported', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'REJECTED')] });
      const outcome = await run(
        event(REJECTION, 'Update', props('cc-pending-0001', { TimeoutSeconds: 120 }), {
          physicalResourceId: PHYSICAL_ID('cc-pending-0001'),
          oldProperties: props('cc-pending-0001'),
        }),
      );
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-pending-0001'));
      expect(outcome.data).toEqual({ ConnectionStatus: 'REJECTED' });
      expect(mutations(emulator())).toEqual([]);
    });

    test('rollback: after an update to an accepted connection fails, the swapped update succeeds with no call', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'REJECTED'), connection('cc-active-0001', 'ACTIVE')] });
      const forward = { physicalResourceId: PHYSICAL_ID('cc-pending-0001'), oldProperties: props('cc-pending-0001') };
      await expect(run(event(REJECTION, 'Update', props('cc-active-0001'), forward))).rejects.toThrow(/already accepted/);
      // onEvent failed, so the framework answered with the physical id the update came with.
      const rollback = await run(
        event(REJECTION, 'Update', props('cc-pending-0001'), {
          physicalResourceId: PHYSICAL_ID('cc-pending-0001'),
          oldProperties: props('cc-active-0001'),
        }),
      );
      expect(rollback.physicalResourceId).toBe(PHYSICAL_ID('cc-pending-0001'));
      expect(mutations(emulator())).toEqual([]);
      expect(emulator().connection('cc-active-0001')?.status).toBe('ACTIVE');
    });
  });

  describe('Delete', () => {
    test('makes no call at all: a rejection cannot be undone', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'REJECTED')] });
      const outcome = await run(
        event(REJECTION, 'Delete', props('cc-pending-0001'), { physicalResourceId: PHYSICAL_ID('cc-pending-0001') }),
      );
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('cc-pending-0001'));
      expect(emulator().requests).toEqual([]);
    });

    test('after a failed Create (framework marker): no call, physical id kept', async () => {
      seed(emulator(), { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] });
      const outcome = await run(event(REJECTION, 'Delete', props('cc-pending-0001'), { physicalResourceId: CREATE_FAILED_MARKER }));
      expect(outcome.physicalResourceId).toBe(CREATE_FAILED_MARKER);
      expect(emulator().requests).toEqual([]);
    });

    test('after a Create that failed on invalid properties: no call, no failure', async () => {
      seed(emulator(), {});
      const outcome = await run(event(REJECTION, 'Delete', props('NOT VALID'), { physicalResourceId: CREATE_FAILED_MARKER }));
      expect(outcome.physicalResourceId).toBe(CREATE_FAILED_MARKER);
      expect(emulator().requests).toEqual([]);
    });
  });
});
