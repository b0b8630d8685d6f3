/**
 * The Step Functions stand-in: a local awsJson1_0 endpoint for `AWS_ENDPOINT_URL_SFN` that
 * implements StartExecution and interprets the synthesized state machine, enough for the
 * Provider framework's waiter: Task states that invoke a Lambda function (through the Lambda
 * stand-in), with `Retry` (ErrorEquals, IntervalSeconds, MaxAttempts, BackoffRate,
 * MaxDelaySeconds) and `Catch` (the next state gets `{Error, Cause}`, Cause being the failed
 * function's error payload as a JSON string, as Step Functions passes it), plus Pass, Wait,
 * Succeed and Fail. Waits are virtual: timers on the runner's discrete-event clock (clock.ts).
 *
 * StartExecution answers at once; the execution runs in the background.
 */
import { randomUUID } from 'crypto';
import * as http from 'http';
import { type VirtualClock, unlimited } from './clock';
import { FunctionNotFound, LambdaService } from './lambda-service';
import { closableServer, listenOnLoopback } from './local-server';
import type { StateMachineSpec } from './stack-model';

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly input: string;
  /** Virtual epoch ms. */
  readonly startDate: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** One entry per task attempt. */
  readonly history: Array<{ at: number; state: string; attempt: number; error?: string }>;
}

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}

interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string;
}

interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Result?: unknown;
  Seconds?: number;
  Error?: string;
  Cause?: string;
  [key: string]: unknown;
}

interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

/** A failed state: a Step Functions error name and cause. */
class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
  }
}

/** Fields this interpreter does not implement; a state using them fails loudly instead of misbehaving. */
const UNSUPPORTED_FIELDS = ['InputPath', 'OutputPath', 'ResultPath', 'Parameters', 'ResultSelector', 'TimeoutSeconds', 'HeartbeatSeconds'];

function matches(errorName: string, errorEquals: string[]): boolean {
  return (
    errorEquals.includes(errorName) ||
    errorEquals.includes('States.ALL') ||
    (errorEquals.includes('States.TaskFailed') && errorName !== 'States.Timeout')
  );
}

export class StepFunctionsService {
  readonly executions: ExecutionRecord[] = [];
  private readonly machines = new Map<string, StateMachineSpec>();
  // Every pending sleep listens to it: no listener limit.
  private readonly aborter = unlimited(new AbortController());
  private close?: () => Promise<void>;
  private url = '';

  constructor(
    private readonly clock: VirtualClock,
    private readonly lambda: LambdaService,
  ) {}

