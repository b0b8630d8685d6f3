/**
 * The Lambda stand-in: a local HTTP endpoint for `AWS_ENDPOINT_URL_LAMBDA` that implements
 * Invoke (RequestResponse and Event) and GetFunction, and runs a function's code from its cdk.out
 * asset directory in child `node` processes (lambda-child.cjs), as Lambda runs it in sandboxes:
 *
 *  - a sandbox (one process) runs one function, one invocation at a time, and stays warm for the
 *    next one, keeping what the code cached at module level (SDK clients) as Lambda does;
 *  - an invocation that finds every sandbox of its function busy gets a new one (a cold start);
 *  - a sandbox whose invocation crashed or timed out is gone; the next invocation starts afresh.
 *
 * A test can kill a handler mid-flight (`InvocationRecord.kill()`): its sandbox dies with it.
 */
import { ChildProcess, fork } from 'child_process';
import { randomUUID } from 'crypto';
import * as http from 'http';
import * as path from 'path';
import { VIRTUAL_CLOCK_ENV, type VirtualClock, unlimited } from './clock';
import { closableServer, listenOnLoopback } from './local-server';
import type { FunctionSpec } from './stack-model';

const CHILD_BOOTSTRAP = path.join(__dirname, 'lambda-child.cjs');

/**
 * Lambda's timeout is honoured in real seconds (an invocation takes no virtual time: see clock.ts),
 * counted from the call of the handler as Lambda counts it, not from the process start, and capped
 * so that a hung handler cannot stall a run for long.
 */
export const MAX_LOCAL_TIMEOUT_SECONDS = 60;

/**
 * Real seconds a process may take to start and load its handler before it counts as hung (Lambda's
 * own init limit is 10 s; a process start on a loaded machine takes far longer than a warm sandbox).
 */
export const LOCAL_INIT_LIMIT_SECONDS = 60;

/** Delays before Lambda retries a failed asynchronous invocation (two retries), virtual ms. */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

export type InvocationOutcome = 'running' | 'success' | 'error' | 'timeout' | 'crashed';

export interface InvocationRecord {
  /** The Lambda request id. */
  readonly requestId: string;
  readonly logicalId: string;
  readonly functionName: string;
  /** The function's ARN: names it across stacks of several accounts and regions (names may repeat). */
  readonly functionArn: string;
  readonly handler: string;
  readonly invocationType: 'RequestResponse' | 'Event';
  /** The event as sent (JSON text). */
  readonly payload: string;
  /** Virtual epoch ms. */
  readonly startedAt: number;
  endedAt?: number;
  pid?: number;
  outcome: InvocationOutcome;
  /** The returned payload (JSON text): the result, or the runtime's error object. */
  result?: string;
  /** The child's stdout and stderr lines. */
  readonly logs: string[];
  /** Real milliseconds from the invoke to the answer (0 while running): the runner's own cost, for the benchmark. */
  realMs: number;
  /** Kills the child process (SIGKILL), as if the sandbox died. */
  kill(): void;
}

export interface InvokeResult {
  readonly statusCode: number;
  readonly functionError?: 'Unhandled';
  readonly payload: string;
}

export interface LambdaServiceOptions {
  readonly clock: VirtualClock;
  /** Environment every child gets (endpoints, dummy credentials, preload settings); the virtual clock's is added here. */
  readonly baseEnv: () => Record<string, string>;
  /** Extra `--require` preloads for every child. */
  readonly preloads: () => string[];
  /**
   * Variables added for one invocation, over the function's own (reserved variables still win):
   * the runner gives the Provider framework's user functions their service endpoint and the
   * test's `handlerEnvironment` here.
   */
  readonly invocationEnv?: (fn: FunctionSpec, sandboxId: string) => Record<string, string>;
}

/** Which user function of a Provider framework a function is: the one it calls onEvent or isComplete. */
export type UserFunctionRole = 'onEvent' | 'isComplete';

