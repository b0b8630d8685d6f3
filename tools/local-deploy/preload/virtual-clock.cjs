'use strict';
/**
 * Loaded with `node --require` into every Lambda child process of the local deploy runner.
 * Makes Date.now() and `new Date()` show the runner's virtual time, read from
 * LOCAL_DEPLOY_VIRTUAL_CLOCK (virtual epoch ms at the child's start). The runner's clock is
 * discrete-event: virtual time stands still while any invocation runs, so that value stays exact
 * for the whole life of the child, on a fast machine and on a loaded one alike.
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
  const now = () => virtualNow;

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
