/**
 * The runner's discrete-event clock: virtual time stands still while anything is held (an
 * invocation, a request), jumps to the next timer when everything waits, and so gives the same
 * virtual timeline however long the held work takes in real time.
 */
import { execFileSync } from 'child_process';
import { VIRTUAL_CLOCK_ENV, VIRTUAL_CLOCK_PRELOAD, VirtualClock } from '../../tools/local-deploy/clock';

const START = Date.UTC(2030, 0, 1);

/** Lets the event loop turn `turns` times (enough for the clock to jump if it were going to). */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A real-time delay standing in for work of unknown length (a process start on a loaded machine). */
const work = (realMs: number) => new Promise((resolve) => setTimeout(resolve, realMs));

describe('VirtualClock', () => {
  test('jumps to each timer in due order; equal due times fire in the order they were set', async () => {
    const clock = new VirtualClock(START);
    const fired: string[] = [];
    const at = (label: string, ms: number) => clock.sleep(ms).then(() => fired.push(`${label}@${clock.now() - START}`));
    await Promise.all([at('c', 30_000), at('a', 10_000), at('b', 10_000), at('d', 0)]);
    expect(fired).toEqual(['d@0', 'a@10000', 'b@10000', 'c@30000']);
    expect(clock.pendingTimers).toBe(0);
  });

  test('stands still while held, however long the held work takes; moves on once released', async () => {
    const clock = new VirtualClock(START);
    let woke = false;
    const release = clock.hold();
    const sleeping = clock.sleep(60_000).then(() => (woke = true));
    await work(50);
    await turns(20);
    expect(woke).toBe(false);
    expect(clock.now()).toBe(START);
    release();
    release(); // a second release is ignored: the clock is not released twice
    await sleeping;
    expect(clock.now()).toBe(START + 60_000);
    expect(clock.inFlight).toBe(0);
  });

  test('an aborted sleep resolves at once and its timer is dropped', async () => {
    const clock = new VirtualClock(START);
    const aborter = new AbortController();
    const hold = clock.hold();
    const sleeping = clock.sleep(3_600_000, aborter.signal);
    expect(clock.pendingTimers).toBe(1);
    aborter.abort();
    await sleeping;
    expect(clock.pendingTimers).toBe(0);
    hold();
    await turns(10);
    expect(clock.now()).toBe(START);
  });

  test('the same virtual timeline whether each poll takes no real time or a lot', async () => {
    // A waiter: poll (held work), then wait 10 s, until a 2-minute deadline has passed.
    async function timeline(realMsPerPoll: number): Promise<number[]> {
      const clock = new VirtualClock(START);
      const deadline = START + 120_000;
      const polls: number[] = [];
      for (;;) {
        const release = clock.hold();
        polls.push(clock.now() - START);
        await work(realMsPerPoll);
        release();
        if (clock.now() >= deadline) return polls;
        await clock.sleep(10_000);
      }
    }
    const fast = await timeline(0);
    const slow = await timeline(30);
    expect(fast).toEqual(Array.from({ length: 13 }, (_, i) => i * 10_000));
    expect(slow).toEqual(fast);
  });

  test("a child process's Date shows the virtual time of its start, for its whole life", () => {
    const clock = new VirtualClock(START);
    const script = 'setTimeout(() => console.log(JSON.stringify([Date.now(), new Date().toISOString(), typeof Date()])), 50)';
    const out = execFileSync(process.execPath, ['--require', VIRTUAL_CLOCK_PRELOAD, '-e', script], {
      env: { PATH: process.env.PATH, [VIRTUAL_CLOCK_ENV]: clock.envValue() },
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([START, new Date(START).toISOString(), 'string']);
  });

  test('the preload refuses a malformed clock value', () => {
    expect(() =>
      execFileSync(process.execPath, ['--require', VIRTUAL_CLOCK_PRELOAD, '-e', '0'], {
        env: { PATH: process.env.PATH, [VIRTUAL_CLOCK_ENV]: 'soon' },
        stdio: 'pipe',
      }),
    ).toThrow(/LOCAL_DEPLOY_VIRTUAL_CLOCK must be virtual epoch milliseconds/);
  });
});
