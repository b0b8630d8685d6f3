/**
 * Section 5: completion latency and handler overhead, through the local deploy runner
 * (tools/local-deploy): CloudFormation, the Provider framework exactly as synthesized, its Step
 * Functions waiter and Lambda, all local, against the emulator, on the runner's virtual clock.
 *
 * Completion latency = virtual time from the emulator reaching the terminal state (REJECTED,
 * DELETED, packages gone) to the SUCCESS body arriving at the ResponseURL, as a ratio to the
 * query interval. A poller can be up to one polling period late, and where the service finishes
 * within that period is chance, so the runs spread the service's settle time over one interval
 * (20 s + k × 10 s / runs) instead of always hitting the same phase; median and max are reported.
 *
 * Handler overhead = time spent in our handler per resource event (onEvent plus every isComplete)
 * compared with the emulator's own response time for the requests of that event, in real time,
 * two ways: through the runner (its Lambda sandboxes: a cold start for the first invocation of
 * each function, warm after that; the service proxy in between), and warm in this process (the
 * shipped bundle called directly). Invocations take no virtual time (discrete-event clock), so
 * the overhead is measured on the real clock.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Domain, IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../lib';
import { OpenSearchEmulator } from '../emulator';
import { LocalDeployment } from '../tools/local-deploy';
import {
  DESTINATION,
  PACKAGE_DOMAIN,
  QUERY_INTERVAL_MS,
  STACK_ID,
  Scenario,
  connectionId,
  eventFor,
  loadHandler,
  packageIds,
  quietly,
  reachedTerminalState,
  timingFor,
  worldFor,
} from './api-calls';
import { EmulatorTimer, portOf } from './emulator-timer';
import { answerStackStatus } from './stack-status';
import { max, median, ms, nowMs, ratio } from './stats';
import type { Row } from './table';

const LAG_RATIO_TARGET = 1.0;
const ENV = { account: '111111111111', region: 'us-east-1' };
/** The earliest settle time of the spread; the runs add k × interval / runs to it. */
const BASE_SETTLE_MS = 20_000;

export interface LatencyRun {
  /** How long the service took to reach the terminal state, virtual ms. */
  settleMs: number;
  /** Virtual ms from the terminal state to the SUCCESS response. */
  lagMs: number;
  lagRatio: number;
  /** Virtual ms from the start of the waiter's last isComplete attempt (the one that saw the end) to SUCCESS. */
  responseChainMs: number;
  /** isComplete attempts of the waiter. */
  polls: number;
  /** Virtual ms between the starts of the waiter's attempts (interval + one attempt), mean; NaN with one attempt. */
  pollPeriodMs: number;
  /** Real ms inside our handler's invocations for the event, through the runner's sandboxes. */
  handlerMs: number;
  /** Real ms the emulator spent answering the event's requests. */
  emulatorMs: number;
  requests: number;
  handlerInvocations: number;
}

export interface WarmOverheadRun {
  /** Wall ms inside onEvent + isComplete for the event, handler loaded in this process. */
  handlerMs: number;
  /** Wall ms the emulator spent answering the event's requests. */
  emulatorMs: number;
  requests: number;
}

export interface LatencyOperation {
  scenario: string;
  runs: LatencyRun[];
  warm: WarmOverheadRun[];
  lagRatioMedian: number;
  lagRatioMax: number;
  responseChainMsMedian: number;
  pollPeriodMsMedian: number;
  /** Runner: median over runs of handlerMs / emulatorMs. */
  runnerOverheadRatioMedian: number;
  runnerHandlerMsPerInvocationMedian: number;
  /** Warm, in process: median over runs of handlerMs / emulatorMs. */
  warmOverheadRatioMedian: number;
  warmHandlerMsMedian: number;
  warmEmulatorMsMedian: number;
}

export interface LatencyResult {
  driver: 'local-deploy-runner';
  /** How time was measured, for the output's header. */
  notes: string[];
  operations: LatencyOperation[];
}

export interface LatencyOptions {
  repeats: number;
  tempDir: string;
}

const SCENARIOS: Array<Scenario & { stack: string }> = [
  { name: 'reject 1 connection', operation: 'reject', settleMs: BASE_SETTLE_MS, stack: 'BenchLatencyReject' },
  { name: 'delete 1 connection', operation: 'delete', settleMs: BASE_SETTLE_MS, stack: 'BenchLatencyDelete' },
  { name: 'dissociate 20 packages', operation: 'dissociate', packages: 20, settleMs: BASE_SETTLE_MS, stack: 'BenchLatencyDissociate' },
];

/** Settle times spread over one query interval. */
function phases(runs: number): number[] {
  return Array.from({ length: runs }, (_, k) => BASE_SETTLE_MS + Math.round((k * QUERY_INTERVAL_MS) / runs));
}

