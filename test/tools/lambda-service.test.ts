/**
 * The runner's Lambda stand-in runs functions in warm sandboxes, as Lambda does: a process serves
 * one invocation at a time and stays for the next, a concurrent invocation gets a sandbox of its
 * own, and a sandbox that crashed or timed out is replaced by a fresh one.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { VIRTUAL_CLOCK_PRELOAD, VirtualClock } from '../../tools/local-deploy/clock';
import { LambdaService } from '../../tools/local-deploy/lambda-service';
import type { FunctionSpec } from '../../tools/local-deploy/stack-model';

const START = Date.UTC(2030, 0, 1);

/** A handler that reports its process, how many times its module served, and its clock. */
const HANDLER_SOURCE = `
let served = 0;
exports.handler = async (event) => {
  served++;
  if (event.hang) await new Promise(() => {});
  if (event.exit) process.exit(3);
  if (event.waitMs) await new Promise((resolve) => setTimeout(resolve, event.waitMs));
  return { pid: process.pid, served, now: Date.now(), sandbox: process.env.SANDBOX_ID };
};
`;

interface Answer {
  pid: number;
  served: number;
  now: number;
  sandbox: string;
}

describe('LambdaService sandboxes', () => {
  let codeDir: string;
  let clock: VirtualClock;
  let lambda: LambdaService;
  let environment: Record<string, string>;
  /** The ids the stand-in gave the sandboxes it started. */
  let sandboxIds: string[];

  const fn = (name = 'probe', timeoutSeconds = 30): FunctionSpec => ({
    logicalId: name,
    name,
    arn: `arn:aws:lambda:us-east-1:111111111111:function:${name}`,
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    codeDir,
    environment,
    timeoutSeconds,
    memorySize: 128,
    logGroupName: `/aws/lambda/${name}`,
  });

  async function invoke(name: string, event: object): Promise<Answer> {
    const result = await lambda.invoke(name, JSON.stringify(event));
    expect(result.functionError).toBeUndefined();
    return JSON.parse(result.payload) as Answer;
  }

  beforeEach(async () => {
    codeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-service-'));
    fs.writeFileSync(path.join(codeDir, 'index.js'), HANDLER_SOURCE);
    clock = new VirtualClock(START);
    environment = {};
    sandboxIds = [];
    lambda = new LambdaService({
      clock,
      baseEnv: () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin' }),
      preloads: () => [VIRTUAL_CLOCK_PRELOAD],
      invocationEnv: (_fn, sandboxId) => {
        // 'sandbox' stands for the id when environments are compared.
        if (sandboxId !== 'sandbox') sandboxIds.push(sandboxId);
        return { SANDBOX_ID: sandboxId };
      },
    });
    await lambda.start();
    lambda.register([fn()]);
  });

  afterEach(async () => {
    await lambda.stop();
    fs.rmSync(codeDir, { recursive: true, force: true });
  });

  test('one process serves invocations in turn, keeps its module state and sees each one’s virtual time', async () => {
    const first = await invoke('probe', {});
    await clock.sleep(90_000);
    const second = await invoke('probe', {});
    expect(second.pid).toBe(first.pid);
    // Each record names the process that ran it.
    expect(lambda.invocations.map((record) => record.pid)).toEqual([first.pid, second.pid]);
    expect([first.served, second.served]).toEqual([1, 2]);
    expect([first.now, second.now]).toEqual([START, START + 90_000]);
    // The sandbox id in its environment names the invocation it runs (the service proxy's attribution).
    expect(second.sandbox).toBe(first.sandbox);
  });

  test('concurrent invocations get sandboxes of their own', async () => {
    const [a, b] = await Promise.all([invoke('probe', { waitMs: 200 }), invoke('probe', { waitMs: 200 })]);
    expect(a.pid).not.toBe(b.pid);
    expect(a.sandbox).not.toBe(b.sandbox);
    const third = await invoke('probe', {});
    expect([a.pid, b.pid]).toContain(third.pid);
  });

  test('while it runs, its sandbox id names the invocation; idle, nothing', async () => {
    const running = lambda.invoke('probe', JSON.stringify({ waitMs: 300 }));
    const record = lambda.invocations[0];
    const sandboxId = sandboxIds.at(-1)!;
    expect(lambda.invocation(sandboxId)).toBe(record);
    const answer = JSON.parse((await running).payload) as Answer;
    expect(answer.sandbox).toBe(sandboxId);
    expect(lambda.invocation(sandboxId)).toBeUndefined();
    expect(lambda.invocation(record.requestId)).toBe(record);
  });

  test('a crashed sandbox is gone: the next invocation starts a fresh process', async () => {
    const before = await invoke('probe', {});
    const crashed = await lambda.invoke('probe', JSON.stringify({ exit: true }));
    expect(crashed.functionError).toBe('Unhandled');
    expect(JSON.parse(crashed.payload).errorMessage).toMatch(/Runtime exited with error: exit status 3/);
    const after = await invoke('probe', {});
    expect(after.pid).not.toBe(before.pid);
    expect(after.served).toBe(1);
  });

  test('a killed invocation ends as crashed, and kill() after its end leaves the sandbox alone', async () => {
    const hanging = lambda.invoke('probe', JSON.stringify({ hang: true }));
    const record = lambda.invocations[0];
    record.kill();
    expect(JSON.parse((await hanging).payload).errorMessage).toMatch(/signal: killed/);
    expect(record.outcome).toBe('crashed');

    const done = await invoke('probe', {});
    const doneRecord = lambda.invocations[1];
    doneRecord.kill(); // ended: must not kill the warm sandbox
    const next = await invoke('probe', {});
    expect(next.pid).toBe(done.pid);
  });

  test('a timed-out sandbox is reset', async () => {
    lambda.register([fn('probe', 1)]);
    const first = await invoke('probe', {});
    const timedOut = await lambda.invoke('probe', JSON.stringify({ hang: true }));
    expect(JSON.parse(timedOut.payload).errorType).toBe('Sandbox.Timedout');
    const after = await invoke('probe', {});
    expect(after.pid).not.toBe(first.pid);
  });

  test('a new version of the function, or another environment, gets a new sandbox', async () => {
    const first = await invoke('probe', {});
    environment = { CHANGED: 'yes' };
    lambda.register([fn()]);
    const second = await invoke('probe', {});
    expect(second.pid).not.toBe(first.pid);
    expect(second.served).toBe(1);
  });
});
