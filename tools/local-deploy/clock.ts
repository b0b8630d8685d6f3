/**
 * The runner's virtual clock, in discrete-event time: virtual time never follows real time.
 *
 *  - While anything is in flight (a Lambda invocation's process, a request at a stand-in server),
 *    the clock is held and virtual time stands still, however long that takes in real time.
 *  - When everything waits (nothing held), the clock jumps to the earliest pending timer
 *    (`sleep`: a Step Functions retry interval, CloudFormation's ServiceTimeout, Lambda's async
 *    retry delay) and fires it; timers due at the same virtual time fire in the order they were set.
 *
 * So a run gives the same virtual timeline on a fast machine and on a loaded one: a slow process
 * start costs real time, never virtual minutes. Handler child processes see the same time: a
 * `--require` preload replaces Date (preload/virtual-clock.cjs), starting from
 * LOCAL_DEPLOY_VIRTUAL_CLOCK, and the Lambda stand-in sets it again at each invocation's start
 * (a warm sandbox serves many); since time stands still while an invocation runs, that value
 * stays exact for the whole invocation.
 *
 * Real timers are used only to let a step that is already under way start its next piece of work
 * (a few `setImmediate` turns) before the clock jumps; nothing here keeps the process alive.
 */
import { setMaxListeners } from 'events';
import * as path from 'path';

/** The environment variable the clock preload reads: the virtual epoch ms at the child's start. */
export const VIRTUAL_CLOCK_ENV = 'LOCAL_DEPLOY_VIRTUAL_CLOCK';

/** The preload that makes a child process's Date show this clock's time. */
export const VIRTUAL_CLOCK_PRELOAD = path.join(__dirname, 'preload', 'virtual-clock.cjs');

/**
 * Event-loop turns the runner must stay idle before the clock jumps: promise chains and due I/O
 * callbacks of a step that just ended (e.g. a waiter deciding to invoke again) run first.
 */
const QUIET_TURNS = 3;

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

export class VirtualClock {
  private current: number;
  private holds = 0;
  private readonly timers: Timer[] = [];
  private nextSeq = 0;
  private advanceScheduled = false;

  /** `start`: virtual epoch ms at the start (default: the real time now). */
  constructor(start: number = Date.now()) {
    this.current = start;
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    return this.current;
  }

  /** How many holds are open (in-flight invocations and requests). */
  get inFlight(): number {
    return this.holds;
  }

  /** How many timers wait for their virtual time. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Holds virtual time still until the returned function is called. Calling it again does nothing,
   * so it can be wired to several "it ended" events at once.
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.scheduleAdvance();
    };
  }

  /**
   * Resolves when the clock reaches now + virtualMs; resolves early (without error) when the
   * signal aborts, and its timer is dropped.
   */
  sleep(virtualMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const finish = () => {
        const index = this.timers.indexOf(timer);
        if (index >= 0) this.timers.splice(index, 1);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const timer: Timer = { at: this.current + Math.max(0, virtualMs), seq: this.nextSeq++, fire: finish };
      // Sorted by due time, then by order set: equal due times fire first-set first.
      let index = this.timers.length;
      while (index > 0 && this.timers[index - 1].at > timer.at) index--;
      this.timers.splice(index, 0, timer);
      signal?.addEventListener('abort', finish, { once: true });
      this.scheduleAdvance();
    });
  }

  /** The value of VIRTUAL_CLOCK_ENV for a child process started now. */
  envValue(): string {
    return String(this.current);
  }

  private scheduleAdvance(): void {
    if (this.advanceScheduled || this.holds > 0 || this.timers.length === 0) return;
    this.advanceScheduled = true;
    const check = (turnsLeft: number) => {
      if (this.holds > 0 || this.timers.length === 0) {
        // New work started (its release schedules again), or nothing is left to wait for.
        this.advanceScheduled = false;
        return;
      }
      if (turnsLeft > 0) {
        setImmediate(() => check(turnsLeft - 1));
        return;
      }
      this.advanceScheduled = false;
      const due = this.timers[0].at;
      this.current = Math.max(this.current, due);
      for (const timer of this.timers.filter((candidate) => candidate.at <= this.current)) timer.fire();
      this.scheduleAdvance();
    };
    setImmediate(() => check(QUIET_TURNS - 1));
  }
}

/** "2m 10s", "45s", "1h 3m": for progress lines. */
export function shortDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** An AbortController whose signal takes any number of listeners (one per pending sleep). */
export function unlimited(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
