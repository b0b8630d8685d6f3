/**
 * Throttling (ThrottlingException, HTTP 429) in bursts of 3 to 6 consecutive answers, on every
 * operation the handlers use, through a create and a delete: a burst starts at the first call
 * of each operation and at every 12th call. Short bursts are absorbed by the SDK's retries,
 * longer ones reach the handler, which tries again at the next poll. Every resource succeeds,
 * each mutation is made exactly once (a throttled request changes nothing), and only the named
 * connections and packages change.
 *
 * The SDK's backoff after a throttle is real time (up to 1, 2, 4 s), so the compression stays
 * low enough that a resource's 30-minute deadline is far away in real time.
 */
import { Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../../../lib';
import type { OpenSearchEmulator, World } from '../../../emulator';
import { Runner, importedDomain, inbound, statuses, synth } from '../helpers';
import { emulatorAcceptedMutations, expectInvariants, faultedOperations, startFaultRunner } from './helpers';

const STACK = 'ThrottlingFaultsE2E';
const DOMAIN = 'throttle-domain';

function throttlingStack() {
  return synth(STACK, (scope: Stack) => {
    const domain = importedDomain(scope, DOMAIN);
    return {
      reject: new InboundConnectionRejection(scope, 'Reject', { connectionId: 'cc-thr-pending-01', domain }),
      removeActive: new InboundConnectionDeletion(scope, 'RemoveActive', { connectionId: 'cc-thr-active-01', domain }),
      removePending: new InboundConnectionDeletion(scope, 'RemovePending', { connectionId: 'cc-thr-pending-02', domain }),
      packages: new PackageDissociation(scope, 'Packages', {
        domain,
        packageIds: ['F111111111', 'G222222222'],
      }),
    };
  });
}

const WORLD: World = {
  domains: [{ domainName: DOMAIN, packages: [{ packageId: 'F111111111' }, { packageId: 'G222222222' }, { packageId: 'F999999999' }] }],
  connections: [
    inbound('cc-thr-pending-01', 'PENDING_ACCEPTANCE', DOMAIN),
    inbound('cc-thr-active-01', 'ACTIVE', DOMAIN),
    inbound('cc-thr-pending-02', 'PENDING_ACCEPTANCE', DOMAIN),
    inbound('cc-thr-other-001', 'ACTIVE', DOMAIN, 'someone-else'),
  ],
};

const BURST_SIZES = [3, 4, 5, 6];

describe('throttling bursts on every operation', () => {
  const stack = throttlingStack();
  const ids = stack.ids;
  let runner: Runner;
  let seed: World;
  let emulator: OpenSearchEmulator;
  const bursts: string[] = [];

  beforeAll(async () => {
    const operationsSeen = new Set<string>();
    let calls = 0;
    runner = await startFaultRunner(WORLD, { rejectMs: 10_000, deleteMs: 10_000, dissociateMs: 10_000 }, 30, {
      onServiceRequest: (call) => {
        calls++;
        const first = !operationsSeen.has(call.operation);
        operationsSeen.add(call.operation);
        if (first || calls % 12 === 0) {
          const times = BURST_SIZES[bursts.length % BURST_SIZES.length];
          bursts.push(`${times} from ${call.operation}`);
          // The burst hits this very call first: it is injected before the call is forwarded.
          emulator.injectFault({ operation: '*', kind: 'throttle', times });
        }
      },
    });
    emulator = runner.run.emulator;
    seed = emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());

  test('create and delete succeed; each mutation is made once', async () => {
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
    expect(run.resources[ids.reject].data).toEqual({ ConnectionStatus: 'REJECTED' });
    expect(run.resources[ids.reject].physicalResourceId).toBe('opensearch-inbound-connection-rejection:cc-thr-pending-01');
    expect(await run.destroy(STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    for (const id of Object.values(ids)) {
      expect(statuses(run, id).filter((status) => status.endsWith('_FAILED'))).toEqual([]);
    }

    expect(emulatorAcceptedMutations(run).sort()).toEqual([
      'DeleteInboundConnection cc-thr-active-01',
      `DissociatePackages ${DOMAIN} [F111111111, G222222222]`,
      'RejectInboundConnection cc-thr-pending-01',
      'RejectInboundConnection cc-thr-pending-02',
    ]);
    expect(expectInvariants(runner, seed)).toEqual([
      'connection cc-thr-active-01: ACTIVE -> DELETED',
      'connection cc-thr-pending-01: PENDING_ACCEPTANCE -> REJECTED',
      'connection cc-thr-pending-02: PENDING_ACCEPTANCE -> REJECTED',
      `package ${DOMAIN}/F111111111: ACTIVE -> gone`,
      `package ${DOMAIN}/G222222222: ACTIVE -> gone`,
    ]);
  });

  test('every operation the handlers use was throttled, in several bursts', () => {
    const { run } = runner;
    expect([...faultedOperations(run, 'throttle')].sort()).toEqual([
      'DeleteInboundConnection',
      'DescribeDomain',
      'DescribeInboundConnections',
      'DissociatePackages',
      'ListPackagesForDomain',
      'RejectInboundConnection',
    ]);
    expect(bursts.length).toBeGreaterThanOrEqual(6);
    const throttled = run.emulator.requests.filter((request) => request.fault === 'throttle').length;
    // At least 3 per burst, but for the last ones, which the run may have ended before using up.
    expect(throttled).toBeGreaterThanOrEqual(3 * (bursts.length - 2));
    // Throttled requests never reach the service's state: each one is answered 429.
    expect(run.emulator.requests.filter((request) => request.fault === 'throttle').every((request) => request.status === 429)).toBe(true);
  });
});
