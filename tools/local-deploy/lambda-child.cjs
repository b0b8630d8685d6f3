'use strict';
/**
 * A Lambda sandbox: a `node` process started by the runner's Lambda stand-in (lambda-service.ts)
 * that runs one function's invocations, one at a time, the way the Lambda Node.js runtime runs a
 * handler. For each invocation:
 *
 *   1. the parent sends { taskRoot, handler, payload, context, virtualNow } over the IPC channel;
 *   2. `handler` ("framework.onEvent", "index.onEvent") is loaded from taskRoot (once: the module
 *      stays loaded for the next invocation, as in a warm sandbox), the virtual clock is set to
 *      `virtualNow`, and the handler is called with the parsed event and a Lambda-like context
 *      (async or callback style);
 *      (just before the call, { handlerCalled: true } tells the parent to start the timeout, which
 *      Lambda counts from the call, not from the process start);
 *   3. the result goes back as { ok: true, payload: <JSON text> }, a failure as
 *      { ok: false, error: { errorType, errorMessage, trace } }, the runtime's own error shape
 *      (trace = err.stack split into lines).
 *
 * Plain CommonJS on purpose: it is started with a bare `node` (plus the --require preloads),
 * like the Lambda runtime, not through tsx.
 */
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

function toRuntimeError(error) {
  if (error instanceof Error || (error && typeof error === 'object' && 'message' in error && 'stack' in error)) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function namedError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

async function loadHandler(taskRoot, handler) {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw namedError('Runtime.MalformedHandlerName', `Bad handler ${handler}: expected "file.export"`);
  const modulePath = path.resolve(taskRoot, handler.slice(0, dot));
  const exportName = handler.slice(dot + 1);
  let mod;
  if (fs.existsSync(`${modulePath}.js`) || fs.existsSync(`${modulePath}.cjs`)) {
    mod = require(fs.existsSync(`${modulePath}.js`) ? `${modulePath}.js` : `${modulePath}.cjs`);
  } else if (fs.existsSync(`${modulePath}.mjs`)) {
    mod = await import(pathToFileURL(`${modulePath}.mjs`).href);
  } else {
    throw namedError('Runtime.ImportModuleError', `Error: Cannot find module '${path.basename(modulePath)}'`);
  }
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== 'function') throw namedError('Runtime.HandlerNotFound', `${handler} is undefined or not exported`);
  return fn;
}

function callHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, value) => (error ? reject(error) : resolve(value));
    try {
      const returned = fn(event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (fn.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

// The sandbox dies with the runner: nothing is left behind when it goes away.
process.on('disconnect', () => process.exit(0));

const virtualClock = globalThis[Symbol.for('local-deploy.virtual-clock')];
let loaded;

process.on('message', async (message) => {
  const { taskRoot, handler, payload, virtualNow, context: info } = message;
  let reply;
  try {
    loaded ??= loadHandler(taskRoot, handler);
    const fn = await loaded;
    if (virtualClock && typeof virtualNow === 'number') virtualClock.now = virtualNow;
    // Real time: Lambda's timeout is real even when Date runs on the virtual clock.
    const realStart = process.hrtime.bigint();
    const context = {
      ...info,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, info.timeoutMs - Number((process.hrtime.bigint() - realStart) / 1000000n)),
    };
    const event = payload === '' ? {} : JSON.parse(payload);
    process.send({ handlerCalled: true });
    const value = await callHandler(fn, event, context);
    reply = { ok: true, payload: JSON.stringify(value === undefined ? null : value) };
  } catch (error) {
    reply = { ok: false, error: toRuntimeError(error) };
  }
  process.send(reply);
});
