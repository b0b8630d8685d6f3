'use strict';
/**
 * Loaded with `node --require` into every Lambda child process of the local deploy runner.
 * Makes Date.now() and `new Date()` follow the runner's virtual clock,
 * `now = T0 + (realNow - R0) * factor`, read from LOCAL_DEPLOY_VIRTUAL_CLOCK="T0,R0,factor", so
 * that deadlines a handler computes with Date.now() pass as fast as the emulator's transitions.
 * Timers (setTimeout) keep real time: only the wall clock is compressed.
 *
 * Plain CommonJS on purpose: it runs before anything else in a bare `node`, without tsx.
 */
const spec = process.env.LOCAL_DEPLOY_VIRTUAL_CLOCK;
if (spec) {
  const [t0, r0, factor] = spec.split(',').map(Number);
  if (![t0, r0, factor].every(Number.isFinite) || !(factor > 0)) {
    throw new Error(`LOCAL_DEPLOY_VIRTUAL_CLOCK must be "T0,R0,factor"; got ${JSON.stringify(spec)}`);
  }
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const now = () => Math.floor(t0 + (realNow() - r0) * factor);

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
