/**
 * The Lambda stand-in: a local HTTP endpoint for `AWS_ENDPOINT_URL_LAMBDA` that implements
 * Invoke (RequestResponse and Event) and GetFunction, and runs each invocation of a function's
 * code from its cdk.out asset directory in a fresh child `node` process (lambda-child.cjs).
 *
 * A fresh process per invocation keeps invocations apart like separate Lambda sandboxes and lets
 * a test kill a handler mid-flight (`InvocationRecord.kill()`).
 */
import { ChildProcess, fork } from 'child_process';
import { randomUUID } from 'crypto';
import * as http from 'http';
import * as path from 'path';
import { type VirtualClock, unlimited } from './clock';
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
  /** Environment every child gets (endpoints, dummy credentials, preload settings). */
  readonly baseEnv: () => Record<string, string>;
  /** Extra `--require` preloads for every child. */
  readonly preloads: () => string[];
  /**
   * Variables added for one invocation, over the function's own (reserved variables still win):
   * the runner gives the Provider framework's user functions their service endpoint and the
   * test's `handlerEnvironment` here.
   */
  readonly invocationEnv?: (fn: FunctionSpec, requestId: string) => Record<string, string>;
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

export class LambdaService {
  readonly invocations: InvocationRecord[] = [];
  private readonly byRequestId = new Map<string, InvocationRecord>();
  private readonly functions = new Map<string, FunctionSpec>();
  private readonly children = new Set<ChildProcess>();
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
    for (const child of this.children) child.kill('SIGKILL');
    await this.close?.();
  }

  /** Makes these functions invocable, replacing earlier versions of the same names. */
  register(functions: readonly FunctionSpec[]): void {
    for (const fn of functions) this.functions.set(fn.name, fn);
  }

  find(reference: string): FunctionSpec | undefined {
    return this.functions.get(functionNameOf(reference));
  }

  /** The invocation with this Lambda request id. */
  invocation(requestId: string): InvocationRecord | undefined {
    return this.byRequestId.get(requestId);
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
    let child: ChildProcess | undefined;
    const record: InvocationRecord = {
      requestId,
      logicalId: fn.logicalId,
      functionName: fn.name,
      handler: fn.handler,
      invocationType,
      payload,
      startedAt: clock.now(),
      outcome: 'running',
      logs: [],
      kill: () => child?.kill('SIGKILL'),
    };
    this.invocations.push(record);
    this.byRequestId.set(requestId, record);
    const result = (outcome: InvocationOutcome, payload: string, failed: boolean): InvokeResult => {
      record.outcome = outcome;
      record.result = payload;
      record.endedAt = clock.now();
      return { statusCode: 200, payload, ...(failed ? { functionError: 'Unhandled' as const } : {}) };
    };
    const runtimeError = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: [] });

    if (this.aborter.signal.aborted) {
      return Promise.resolve(result('crashed', runtimeError('Runtime.ExitError', 'The local deploy runner was stopped'), true));
    }
    if (!fn.codeDir || !/^nodejs/.test(fn.runtime)) {
      const why = fn.codeError ?? `runtime ${fn.runtime} cannot be run locally; only nodejs runtimes can`;
      return Promise.resolve(result('error', runtimeError('Runtime.LocalDeployUnsupported', why), true));
    }

    const timeoutSeconds = Math.min(fn.timeoutSeconds, MAX_LOCAL_TIMEOUT_SECONDS);
    const region = fn.arn.split(':')[3];
    const env: Record<string, string> = {
      ...this.options.baseEnv(),
      ...fn.environment,
      ...this.options.invocationEnv?.(fn, requestId),
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      // Reserved variables last: Lambda does not let a function's configuration override them.
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
      LAMBDA_TASK_ROOT: fn.codeDir,
      _HANDLER: fn.handler,
    };
    return new Promise<InvokeResult>((resolve) => {
      let settled = false;
      // The first of: the handler's answer, the timeout, the process ending without an answer.
      const settle = (outcome: InvocationOutcome, payload: string, failed: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result(outcome, payload, failed));
      };
      // Virtual time stands still until the process is gone (see clock.ts).
      const release = clock.hold();
      child = fork(CHILD_BOOTSTRAP, [], {
        cwd: fn.codeDir,
        env,
        // Only our preloads: the parent's execArgv (tsx, jest loaders) must not leak into a "sandbox".
        execArgv: this.options.preloads().flatMap((file) => ['--require', file]),
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      this.children.add(child);
      record.pid = child.pid;
      const collect = (stream: NodeJS.ReadableStream | null) => {
        let rest = '';
        stream?.setEncoding('utf8');
        stream?.on('data', (chunk: string) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop() ?? '';
          record.logs.push(...lines);
        });
        stream?.on('end', () => rest && record.logs.push(rest));
      };
      collect(child.stdout);
      collect(child.stderr);
      const timeOut = (what: string) => {
        child?.kill('SIGKILL');
        settle('timeout', runtimeError('Sandbox.Timedout', `RequestId: ${requestId} Error: ${what}`), true);
      };
      let timer = setTimeout(
        () => timeOut(`Init timed out after ${LOCAL_INIT_LIMIT_SECONDS.toFixed(2)} seconds`),
        LOCAL_INIT_LIMIT_SECONDS * 1000,
      );
      child.on('message', (message: { handlerCalled?: boolean; ok?: boolean; payload?: string; error?: unknown }) => {
        if (message.handlerCalled) {
          // Loaded: from here on, the function's own timeout.
          clearTimeout(timer);
          timer = setTimeout(() => timeOut(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`), timeoutSeconds * 1000);
          return;
        }
        if (message.ok) settle('success', message.payload ?? 'null', false);
        else settle('error', JSON.stringify(message.error), true);
      });
      // 'close', not 'exit': it comes after the IPC channel and stdio are drained, so an answer
      // sent just before exiting is never mistaken for a crash.
      child.on('close', (code, signal) => {
        if (child) this.children.delete(child);
        release();
        const status = signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`;
        settle('crashed', runtimeError('Runtime.ExitError', `RequestId: ${requestId} Error: Runtime exited with error: ${status}`), true);
      });
      child.on('error', (error) => {
        // A process that could not start has no 'close' to wait for.
        if (child?.pid === undefined) release();
        settle('crashed', runtimeError('Runtime.ExitError', `RequestId: ${requestId} Error: ${error.message}`), true);
      });
      child.send({
        taskRoot: fn.codeDir,
        handler: fn.handler,
        payload,
        context: {
          awsRequestId: requestId,
          functionName: fn.name,
          functionVersion: '$LATEST',
          invokedFunctionArn: fn.arn,
          memoryLimitInMB: String(fn.memorySize),
          logGroupName: fn.logGroupName,
          logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
          timeoutMs: timeoutSeconds * 1000,
        },
      });
    });
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
