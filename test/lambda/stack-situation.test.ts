/**
 * What the handlers do with the stack status they read (DescribeStacks against the CloudFormation
 * stand-in): during a rollback, nothing that existed before the resource is ended; otherwise a
 * Delete still ends it. Every documented stack status is covered, and a status that cannot be read.
 */
import { createHash } from 'crypto';
import { ROLLBACK_STATUSES } from '../../lambda/stack-situation';
import {
  DELETION,
  PACKAGES,
  REJECTION,
  STACK_ID,
  aged,
  connection,
  event,
  mutations,
  releasedAtPoll,
  run,
  seed,
  useEmulator,
} from './harness';

const { emulator, stack } = useEmulator();

/** Statuses in which CloudFormation undoes a failed deployment, or has just done so. */
const ROLLBACK = [
  'ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
  'IMPORT_ROLLBACK_IN_PROGRESS',
  'ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'IMPORT_ROLLBACK_FAILED',
  'ROLLBACK_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
];
/** Statuses of a deployment the user asked for: a Delete in them is a real removal. */
const NOT_ROLLBACK = [
  'DELETE_IN_PROGRESS',
  'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_IN_PROGRESS',
  'CREATE_IN_PROGRESS',
  'REVIEW_IN_PROGRESS',
  'IMPORT_IN_PROGRESS',
];

const CONNECTION_ID = (id: string) => `opensearch-inbound-connection-deletion:${id}`;
const connectionProps = (connectionId: string) => ({ ConnectionId: connectionId, DomainName: 'logs-destination', TimeoutSeconds: 60 });
const deleteConnection = (connectionId: string) =>
  event(DELETION, 'Delete', connectionProps(connectionId), { physicalResourceId: CONNECTION_ID(connectionId) });

const PACKAGES_ID = `opensearch-package-dissociation:search-products:${createHash('sha256')
  .update(`${STACK_ID}/Resource`)
  .digest('hex')
  .slice(0, 16)}`;
const packageProps = (packageIds: string[], domainName = 'search-products') => ({
  DomainName: domainName,
  PackageIds: packageIds,
  TimeoutSeconds: 60,
});
const products = (packageIds: string[]) => ({ domainName: 'search-products', packages: packageIds.map((packageId) => ({ packageId })) });
const remaining = () =>
  emulator()
    .packages('search-products')
    ?.map((p) => `${p.packageId} ${p.status}`);

/** A fault the SDK retries (HTTP 500), answered for the first `count` requests. */
const failingFirst = (count: number) => (request: number) =>
  request <= count ? { httpStatus: 500, code: 'InternalFailure', message: 'We encountered an internal error.' } : undefined;

test('the statuses treated as rollback are exactly the documented rollback statuses', () => {
  expect([...ROLLBACK_STATUSES].sort()).toEqual([...ROLLBACK].sort());
});

describe('InboundConnectionDeletion Delete', () => {
  test.each(ROLLBACK)('%s: the connection is left as it is; the log and the response say why', async (status) => {
    seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
    stack().status = status;
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      const outcome = await run(deleteConnection('cc-active-0001'));
      const note = `stack is rolling back (${status}): inbound connection cc-active-0001 was there before this resource and is left as it is`;
      expect(outcome.data).toEqual({ Note: note, ConnectionStatus: 'ACTIVE' });
      expect(outcome.physicalResourceId).toBe(CONNECTION_ID('cc-active-0001'));
      expect(lines).toContain(note);
    } finally {
      spy.mockRestore();
    }
    expect(mutations(emulator())).toEqual([]);
    expect(emulator().connection('cc-active-0001')?.status).toBe('ACTIVE');
    expect(stack().calls.map((call) => `${call.action} ${call.stackName}`)).toEqual([`DescribeStacks ${STACK_ID}`]);
  });

  test.each(NOT_ROLLBACK)('%s: a real removal, the connection is deleted', async (status) => {
    seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
    stack().status = status;
    const outcome = await run(deleteConnection('cc-active-0001'));
    expect(outcome.data).toEqual({ ConnectionStatus: 'DELETED' });
    expect(mutations(emulator())).toEqual(['DeleteInboundConnection cc-active-0001']);
  });

  test('a pending connection is not rejected during a rollback either', async () => {
    seed(emulator(), { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] });
    stack().status = 'ROLLBACK_IN_PROGRESS';
    const outcome = await run(deleteConnection('cc-pending-0001'));
    expect(outcome.data.ConnectionStatus).toBe('PENDING_ACCEPTANCE');
    expect(mutations(emulator())).toEqual([]);
  });
});