export class FunctionNotFound extends Error {
  constructor(readonly reference: string) {
    super(`Function not found: ${reference}`);
    this.name = 'ResourceNotFoundException';
  }
}

/** The function name in a name, a partial ARN or a full ARN, without a qualifier. */
export function functionNameOf(reference: string): string {
  const afterFunction = reference.includes(':function:') ? reference.split(':function:')[1] : reference;
  return afterFunction.split(':')[0];
}

/**
 * Where a function lives: `<region>:<account>:<name>` for an ARN; the bare name otherwise. Stacks
 * of different accounts or regions have functions of the same name (the same logical ids).
 */
function placeOf(reference: string): string | undefined {
  const arn = /^arn:[^:]+:lambda:([^:]+):([0-9]{12}):function:([^:]+)/.exec(reference);
  return arn ? `${arn[1]}:${arn[2]}:${arn[3]}` : undefined;
}

/** Stands for the sandbox id when environments are compared: the id differs, the rest must not. */
const SANDBOX_ID_PLACEHOLDER = 'sandbox';

/** One warm execution environment: a child process running one function's code. */
interface Sandbox {
  /** Names the sandbox in its environment (the runner's service proxy path): see `invocation`. */
  readonly id: string;
  /** Function, code and environment: an invocation reuses a sandbox only when all are the same. */
  readonly key: string;
  readonly arn: string;
  readonly child: ChildProcess;
  readonly logStreamName: string;
  /** The invocation in flight, if any. */
  running?: {
    readonly record: InvocationRecord;
    handlerCalled(): void;
    answered(payload: string, failed: boolean): void;
    ended(why: string): void;
  };
  /** Where output goes: the invocation running, or the last one (a line written after the answer). */
  lastRecord?: InvocationRecord;
  /** A newer version of the function was registered: no further invocations. */
  retired?: boolean;
}

export class LambdaService {
  readonly invocations: InvocationRecord[] = [];
  private readonly byRequestId = new Map<string, InvocationRecord>();
  private readonly functions = new Map<string, FunctionSpec>();
  /** The same functions by `placeOf` their ARN. */
  private readonly functionsByPlace = new Map<string, FunctionSpec>();
  private readonly sandboxes = new Set<Sandbox>();
  private readonly sandboxById = new Map<string, Sandbox>();
  // Every pending sleep listens to it: no listener limit.
  private readonly aborter = unlimited(new AbortController());
  private close?: () => Promise<void>;
  private url = '';

  constructor(private readonly options: LambdaServiceOptions) {}