  get endpoint(): string {
    return this.url;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.onRequest(req, res));
    this.close = closableServer(server);
    this.url = await listenOnLoopback(server);
  }

  /** Aborts every running execution and closes the endpoint. */
  async stop(): Promise<void> {
    this.aborter.abort();
    await this.close?.();
  }

  register(machines: readonly StateMachineSpec[]): void {
    for (const machine of machines) this.machines.set(machine.arn, machine);
  }

  /** StartExecution: records the execution and runs it in the background. */
  startExecution(stateMachineArn: string, input: string, name: string = randomUUID()): ExecutionRecord {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new StatesError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const [, partition, , region, account] = stateMachineArn.split(':');
    const execution: ExecutionRecord = {
      executionArn: `arn:${partition}:states:${region}:${account}:execution:${machine.name}:${name}`,
      stateMachineArn,
      input,
      startDate: this.clock.now(),
      status: 'RUNNING',
      history: [],
    };
    this.executions.push(execution);
    void this.run(machine.definition as Definition, execution);
    return execution;
  }

  private async run(definition: Definition, execution: ExecutionRecord): Promise<void> {
    const signal = this.aborter.signal;
    let stateName = definition.StartAt;
    let input: unknown = JSON.parse(execution.input || '{}');
    try {
      for (;;) {
        const state = definition.States?.[stateName];
        if (!state) throw new StatesError('States.Runtime', `No state named ${stateName}`);
        let output: unknown;
        try {
          output = await this.runState(stateName, state, input, execution);
        } catch (error) {
          if (!(error instanceof StatesError)) throw error;
          const catcher = state.Catch?.find((candidate) => matches(error.error, candidate.ErrorEquals));
          if (!catcher || error.error === 'States.Runtime') throw error;
          if (catcher.ResultPath !== undefined && catcher.ResultPath !== '$') {
            throw new StatesError('States.Runtime', `${stateName}: Catch ResultPath is not supported locally`);
          }
          input = { Error: error.error, Cause: error.cause };
          stateName = catcher.Next;
          continue;
        }
        if (signal.aborted) return this.end(execution, 'ABORTED');
        if (state.Type === 'Succeed' || state.End) {
          return this.end(execution, 'SUCCEEDED', { output: JSON.stringify(output) });
        }
        if (!state.Next) throw new StatesError('States.Runtime', `${stateName} has neither Next nor End`);
        stateName = state.Next;
        input = output;
      }
    } catch (error) {
      if (signal.aborted) return this.end(execution, 'ABORTED');
      const failure = error instanceof StatesError ? error : new StatesError('States.Runtime', String(error));
      this.end(execution, 'FAILED', { error: failure.error, cause: failure.cause });
    }
  }

  private end(execution: ExecutionRecord, status: ExecutionRecord['status'], details: Partial<ExecutionRecord> = {}): void {
    Object.assign(execution, details, { status, stopDate: this.clock.now() });
  }

  private async runState(name: string, state: State, input: unknown, execution: ExecutionRecord): Promise<unknown> {
    const unsupported = UNSUPPORTED_FIELDS.filter((field) => field in state);
    if (unsupported.length > 0) {
      throw new StatesError('States.Runtime', `${name}: ${unsupported.join(', ')} not supported by the local Step Functions stand-in`);
    }
    switch (state.Type) {
      case 'Task':
        return this.runTask(name, state, input, execution);
      case 'Pass':
        return 'Result' in state ? state.Result : input;
      case 'Wait':
        await this.clock.sleep((state.Seconds ?? 0) * 1000, this.aborter.signal);
        return input;
      case 'Succeed':
        return input;
      case 'Fail':
        throw new StatesError(state.Error ?? 'States.Fail', state.Cause ?? '');
      default:
        throw new StatesError('States.Runtime', `${name}: state type ${state.Type} is not supported by the local Step Functions stand-in`);
    }
  }

  /** Invokes the task's Lambda function, retrying as the state's Retry says. */
  private async runTask(name: string, state: State, input: unknown, execution: ExecutionRecord): Promise<unknown> {
    const retried = new Map<Retrier, number>();
    for (let attempt = 1; ; attempt++) {
      if (this.aborter.signal.aborted) throw new StatesError('States.Runtime', 'execution aborted');
      const entry: ExecutionRecord['history'][number] = { at: this.clock.now(), state: name, attempt };
      execution.history.push(entry);
      let failure: StatesError;
      try {
        const result = await this.lambda.invoke(String(state.Resource), JSON.stringify(input));
        if (!result.functionError) return result.payload ? JSON.parse(result.payload) : null;
        let errorType = 'Lambda.Unknown';
        try {
          errorType = JSON.parse(result.payload).errorType ?? errorType;
        } catch {
          // not JSON: keep Lambda.Unknown
        }
        failure = new StatesError(errorType, result.payload);
      } catch (error) {
        if (!(error instanceof FunctionNotFound)) throw error;
        failure = new StatesError('Lambda.ResourceNotFoundException', error.message);
      }
      entry.error = failure.error;
      const retrier = state.Retry?.find((candidate) => matches(failure.error, candidate.ErrorEquals));
      const count = retrier ? (retried.get(retrier) ?? 0) : 0;
      if (!retrier || count >= (retrier.MaxAttempts ?? 3)) throw failure;
      retried.set(retrier, count + 1);
      let delaySeconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** count;
      if (retrier.MaxDelaySeconds !== undefined) delaySeconds = Math.min(delaySeconds, retrier.MaxDelaySeconds);
      await this.clock.sleep(delaySeconds * 1000, this.aborter.signal);
    }
  }

  // ---------------------------------------------------------------- HTTP face (awsJson1_0)

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.on('close', this.clock.hold());
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const authorization = req.headers.authorization;
      if (typeof authorization !== 'string' || !authorization.startsWith('AWS4-HMAC-SHA256')) {
        return sendJson(res, 403, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
      }
      if (req.method !== 'POST' || target !== 'AWSStepFunctions.StartExecution') {
        return sendJson(res, 400, {
          __type: 'UnknownOperationException',
          message: `Operation ${target || '(none)'} is not supported locally`,
        });
      }
      let body: { stateMachineArn?: string; input?: string; name?: string };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        return sendJson(res, 400, { __type: 'SerializationException', message: 'Request body is not valid JSON' });
      }
      try {
        const execution = this.startExecution(String(body.stateMachineArn), body.input ?? '{}', body.name);
        sendJson(res, 200, { executionArn: execution.executionArn, startDate: execution.startDate / 1000 });
      } catch (error) {
        const failure = error instanceof StatesError ? error : new StatesError('InternalFailure', String(error));
        sendJson(res, 400, { __type: failure.error, message: failure.cause });
      }
    });
  }
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}
