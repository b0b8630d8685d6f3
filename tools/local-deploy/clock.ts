/**
 * The runner's virtual clock: `now = T0 + (Date.now() - R0) * factor`.
 *
 * One formula everywhere: the emulator reads it as its clock, handler child processes get the
 * same T0/R0/factor through LOCAL_DEPLOY_VIRTUAL_CLOCK and a `--require` preload that replaces
 * Date (preload/virtual-clock.cjs), and the runner divides every wait it models (Step Functions
 * retry intervals, CloudFormation's ServiceTimeout, Lambda's async retry delays) by the factor.
 * A 30-minute deadline computed by a handler with Date.now() thus passes in 30 min / factor.
 */
import { setMaxListeners } from 'events';
import * as path from 'path';

/** The environment variable the clock preload reads: "T0,R0,factor". */
export const VIRTUAL_CLOCK_ENV = 'LOCAL_DEPLOY_VIRTUAL_CLOCK';

/** The preload that makes a child process's Date follow this clock. */
export const VIRTUAL_CLOCK_PRELOAD = path.join(__dirname, 'preload', 'virtual-clock.cjs');

export class VirtualClock {
  /** Virtual epoch milliseconds at the start. */
  readonly t0: number;
  /** Real epoch milliseconds at the start. */
  readonly r0: number;

  constructor(readonly factor = 1) {
    if (!(factor > 0) || !Number.isFinite(factor)) {
      throw new Error(`timeCompression must be a positive number; got ${factor}`);
    }
    this.r0 = Date.now();
    this.t0 = this.r0;
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    return Math.floor(this.t0 + (Date.now() - this.r0) * this.factor);
  }

  /** Real milliseconds that a virtual duration takes. */
  realMs(virtualMs: number): number {
    return virtualMs / this.factor;
  }

  /** Sleeps a virtual duration; resolves early (without error) when the signal aborts. */
  sleep(virtualMs: number, signal?: AbortSignal): Promise<void> {
    return sleepReal(this.realMs(virtualMs), signal);
  }

  /** The value of VIRTUAL_CLOCK_ENV for child processes. */
  envValue(): string {
    return `${this.t0},${this.r0},${this.factor}`;
  }
}

/** setTimeout as a promise that an AbortSignal cuts short. */
export function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
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