describe('InboundConnectionDeletion Update', () => {
  test('UPDATE_ROLLBACK_IN_PROGRESS back to a connection that is gone: reported, not failed, nothing changed', async () => {
    seed(emulator(), { connections: [connection('cc-active-0002', 'ACTIVE')] });
    stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
    const outcome = await run(
      event(DELETION, 'Update', connectionProps('cc-gone-0001'), {
        physicalResourceId: CONNECTION_ID('cc-active-0002'),
        oldProperties: connectionProps('cc-active-0002'),
      }),
    );
    expect(outcome.physicalResourceId).toBe(CONNECTION_ID('cc-gone-0001'));
    expect(outcome.data).toEqual({ ConnectionStatus: 'NOT_FOUND' });
    expect(mutations(emulator())).toEqual([]);
  });

  test('UPDATE_IN_PROGRESS to a connection that does not exist still fails (the typo guard)', async () => {
    seed(emulator(), { connections: [connection('cc-active-0002', 'ACTIVE')] });
    await expect(
      run(
        event(DELETION, 'Update', connectionProps('cc-typo-0001'), {
          physicalResourceId: CONNECTION_ID('cc-active-0002'),
          oldProperties: connectionProps('cc-active-0002'),
        }),
        { beforePoll: aged(30_001) },
      ),
    ).rejects.toThrow(/cc-typo-0001 not found/);
  });
});

describe('PackageDissociation', () => {
  test.each(ROLLBACK)('Delete in %s: the packages stay associated; the response says why', async (status) => {
    seed(emulator(), { domains: [products(['F1', 'F2'])] });
    stack().status = status;
    const outcome = await run(event(PACKAGES, 'Delete', packageProps(['F1', 'F2']), { physicalResourceId: PACKAGES_ID }));
    expect(outcome.data).toEqual({
      Note: `stack is rolling back (${status}): packages F1, F2 of domain search-products were associated before this resource and are left as they are`,
    });
    expect(outcome.physicalResourceId).toBe(PACKAGES_ID);
    expect(mutations(emulator())).toEqual([]);
    expect(remaining()).toEqual(['F1 ACTIVE', 'F2 ACTIVE']);
  });

  test.each(NOT_ROLLBACK)('Delete in %s: a real removal, the packages are dissociated', async (status) => {
    seed(emulator(), { domains: [products(['F1', 'F2', 'F9'])] });
    stack().status = status;
    await run(event(PACKAGES, 'Delete', packageProps(['F1', 'F2']), { physicalResourceId: PACKAGES_ID }));
    expect(mutations(emulator())).toEqual(['DissociatePackages search-products [F1, F2]']);
    expect(remaining()).toEqual(['F9 ACTIVE']);
  });

  test('Update in UPDATE_ROLLBACK_IN_PROGRESS: the package the failed update had added is not dissociated', async () => {
    seed(emulator(), { domains: [products(['F1', 'F2', 'F3'])] });
    stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
    const outcome = await run(
      event(PACKAGES, 'Update', packageProps(['F1']), { physicalResourceId: PACKAGES_ID, oldProperties: packageProps(['F1', 'F3']) }),
    );
    expect(outcome.physicalResourceId).toBe(PACKAGES_ID);
    expect(outcome.data).toEqual({
      Note: 'stack is rolling back (UPDATE_ROLLBACK_IN_PROGRESS): packages F3 of domain search-products were associated before this resource and are left as they are',
    });
    expect(mutations(emulator())).toEqual([]);
    expect(remaining()).toEqual(['F1 ACTIVE', 'F2 ACTIVE', 'F3 ACTIVE']);
  });

  test('Update in UPDATE_ROLLBACK_IN_PROGRESS back to a domain that is gone: no check, no failure', async () => {
    seed(emulator(), { domains: [products(['F1'])] });
    stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
    const outcome = await run(
      event(PACKAGES, 'Update', packageProps(['F1'], 'search-gone'), {
        physicalResourceId: PACKAGES_ID,
        oldProperties: packageProps(['F1']),
      }),
    );
    expect(outcome.physicalResourceId).toMatch(/^opensearch-package-dissociation:search-gone:/);
    expect(emulator().requests.filter((request) => request.operation === 'DescribeDomain')).toEqual([]);
    expect(mutations(emulator())).toEqual([]);
  });

  test('Update in UPDATE_IN_PROGRESS: a package removed from the list is dissociated', async () => {
    seed(emulator(), { domains: [products(['F1', 'F3'])] });
    await run(
      event(PACKAGES, 'Update', packageProps(['F1']), { physicalResourceId: PACKAGES_ID, oldProperties: packageProps(['F1', 'F3']) }),
    );
    expect(mutations(emulator())).toEqual(['DissociatePackages search-products [F3]']);
  });

  test('an Update that removes nothing does not read the stack status', async () => {
    seed(emulator(), { domains: [products(['F1'])] });
    await run(
      event(PACKAGES, 'Update', packageProps(['F1', 'F2']), { physicalResourceId: PACKAGES_ID, oldProperties: packageProps(['F1']) }),
    );
    expect(stack().calls).toEqual([]);
  });
});