  get endpoint(): string {
    return this.url;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.onRequest(req, res));
    this.close = closableServer(server);
    this.url = await listenOnLoopback(server);
  }

  async stop(): Promise<void> {
    this.aborter.abort();
    for (const sandbox of this.sandboxes) sandbox.child.kill('SIGKILL');
    await this.close?.();
  }

  /** Makes these functions invocable, replacing earlier versions of the same names. */
  register(functions: readonly FunctionSpec[]): void {
    for (const fn of functions) {
      // The old version's sandboxes serve no new invocation: idle ones go now, busy ones when done.
      for (const sandbox of this.sandboxes) {
        if (sandbox.arn !== fn.arn) continue;
        sandbox.retired = true;
        if (!sandbox.running) sandbox.child.kill('SIGKILL');
      }
      this.functions.set(fn.name, fn);
      const place = placeOf(fn.arn);
      if (place) this.functionsByPlace.set(place, fn);
    }
  }

  /** By ARN, the function of that account and region; by name, the last one registered. */
  find(reference: string): FunctionSpec | undefined {
    const place = placeOf(reference);
    return (place ? this.functionsByPlace.get(place) : undefined) ?? this.functions.get(functionNameOf(reference));
  }

  /**
   * The invocation with this Lambda request id, or the one a sandbox runs now (by the sandbox id
   * the runner put in the sandbox's environment: see `invocationEnv`).
   */
  invocation(id: string): InvocationRecord | undefined {
    return this.byRequestId.get(id) ?? this.sandboxById.get(id)?.running?.record;
  }

  /**
   * 'onEvent' / 'isComplete' when a registered Provider framework function names this function in
   * USER_ON_EVENT_FUNCTION_ARN / USER_IS_COMPLETE_FUNCTION_ARN (the library's handlers); else undefined.
   */
  userFunctionRole(fn: FunctionSpec): UserFunctionRole | undefined {
    for (const candidate of this.functions.values()) {
      const { USER_ON_EVENT_FUNCTION_ARN: onEvent, USER_IS_COMPLETE_FUNCTION_ARN: isComplete } = candidate.environment;
      if (onEvent !== undefined && functionNameOf(onEvent) === fn.name) return 'onEvent';
      if (isComplete !== undefined && functionNameOf(isComplete) === fn.name) return 'isComplete';
    }
    return undefined;
  }

  /** Invoke, RequestResponse: runs the function and returns what Lambda's Invoke would. */
  async invoke(reference: string, payload: string): Promise<InvokeResult> {
    const fn = this.find(reference);
    if (!fn) throw new FunctionNotFound(reference);
    return this.run(fn, payload, 'RequestResponse');
  }

  /**
   * Invoke, Event: returns at once; the function runs in the background and, like Lambda, a
   * function error is retried twice (after 1 and 2 minutes of virtual time).
   */
  invokeAsync(reference: string, payload: string): void {
    const fn = this.find(reference);
    if (!fn) throw new FunctionNotFound(reference);
    void (async () => {
      for (let attempt = 0; !this.aborter.signal.aborted; attempt++) {
        const result = await this.run(fn, payload, 'Event');
        if (!result.functionError || attempt >= ASYNC_RETRY_DELAYS_MS.length) return;
        await this.options.clock.sleep(ASYNC_RETRY_DELAYS_MS[attempt], this.aborter.signal);
      }
    })();
  }

  private run(fn: FunctionSpec, payload: string, invocationType: 'RequestResponse' | 'Event'): Promise<InvokeResult> {
    const requestId = randomUUID();
    const clock = this.options.clock;
    let sandbox: Sandbox | undefined;
    const record: InvocationRecord = {
      requestId,
      logicalId: fn.logicalId,
      functionName: fn.name,
      functionArn: fn.arn,
      handler: fn.handler,
      invocationType,
      payload,
      startedAt: clock.now(),
      outcome: 'running',
      logs: [],
      realMs: 0,
      // Only while this invocation runs: the sandbox may serve another one afterwards.
      kill: () => {
        if (sandbox?.running?.record === record) sandbox.child.kill('SIGKILL');
      },
    };
    this.invocations.push(record);
    this.byRequestId.set(requestId, record);
    const realStart = process.hrtime.bigint();
    const result = (outcome: InvocationOutcome, payload: string, failed: boolean): InvokeResult => {
      record.outcome = outcome;
      record.result = payload;
      record.endedAt = clock.now();
      record.realMs = Number(process.hrtime.bigint() - realStart) / 1e6;
      return { statusCode: 200, payload, ...(failed ? { functionError: 'Unhandled' as const } : {}) };
    };

    if (this.aborter.signal.aborted) {
      return Promise.resolve(result('crashed', runtimeError('Runtime.ExitError', 'The local deploy runner was stopped'), true));
    }
    if (!fn.codeDir || !/^nodejs/.test(fn.runtime)) {
      const why = fn.codeError ?? `runtime ${fn.runtime} cannot be run locally; only nodejs runtimes can`;
      return Promise.resolve(result('error', runtimeError('Runtime.LocalDeployUnsupported', why), true));
    }

    const timeoutSeconds = Math.min(fn.timeoutSeconds, MAX_LOCAL_TIMEOUT_SECONDS);
    return new Promise<InvokeResult>((resolve) => {
      // Virtual time stands still until the invocation has ended (see clock.ts).
      const release = clock.hold();
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (outcome: InvocationOutcome, payload: string, failed: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result(outcome, payload, failed));
      };
      const timeOut = (what: string) => {
        settle('timeout', runtimeError('Sandbox.Timedout', `RequestId: ${requestId} Error: ${what}`), true);
        // Lambda resets a sandbox whose invocation timed out; the clock moves on once it is gone.
        target.child.kill('SIGKILL');
      };
      const target = this.sandboxFor(fn);
      sandbox = target;
      record.pid = target.child.pid;
      target.running = {
        record,
        handlerCalled: () => {
          // Loaded: from here on, the function's own timeout.
          clearTimeout(timer);
          timer = setTimeout(() => timeOut(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`), timeoutSeconds * 1000);
        },
        answered: (payload, failed) => {
          settle(failed ? 'error' : 'success', payload, failed);
          release();
        },
        ended: (why) => {
          settle('crashed', runtimeError('Runtime.ExitError', `RequestId: ${requestId} Error: ${why}`), true);
          release();
        },
      };
      target.lastRecord = record;
      // The init limit applies until the handler is called: on a cold start it covers the process start.
      timer = setTimeout(
        () => timeOut(`Init timed out after ${LOCAL_INIT_LIMIT_SECONDS.toFixed(2)} seconds`),
        LOCAL_INIT_LIMIT_SECONDS * 1000,
      );
      target.child.send({
        taskRoot: fn.codeDir,
        handler: fn.handler,
        payload,
        virtualNow: clock.now(),
        context: {
          awsRequestId: requestId,
          functionName: fn.name,
          functionVersion: '$LATEST',
          invokedFunctionArn: fn.arn,
          memoryLimitInMB: String(fn.memorySize),
          logGroupName: fn.logGroupName,
          logStreamName: target.logStreamName,
          timeoutMs: timeoutSeconds * 1000,
        },
      });
    });
  }

  /**
   * An idle sandbox that runs this function with the same environment, or a new one. Like Lambda,
   * a function busy in one sandbox gets another for a concurrent invocation.
   */
  private sandboxFor(fn: FunctionSpec): Sandbox {
    const key = `${fn.arn}\0${fn.codeDir}\0${fn.handler}\0${stableJson(this.environment(fn, SANDBOX_ID_PLACEHOLDER, ''))}`;
    const idle = [...this.sandboxes].find((candidate) => candidate.key === key && !candidate.running);
    if (idle) return idle;

    const id = randomUUID();
    const logStreamName = `local/[$LATEST]${id.replace(/-/g, '')}`;
    const child = fork(CHILD_BOOTSTRAP, [], {
      cwd: fn.codeDir,
      env: { ...this.environment(fn, id, logStreamName), [VIRTUAL_CLOCK_ENV]: this.options.clock.envValue() },
      // Only our preloads: the parent's execArgv (tsx, jest loaders) must not leak into a "sandbox".
      execArgv: this.options.preloads().flatMap((file) => ['--require', file]),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const sandbox: Sandbox = { id, key, arn: fn.arn, child, logStreamName };
    this.sandboxes.add(sandbox);
    this.sandboxById.set(id, sandbox);
    const collect = (stream: NodeJS.ReadableStream | null) => {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        sandbox.lastRecord?.logs.push(...lines);
      });
      stream?.on('end', () => rest && sandbox.lastRecord?.logs.push(rest));
    };
    collect(child.stdout);
    collect(child.stderr);
    child.on('message', (message: { handlerCalled?: boolean; ok?: boolean; payload?: string; error?: unknown }) => {
      const running = sandbox.running;
      if (!running) return;
      if (message.handlerCalled) return running.handlerCalled();
      sandbox.running = undefined;
      if (message.ok) running.answered(message.payload ?? 'null', false);
      else running.answered(JSON.stringify(message.error), true);
      if (sandbox.retired) child.kill('SIGKILL');
    });
    let gone = false;
    const end = (why: string) => {
      if (gone) return;
      gone = true;
      this.sandboxes.delete(sandbox);
      this.sandboxById.delete(id);
      const running = sandbox.running;
      sandbox.running = undefined;
      running?.ended(why);
    };
    // 'close', not 'exit': it comes after the IPC channel and stdio are drained, so an answer
    // sent just before the process died is never mistaken for a crash.
    child.on('close', (code, signal) => {
      end(`Runtime exited with error: ${signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`}`);
    });
    // A process that could not start has no 'close' to wait for.
    child.on('error', (error) => {
      if (child.pid === undefined) end(error.message);
    });
    return sandbox;
  }

  /** The environment of a function's sandbox, but the virtual clock's start value (added when it starts). */
  private environment(fn: FunctionSpec, sandboxId: string, logStreamName: string): Record<string, string> {
    const region = fn.arn.split(':')[3];
    const env: Record<string, string> = {
      ...this.options.baseEnv(),
      ...fn.environment,
      ...this.options.invocationEnv?.(fn, sandboxId),
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      // Reserved variables last: Lambda does not let a function's configuration override them.
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
      LAMBDA_TASK_ROOT: fn.codeDir ?? '',
      _HANDLER: fn.handler,
    };
    return env;
  }

  // ---------------------------------------------------------------- HTTP face

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.on('close', this.options.clock.hold());
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.dispatch(req, res, Buffer.concat(chunks).toString('utf8')).catch((error: Error) => {
        sendError(res, 500, 'ServiceException', `Local Lambda stand-in error: ${error.message}`);
      });
    });
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://lambda.invalid');
    const authorization = req.headers.authorization;
    if (typeof authorization !== 'string' || !authorization.startsWith('AWS4-HMAC-SHA256')) {
      return sendError(res, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(pathname);
    const get = /^\/2015-03-31\/functions\/([^/]+)(\/configuration)?$/.exec(pathname);
    if (invoke && req.method === 'POST') {
      const reference = decodeURIComponent(invoke[1]);
      const fn = this.find(reference);
      if (!fn) return sendError(res, 404, 'ResourceNotFoundException', `Function not found: ${reference}`);
      const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      if (type === 'DryRun') return send(res, 204, '', {});
      if (type === 'Event') {
        this.invokeAsync(reference, body);
        return send(res, 202, '', {});
      }
      const result = await this.invoke(reference, body);
      return send(res, result.statusCode, result.payload, {
        'x-amz-executed-version': '$LATEST',
        ...(result.functionError ? { 'x-amz-function-error': result.functionError } : {}),
      });
    }
    if (get && req.method === 'GET') {
      const reference = decodeURIComponent(get[1]);
      const fn = this.find(reference);
      if (!fn) return sendError(res, 404, 'ResourceNotFoundException', `Function not found: ${reference}`);
      const configuration = {
        FunctionName: fn.name,
        FunctionArn: fn.arn,
        Runtime: fn.runtime,
        Handler: fn.handler,
        Timeout: fn.timeoutSeconds,
        MemorySize: fn.memorySize,
        Version: '$LATEST',
        State: 'Active',
        LastUpdateStatus: 'Successful',
      };
      return send(res, 200, JSON.stringify(get[2] ? configuration : { Configuration: configuration }), {});
    }
    return sendError(res, 404, 'UnknownOperationException', `No operation matches ${req.method} ${pathname}`);
  }
}

/** The Lambda runtime's error payload. */
function runtimeError(errorType: string, errorMessage: string): string {
  return JSON.stringify({ errorType, errorMessage, trace: [] });
}

/** JSON with keys sorted, so that equal environments give equal text. */
function stableJson(values: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(values)
      .sort()
      .map((key) => [key, values[key]]),
  );
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(body);
}

function sendError(res: http.ServerResponse, status: number, type: string, message: string): void {
  if (res.headersSent) return;
  send(res, status, JSON.stringify({ Type: 'User', message }), { 'x-amzn-errortype': type });
}