/** One stack per operation, so that every request and invocation of a phase belongs to one event. */
function synthesizeStacks(outdir: string): void {
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const stack = (name: string) => new Stack(app, name, { env: ENV });
  const domain = (scope: Stack, name: string): IDomain =>
    Domain.fromDomainAttributes(scope, 'Domain', {
      domainArn: `arn:aws:es:${ENV.region}:${ENV.account}:domain/${name}`,
      domainEndpoint: `https://search-${name}-abc123.${ENV.region}.es.amazonaws.com`,
    });
  const reject = stack('BenchLatencyReject');
  new InboundConnectionRejection(reject, 'Reject', {
    connectionId: connectionId('reject'),
    domain: domain(reject, DESTINATION.domainName),
  });
  const remove = stack('BenchLatencyDelete');
  new InboundConnectionDeletion(remove, 'Delete', { connectionId: connectionId('delete'), domain: domain(remove, DESTINATION.domainName) });
  const dissociate = stack('BenchLatencyDissociate');
  new PackageDissociation(dissociate, 'Dissociate', { domain: domain(dissociate, PACKAGE_DOMAIN), packageIds: packageIds(20) });
  app.synth();
}

function isOurHandler(logicalId: string): boolean {
  return /LifecycleProvider(OnEvent|IsComplete)Handler/.test(logicalId);
}

/** One deployment: the operation's event through the runner, timed on its virtual clock. */
async function runnerRun(scenario: Scenario & { stack: string }, cdkOut: string): Promise<LatencyRun> {
  const run = await LocalDeployment.start({
    world: worldFor(scenario),
    timing: timingFor(scenario),
    log: () => undefined,
    progressEveryMs: 0,
  });
  const timer = new EmulatorTimer(() => portOf(run.emulator.endpoint));
  try {
    const requestType = scenario.operation === 'reject' ? 'Create' : 'Delete';
    let requestsBefore = 0;
    let timerBefore = 0;
    let invocationsBefore = 0;
    const deployed = await run.deploy(cdkOut, scenario.stack);
    if (!deployed.ok) throw new Error(`bench: deploying ${scenario.stack} failed: ${JSON.stringify(deployed)}`);
    if (requestType === 'Delete') {
      requestsBefore = run.emulator.requests.length;
      timerBefore = timer.samplesMs.length;
      invocationsBefore = run.invocations.length;
      const destroyed = await run.destroy(scenario.stack);
      if (!destroyed.ok) throw new Error(`bench: destroying ${scenario.stack} failed: ${JSON.stringify(destroyed)}`);
    }
    if (!reachedTerminalState(run.emulator, scenario))
      throw new Error(`bench: ${scenario.name}: the service did not reach the terminal state`);

    const request = run.requests.find((r) => r.RequestType === requestType && r.ResourceType.startsWith('Custom::OpenSearch'));
    if (!request) throw new Error(`bench: ${scenario.name}: no ${requestType} request was sent`);
    const answer = run.responses.find((r) => r.request.RequestId === request.RequestId && r.role === 'answer');
    if (!answer || (answer.parsed as { Status?: string } | undefined)?.Status !== 'SUCCESS') {
      throw new Error(`bench: ${scenario.name}: no SUCCESS answer (${answer?.raw ?? 'none'})`);
    }
    const requests = run.emulator.requests.slice(requestsBefore);
    const mutating = run.emulator.mutatingRequests().filter((r) => requests.includes(r));
    if (mutating.length === 0) throw new Error(`bench: ${scenario.name}: no mutating call`);
    const terminalAt = mutating[0].at + scenario.settleMs;
    // The waiter's input is the request merged with onEvent's answer.
    const execution = run.executions.find((e) => (JSON.parse(e.input) as { RequestId?: string }).RequestId === request.RequestId);
    if (!execution) throw new Error(`bench: ${scenario.name}: no waiter execution for the request`);
    const lastAttempt = execution.history[execution.history.length - 1];
    const handlerInvocations = run.invocations.slice(invocationsBefore).filter((i) => isOurHandler(i.logicalId));
    const handlerMs = handlerInvocations.reduce((sum, i) => sum + i.realMs, 0);
    const lagMs = answer.receivedAt - terminalAt;
    return {
      settleMs: scenario.settleMs,
      lagMs,
      lagRatio: lagMs / QUERY_INTERVAL_MS,
      responseChainMs: answer.receivedAt - lastAttempt.at,
      polls: execution.history.length,
      pollPeriodMs: execution.history.length > 1 ? (lastAttempt.at - execution.history[0].at) / (execution.history.length - 1) : NaN,
      handlerMs,
      emulatorMs: timer.totalSince(timerBefore),
      requests: requests.length,
      handlerInvocations: handlerInvocations.length,
    };
  } finally {
    timer.stop();
    await run.stop();
  }
}

/**
 * The same event with the shipped bundle loaded in this process (a warm Lambda container):
 * onEvent, then isComplete at once and every query interval on the emulator's virtual clock, as
 * the waiter does. Only the time inside the handler calls and inside the emulator is kept.
 */