describe('InboundConnectionRejection', () => {
  test('Update in UPDATE_ROLLBACK_IN_PROGRESS back to the old connection: not rejected again, even once it is forgotten', async () => {
    seed(emulator(), { connections: [connection('cc-pending-0002', 'REJECTED')] });
    stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
    const outcome = await run(
      event(REJECTION, 'Update', connectionProps('cc-forgotten-0001'), {
        physicalResourceId: 'opensearch-inbound-connection-rejection:cc-pending-0002',
        oldProperties: connectionProps('cc-pending-0002'),
      }),
    );
    expect(outcome.physicalResourceId).toBe('opensearch-inbound-connection-rejection:cc-forgotten-0001');
    expect(outcome.data).toEqual({
      ConnectionStatus: 'NOT_FOUND',
      Note: 'stack is rolling back (UPDATE_ROLLBACK_IN_PROGRESS): inbound connection cc-forgotten-0001 was rejected by this resource before the failed update and is not rejected again',
    });
    expect(mutations(emulator())).toEqual([]);
  });

  test('Update in UPDATE_IN_PROGRESS to another connection rejects it', async () => {
    seed(emulator(), { connections: [connection('cc-pending-0002', 'PENDING_ACCEPTANCE')] });
    await run(
      event(REJECTION, 'Update', connectionProps('cc-pending-0002'), {
        physicalResourceId: 'opensearch-inbound-connection-rejection:cc-pending-0001',
        oldProperties: connectionProps('cc-pending-0001'),
      }),
    );
    expect(mutations(emulator())).toEqual(['RejectInboundConnection cc-pending-0002']);
  });

  test('Delete reads no stack status: it changes nothing in any case', async () => {
    seed(emulator(), { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] });
    stack().fault = () => ({ httpStatus: 403, code: 'AccessDenied', message: 'not authorized' });
    await run(
      event(REJECTION, 'Delete', connectionProps('cc-pending-0001'), {
        physicalResourceId: 'opensearch-inbound-connection-rejection:cc-pending-0001',
      }),
    );
    expect(stack().calls).toEqual([]);
  });
});

describe('when the stack status is read', () => {
  test('never for a Create', async () => {
    seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')], domains: [products(['F1'])] });
    await run(event(DELETION, 'Create', connectionProps('cc-active-0001')));
    await run(event(PACKAGES, 'Create', packageProps(['F1'])));
    expect(stack().calls).toEqual([]);
  });

  test('never for a Delete whose properties are invalid or whose id was never ours', async () => {
    await run(event(DELETION, 'Delete', { ConnectionId: 'not an id' }, { physicalResourceId: 'whatever' }));
    await run(event(DELETION, 'Delete', connectionProps('cc-active-0001'), { physicalResourceId: 'MadeUpByCloudFormation' }));
    expect(stack().calls).toEqual([]);
  });

  test('once per event, in onEvent: the polls keep the situation it read', async () => {
    seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] }, { deleteMs: 60_000 });
    stack().status = 'DELETE_IN_PROGRESS';
    const outcome = await run(deleteConnection('cc-active-0001'), { beforePoll: releasedAtPoll(emulator(), 2, { deleteMs: 0 }) });
    expect(outcome.data).toEqual({ ConnectionStatus: 'DELETED' });
    expect(outcome.polls).toBe(2);
    expect(stack().calls).toHaveLength(1);
  });
});

