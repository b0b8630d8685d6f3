'use strict';
/**
 * Loaded with `node --require` into every Lambda child process of the local deploy runner.
 * Makes Date.now() and `new Date()` show the runner's virtual time, read from
 * LOCAL_DEPLOY_VIRTUAL_CLOCK (virtual epoch ms at the child's start) and set again by the child
 * at the start of each invocation (a warm sandbox serves many: `globalThis[VIRTUAL_NOW]`). The
 * runner's clock is discrete-event: virtual time stands still while any invocation runs, so that
 * value stays exact for the whole invocation, on a fast machine and on a loaded one alike.
 * Timers (setTimeout) keep real time: only the wall clock is virtual.
 *
 * Plain CommonJS on purpose: it runs before anything else in a bare `node`, without tsx.
 */
const spec = process.env.LOCAL_DEPLOY_VIRTUAL_CLOCK;
if (spec) {
  const virtualNow = Number(spec);
  if (spec.trim() === '' || !Number.isFinite(virtualNow)) {
    throw new Error(`LOCAL_DEPLOY_VIRTUAL_CLOCK must be virtual epoch milliseconds; got ${JSON.stringify(spec)}`);
  }
  const RealDate = Date;
  // lambda-child.cjs sets `.now` before each invocation.
  const state = { now: virtualNow };
  Object.defineProperty(globalThis, Symbol.for('local-deploy.virtual-clock'), { value: state });
  const now = () => state.now;

  // A function, not a class, so that `Date()` called without `new` still returns a string.
  function VirtualDate(...args) {
    if (!new.target) return new RealDate(now()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [now()] : args, new.target);
  }
  VirtualDate.prototype = RealDate.prototype;
  Object.setPrototypeOf(VirtualDate, RealDate);
  VirtualDate.now = now;
  VirtualDate.parse = RealDate.parse;
  VirtualDate.UTC = RealDate.UTC;
  globalThis.Date = VirtualDate;
}