async function warmRun(scenario: Scenario): Promise<WarmOverheadRun> {
  let now = Date.UTC(2030, 0, 1);
  const emulator = await OpenSearchEmulator.start({ world: worldFor(scenario), timing: timingFor(scenario), clock: () => now });
  const timer = new EmulatorTimer(() => portOf(emulator.endpoint));
  const previousEndpoint = process.env.AWS_ENDPOINT_URL_OPENSEARCH;
  process.env.AWS_ENDPOINT_URL_OPENSEARCH = emulator.endpoint;
  const stopStackStatus = await answerStackStatus(STACK_ID);
  try {
    const handler = loadHandler();
    let handlerMs = 0;
    const timed = async <T>(call: () => Promise<T>): Promise<T> => {
      const start = nowMs();
      try {
        return await call();
      } finally {
        handlerMs += nowMs() - start;
      }
    };
    const runEvent = () =>
      quietly(async () => {
        const request = eventFor(scenario);
        const handover = await timed(() => handler.onEvent(request));
        for (let polls = 1; ; polls++) {
          const result = await timed(() => handler.isComplete({ ...request, ...handover }));
          if (result.IsComplete) return;
          if (polls > 1000) throw new Error(`bench: ${scenario.name} never completed`);
          now += QUERY_INTERVAL_MS;
        }
      });
    // The same event once first, unmeasured: the measured one then finds the SDK client made and
    // its connection open, as in a warm container.
    await runEvent();
    emulator.reset(worldFor(scenario), timingFor(scenario));
    const timerBefore = timer.samplesMs.length;
    handlerMs = 0;
    await runEvent();
    if (!reachedTerminalState(emulator, scenario)) throw new Error(`bench: ${scenario.name} answered before the terminal state`);
    return { handlerMs, emulatorMs: timer.totalSince(timerBefore), requests: emulator.requests.length };
  } finally {
    timer.stop();
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_OPENSEARCH;
    else process.env.AWS_ENDPOINT_URL_OPENSEARCH = previousEndpoint;
    await stopStackStatus();
    await emulator.stop();
  }
}

export async function measureLatency(options: LatencyOptions): Promise<LatencyResult> {
  const cdkOut = path.join(options.tempDir, 'latency.out');
  fs.mkdirSync(cdkOut, { recursive: true });
  synthesizeStacks(cdkOut);
  const operations: LatencyOperation[] = [];
  for (const scenario of SCENARIOS) {
    const runs: LatencyRun[] = [];
    const warm: WarmOverheadRun[] = [];
    for (const settleMs of phases(options.repeats)) {
      runs.push(await runnerRun({ ...scenario, settleMs }, cdkOut));
      warm.push(await warmRun({ ...scenario, settleMs }));
    }
    operations.push({
      scenario: scenario.name,
      runs,
      warm,
      lagRatioMedian: median(runs.map((r) => r.lagRatio)),
      lagRatioMax: max(runs.map((r) => r.lagRatio)),
      responseChainMsMedian: median(runs.map((r) => r.responseChainMs)),
      pollPeriodMsMedian: median(runs.map((r) => r.pollPeriodMs).filter((value) => Number.isFinite(value))),
      runnerOverheadRatioMedian: median(runs.map((r) => r.handlerMs / r.emulatorMs)),
      runnerHandlerMsPerInvocationMedian: median(runs.map((r) => r.handlerMs / r.handlerInvocations)),
      warmOverheadRatioMedian: median(warm.map((r) => r.handlerMs / r.emulatorMs)),
      warmHandlerMsMedian: median(warm.map((r) => r.handlerMs)),
      warmEmulatorMsMedian: median(warm.map((r) => r.emulatorMs)),
    });
  }
  return {
    driver: 'local-deploy-runner',
    notes: [
      "section 5: through tools/local-deploy; latency on the runner's virtual clock (discrete-event: the same timeline on any machine).",
      '  Overhead in real time: "warm", the shipped bundle called in this process (a warm container);',
      '  "through the runner", its Lambda sandboxes (one cold start per function, then warm) and service proxy included.',
    ],
    operations,
  };
}

function seconds(virtualMs: number): string {
  return `${(virtualMs / 1000).toFixed(1)} s`;
}

export function latencyRows(result: LatencyResult): Row[] {
  const rows: Row[] = [];
  for (const op of result.operations) {
    rows.push({
      section: '5 latency',
      measure: `${op.scenario}: terminal → SUCCESS ÷ interval, median (max) of ${op.runs.length}`,
      value: `${op.lagRatioMedian.toFixed(2)} (${op.lagRatioMax.toFixed(2)})`,
      comparison: `poll every ${seconds(op.pollPeriodMsMedian)}, last poll → SUCCESS ${seconds(op.responseChainMsMedian)} (virtual)`,
      target: `≤ ${LAG_RATIO_TARGET.toFixed(1)}`,
      met: op.lagRatioMax <= LAG_RATIO_TARGET,
    });
  }
  for (const op of result.operations) {
    rows.push({
      section: '5 overhead',
      measure: `${op.scenario}: in handler ÷ in emulator, per event, warm`,
      value: `${ratio(op.warmOverheadRatioMedian)} (${ms(op.warmHandlerMsMedian)} vs ${ms(op.warmEmulatorMsMedian)})`,
      comparison: `through the runner: ${ratio(op.runnerOverheadRatioMedian)} (${ms(op.runnerHandlerMsPerInvocationMedian)} per invocation)`,
      target: '',
    });
  }
  return rows;
}