describe('a stack status that cannot be read', () => {
  test('a fault the SDK retries away: no difference', async () => {
    seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
    stack().status = 'ROLLBACK_IN_PROGRESS';
    stack().fault = failingFirst(2);
    const outcome = await run(deleteConnection('cc-active-0001'));
    expect(outcome.data.Note).toMatch(/^stack is rolling back \(ROLLBACK_IN_PROGRESS\)/);
    expect(stack().calls.map((call) => call.answer)).toEqual(['InternalFailure', 'InternalFailure', 'ROLLBACK_IN_PROGRESS']);
    expect(mutations(emulator())).toEqual([]);
  });

  test('a fault that outlasts the SDK retries: nothing planned, read again at the next poll, then acted on', async () => {
    seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
    stack().status = 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS';
    stack().fault = failingFirst(4);
    const outcome = await run(deleteConnection('cc-active-0001'));
    expect(outcome.handover).toMatchObject({ SituationPending: true, PhysicalResourceId: CONNECTION_ID('cc-active-0001') });
    expect(outcome.handover.Task).toBeUndefined();
    expect(outcome.physicalResourceId).toBe(CONNECTION_ID('cc-active-0001'));
    expect(outcome.data.Note).toMatch(/^stack is rolling back \(UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS\)/);
    expect(mutations(emulator())).toEqual([]);
    expect(emulator().connection('cc-active-0001')?.status).toBe('ACTIVE');
  });

  test('a fault that outlasts the SDK retries, in a real removal: the removal goes on at the next poll', async () => {
    seed(emulator(), { domains: [products(['F1', 'F2'])] });
    stack().status = 'DELETE_IN_PROGRESS';
    stack().fault = failingFirst(4);
    await run(event(PACKAGES, 'Delete', packageProps(['F1']), { physicalResourceId: PACKAGES_ID }));
    expect(mutations(emulator())).toEqual(['DissociatePackages search-products [F1]']);
    expect(remaining()).toEqual(['F2 ACTIVE']);
  });

  test('a fault until the deadline: fails, nothing changed', async () => {
    seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
    stack().fault = () => ({ httpStatus: 503, code: 'ServiceUnavailable', message: 'Service is unavailable' });
    await expect(run(deleteConnection('cc-active-0001'), { beforePoll: aged(60_001) })).rejects.toThrow(
      `Timed out after 1 minute reading the status of stack ${STACK_ID}; last error: ServiceUnavailable: Service is unavailable. Nothing was changed`,
    );
    expect(mutations(emulator())).toEqual([]);
  });

  test('access denied: retried for the first minute (IAM propagation), then fails with what to check, nothing changed', async () => {
    seed(emulator(), { connections: [connection('cc-active-0001', 'ACTIVE')] });
    stack().fault = () => ({
      httpStatus: 403,
      code: 'AccessDenied',
      message: 'User is not authorized to perform: cloudformation:DescribeStacks',
    });
    await expect(run(deleteConnection('cc-active-0001'), { maxPolls: 3 })).rejects.toThrow('not complete after 3 polls');
    await expect(run(deleteConnection('cc-active-0001'), { beforePoll: aged(60_000) })).rejects.toThrow(
      `DescribeStacks ${STACK_ID} failed: AccessDenied: User is not authorized to perform: cloudformation:DescribeStacks. Nothing was changed`,
    );
    await expect(run(deleteConnection('cc-active-0001'), { beforePoll: aged(60_000) })).rejects.toThrow(
      /cloudformation:DescribeStacks on this stack should be granted by the policy LifecycleGrantsInboundConnectionDeletion… of the provider's role/,
    );
    expect(mutations(emulator())).toEqual([]);
  });
});
