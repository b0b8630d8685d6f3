/**
 * Local deploy runner: plays CloudFormation's part for the custom resources of a synthesized
 * stack, through the aws-cdk-lib Provider framework runtime exactly as synthesized into cdk.out,
 * against the embedded OpenSearch emulator. No AWS account, no network.
 *
 *   const run = await LocalDeployment.start({ world, timing, timeCompression: 200 });
 *   await run.deploy('cdk.out', 'MyStack');   // Create all; later calls update
 *   await run.destroy();                       // Delete, dependents first
 *   run.emulator.snapshot();                   // what happened to the "service"
 *   await run.stop();
 *
 * Pieces: assembly.ts + intrinsics.ts + stack-model.ts read the template; engine.ts is
 * CloudFormation (response-check.ts its reading of answers, graph.ts its ordering);
 * lambda-service.ts, sfn-service.ts and response-endpoint.ts are the stand-ins the framework
 * talks to; cloudformation-service.ts answers the handlers' DescribeStacks and DescribeStackEvents;
 * service-proxy.ts is the emulator as the handlers reach it (call attribution, crash
 * injection); clock.ts keeps virtual time (discrete-event);
 * event-log.ts prints; world-diff.ts compares emulator snapshots.
 */
import * as os from 'os';
import * as path from 'path';
import { OpenSearchEmulator, localSessionToken, type Timing, type Variants, type World } from '../../emulator';
import { VIRTUAL_CLOCK_PRELOAD, VirtualClock, unlimited } from './clock';
import { readStack } from './assembly';
import {
  type CloudFormationCall,
  type CloudFormationFault,
  CloudFormationService,
  type StackDescription,
  type StackEventDescription,
} from './cloudformation-service';
import { CloudFormationEngine } from './engine';
import { publishFileAssets } from './file-assets';
import type { CfnRequest, DeployResult, ResourceState, ResponseRecord, StackEvent } from './engine-types';
import { EventLog } from './event-log';
import { IamAuthorizer, IamState } from './iam';
import { POLICY_TYPES } from './stack-model';
import { type InvocationRecord, LambdaService } from './lambda-service';
import { RESPONSE_PORT_PRELOAD, ResponseEndpoint } from './response-endpoint';
import { type CrashRecord, type CrashRule, type ServiceCall, ServiceProxy } from './service-proxy';
import { type ExecutionRecord, StepFunctionsService } from './sfn-service';

export type { CfnRequest, DeployResult, ResourceState, ResponseRecord, StackEvent } from './engine-types';
export type { InvocationRecord } from './lambda-service';
export type { ExecutionRecord } from './sfn-service';
export type { CrashRecord, CrashRule, CrashableOperation, ServiceCall } from './service-proxy';
export type { CloudFormationCall, CloudFormationFault, StackDescription, StackEventDescription } from './cloudformation-service';
export { diffWorld, describeWorld } from './world-diff';

export interface LocalDeploymentOptions {
  /** The emulator's initial state. */
  readonly world?: World;
  /** How long the emulator's transitions take, in virtual ms. */
  readonly timing?: Timing;
  /**
   * No longer used: the runner's clock is discrete-event (virtual time stands still while
   * anything is in flight and jumps to the next timer when everything waits, see clock.ts), so
   * a run takes as little real time as its processes need. Accepted so that callers keep working.
   * @deprecated
   */
  readonly timeCompression?: number;
  /**
   * How the emulator answers where AWS documents no answer (emulator `Variants`). Default: the
   * first choice of each switch.
   */
  readonly variants?: Variants;
  /** Where event lines go. Default: process.stdout. */
  readonly log?: (line: string) => void;
  /** Real ms between progress lines when not printing to a TTY. Default 5000; 0 = none. */
  readonly progressEveryMs?: number;
  /**
   * Called synchronously with every stack and resource event, before the engine goes on: a test
   * can change the emulator at an exact point (e.g. right after a CREATE_FAILED).
   */
  readonly onEvent?: (event: StackEvent) => void;
  /**
   * Listen for ResponseURL PUTs on a free port and redirect the framework's requests there with a
   * preload, as when port 443 cannot be bound (EACCES). Default: only when 443 is refused.
   */
  readonly avoidPort443?: boolean;
  /**
   * Variables added to the environment of the library's handler functions only: the functions a
   * Provider framework calls as its onEvent and isComplete handlers (`index.onEvent`,
   * `index.isComplete`), not the framework's own. They override the function's own variables,
   * e.g. `{ OPENSEARCH_LIFECYCLE_REQUEST_TIMEOUT_MS: '300' }` for a short SDK request timeout.
   */
  readonly handlerEnvironment?: Readonly<Record<string, string>>;
  /**
   * Kill a process right after the service has accepted a mutating call of a library handler
   * (see `CrashRule`); `run.crashes` lists the crashes caused.
   */
  readonly crash?: CrashRule | readonly CrashRule[];
  /**
   * Called synchronously with every call a library handler makes to the service, before it is
   * forwarded to the emulator: a test can inject a fault for exactly that call.
   */
  readonly onServiceRequest?: (call: ServiceCall) => void;
  /**
   * Called with every request a library handler sends to the CloudFormation stand-in (its
   * DescribeStacks); a fault it returns is the answer, e.g. `{ httpStatus: 400, code:
   * 'Throttling', message: 'Rate exceeded' }`.
   */
  readonly onCloudFormationRequest?: (action: string, stackName: string | undefined) => CloudFormationFault | undefined;
}

const STACK_TYPE = 'AWS::CloudFormation::Stack';

/** The node_modules the framework's `require('@aws-sdk/client-lambda')` resolves from (NODE_PATH). */
function nodeModulesDir(): string {
  const entry = require.resolve('@aws-sdk/client-lambda/package.json');
  return path.resolve(path.dirname(entry), '..', '..');
}

/**
 * The access key id the handlers of a stack in this account sign with: the emulator reads the
 * caller's account from its last 12 digits (see emulator/README.md).
 */
export function accessKeyIdOf(account: string): string {
  return /^[0-9]{12}$/.test(account) ? `AKIALOCAL${account}` : 'AKIALOCALDEPLOYFAKE0';
}

export class LocalDeployment {
  /**
   * Starts the emulator and every stand-in server. When a step fails, whatever was already
   * started is stopped before the error is thrown: a failed start leaves nothing listening.
   */
  static async start(options: LocalDeploymentOptions = {}): Promise<LocalDeployment> {
    const clock = new VirtualClock();
    const emulator = await OpenSearchEmulator.start({
      world: options.world,
      timing: options.timing,
      variants: options.variants,
      clock: () => clock.now(),
    });
    let endpoint: ResponseEndpoint | undefined;
    let run: LocalDeployment | undefined;
    try {
      endpoint = await ResponseEndpoint.start({ avoidPort443: options.avoidPort443 });
      run = new LocalDeployment(clock, emulator, endpoint, options);
      const deployment = run;
      run.cloudformation = await CloudFormationService.start({
        describe: (stackName) => deployment.describeStack(stackName),
        events: (stackName) => deployment.stackEvents(stackName),
        onRequest: options.onCloudFormationRequest,
        authorize: (callerId, action, stackName) => deployment.authorizeCloudFormation(callerId, action, stackName),
      });
      run.proxy = await ServiceProxy.start({
        clock,
        lambda: run.lambda,
        upstream: emulator.endpoint,
        crash: options.crash,
        onServiceRequest: options.onServiceRequest,
        iam: run.iamAuthorizer,
        domainOfHost: (host) => emulator.domainOfEndpointHost(host),
        s3Upstream: emulator.s3Endpoint,
      });
      await run.lambda.start();
      await run.sfn.start();
      return run;
    } catch (error) {
      // run.stop() closes what was started and skips what was not.
      if (run) await run.stop();
      else await Promise.all([endpoint?.stop(), emulator.stop()]);
      throw error;
    }
  }

  /** Every stack and resource event, in order. */
  readonly events: StackEvent[] = [];
  /** Every request sent to a ServiceToken. */
  readonly requests: CfnRequest[] = [];
  /** Every body PUT to a ResponseURL, with the request it answers. */
  readonly responses: ResponseRecord[] = [];
  /** Printed lines in which a ResponseURL secret had to be masked (should stay empty). */
  readonly maskedLines: string[] = [];

  private readonly lambda: LambdaService;
  /** The IAM policies in force at each moment, as the engine deploys them, and the decisions on them. */
  readonly iam = new IamState();
  private readonly iamAuthorizer = new IamAuthorizer(this.iam);
  private readonly sfn: StepFunctionsService;
  private readonly engine: CloudFormationEngine;
  private readonly eventLog: EventLog;
  // Every pending sleep listens to it: no listener limit.
  private readonly aborter = unlimited(new AbortController());
  private proxy!: ServiceProxy;
  private cloudformation!: CloudFormationService;
  private lastStack?: string;
  private stopped?: Promise<void>;

  private constructor(
    readonly clock: VirtualClock,
    /** The embedded OpenSearch emulator, on the runner's virtual clock. */
    readonly emulator: OpenSearchEmulator,
    private readonly endpoint: ResponseEndpoint,
    options: LocalDeploymentOptions,
  ) {
    this.eventLog = new EventLog({
      clock,
      log: options.log,
      progressEveryMs: options.progressEveryMs,
      sanitize: (text) => {
        if (!endpoint.containsSecret(text)) return text;
        const masked = endpoint.redact(text);
        this.maskedLines.push(masked);
        return masked;
      },
    });
    const noAwsConfig = path.join(os.tmpdir(), 'local-deploy-no-aws-config');
    this.lambda = new LambdaService({
      clock,
      // Built from scratch, never from process.env: no real credentials, profile or proxy can
      // reach a function, and every AWS endpoint it may call is local.
      baseEnv: () => ({
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        TZ: 'UTC',
        NODE_PATH: nodeModulesDir(),
        AWS_ACCESS_KEY_ID: 'AKIALOCALDEPLOYFAKE0',
        AWS_SECRET_ACCESS_KEY: 'local-deploy-dummy-secret-key',
        AWS_SESSION_TOKEN: 'local-deploy-dummy-session-token',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: noAwsConfig,
        AWS_SHARED_CREDENTIALS_FILE: noAwsConfig,
        // Any service without its own variable below goes nowhere (the discard port) instead of AWS.
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ENDPOINT_URL_LAMBDA: this.lambda.endpoint,
        AWS_ENDPOINT_URL_SFN: this.sfn.endpoint,
        AWS_ENDPOINT_URL_OPENSEARCH: emulator.endpoint,
        // The ResponseURL endpoint's self-signed certificate, trusted as a CA: TLS verification
        // stays on (NODE_TLS_REJECT_UNAUTHORIZED=0 is not needed).
        NODE_EXTRA_CA_CERTS: endpoint.caFile,
        ...(endpoint.needsPreload ? { LOCAL_DEPLOY_RESPONSE_ENDPOINT: `${endpoint.host}:${endpoint.port}` } : {}),
      }),
      preloads: () => [VIRTUAL_CLOCK_PRELOAD, ...(endpoint.needsPreload ? [RESPONSE_PORT_PRELOAD] : [])],
      // The library's handlers reach the emulator through the proxy, under their sandbox's own path,
      // with the credentials of their stack's account (the emulator reads the account from the key).
      invocationEnv: (fn, sandboxId) =>
        this.lambda.userFunctionRole(fn)
          ? {
              ...options.handlerEnvironment,
              AWS_ENDPOINT_URL_OPENSEARCH: this.proxy.endpointFor(sandboxId),
              // Requests to a domain's endpoint (the security API) go to the emulator's data plane, through the proxy.
              OPENSEARCH_LIFECYCLE_DOMAIN_URL_PREFIX: `${this.proxy.endpointFor(sandboxId)}/domain-endpoints`,
              AWS_ACCESS_KEY_ID: accessKeyIdOf(fn.arn.split(':')[4]),
              // The session token names the function's role to the emulator, as a domain's security plugin knows its caller.
              ...(fn.roleArn ? { AWS_SESSION_TOKEN: localSessionToken(fn.roleArn) } : {}),
              // Its own path too, so that each call is evaluated against the caller's role.
              AWS_ENDPOINT_URL_CLOUDFORMATION: `${this.cloudformation.endpoint}/invocations/${sandboxId}`,
              // CopyObject and DeleteObject of package files (PackageSource.fromAsset), through the proxy too.
              AWS_ENDPOINT_URL_S3: `${this.proxy.endpointFor(sandboxId)}/s3`,
            }
          : {},
    });
    this.sfn = new StepFunctionsService(clock, this.lambda);
    this.engine = new CloudFormationEngine({
      clock,
      lambda: this.lambda,
      sfn: this.sfn,
      endpoint,
      eventLog: this.eventLog,
      events: this.events,
      requests: this.requests,
      responses: this.responses,
      signal: this.aborter.signal,
      onEvent: options.onEvent,
      iam: this.iam,
    });
  }

  /**
   * A handler's DescribeStacks or DescribeStackEvents, evaluated against its role's policies in
   * force now: the resource is the stack's id (a name is looked up, as CloudFormation does).
   */
  private async authorizeCloudFormation(
    callerId: string | undefined,
    action: string,
    stackName: string | undefined,
  ): Promise<CloudFormationFault | undefined> {
    const invocation = callerId ? this.lambda.invocation(callerId) : undefined;
    const fn = invocation ? this.lambda.find(invocation.functionArn) : undefined;
    if (!fn?.roleArn || !this.lambda.userFunctionRole(fn) || stackName === undefined) return undefined;
    const stackId = stackName.startsWith('arn:') ? stackName : (this.engine.stack(stackName)?.stackId ?? '*');
    const decision = await this.iamAuthorizer.authorize({
      roleArn: fn.roleArn,
      functionName: fn.name,
      action: `cloudformation:${action}`,
      resource: stackId,
    });
    // CloudFormation's query protocol names it AccessDenied, HTTP 403.
    return decision.allowed ? undefined : { httpStatus: 403, code: 'AccessDenied', message: decision.message };
  }

  /**
   * Deploys a stack of a cloud assembly. The first call creates every played resource; later
   * calls diff against what is deployed and send Update / Create / Delete as CloudFormation does.
   */
  async deploy(cdkOut: string, stackName: string): Promise<DeployResult> {
    this.assertRunning();
    this.lastStack = stackName;
    publishFileAssets(cdkOut, readStack(cdkOut, stackName).env, this.emulator);
    return this.engine.deploy(cdkOut, stackName);
  }

  /** Deletes the stack's resources in reverse dependency order (default: the last stack deployed). */
  async destroy(stackName = this.lastStack): Promise<DeployResult> {
    if (!stackName) throw new Error('destroy(): nothing was deployed');
    this.assertRunning();
    const name = this.engine.stack(stackName)?.stackName ?? stackName;
    this.lastStack = name;
    return this.engine.destroy(name);
  }

  /** The deployed custom resources of a stack (default: the last one touched), by logical id. */
  resourcesOf(stackName = this.lastStack): Record<string, ResourceState> {
    const stack = stackName ? this.engine.stack(stackName) : undefined;
    // The custom resources only: the IAM policies the engine also plays are in `iam`.
    return Object.fromEntries([...(stack?.resources ?? [])].filter(([, state]) => !POLICY_TYPES.has(state.resourceType)));
  }

  /** The deployed custom resources of the last stack touched, by logical id. */
  get resources(): Record<string, ResourceState> {
    return this.resourcesOf();
  }

  /** The StackId of a stack (stable across deploys until the stack is deleted). */
  stackId(stackName = this.lastStack): string | undefined {
    return stackName ? this.engine.stack(stackName)?.stackId : undefined;
  }

  /**
   * What DescribeStacks answers for a stack id or name: its latest stack event, so the status the
   * stack is in (an id keeps naming a stack after it is deleted; a name, the current stack).
   */
  describeStack(stackName: string): StackDescription | undefined {
    const stackId = stackName.startsWith('arn:') ? stackName : this.engine.stack(stackName)?.stackId;
    const own = this.events.filter((event) => event.resourceType === STACK_TYPE && event.physicalResourceId === stackId);
    if (own.length === 0) return undefined;
    const latest = own[own.length - 1];
    return { stackId: stackId!, stackName: latest.stackName, stackStatus: latest.status, creationTime: own[0].timestamp };
  }

  /**
   * What DescribeStackEvents answers for a stack id or name, oldest first: the stack's own events
   * and its resources', with the virtual clock's timestamps, exactly as the engine emitted them.
   */
  stackEvents(stackName: string): StackEventDescription[] {
    const stackId = stackName.startsWith('arn:') ? stackName : this.engine.stack(stackName)?.stackId;
    return this.events
      .filter((event) => event.stackId === stackId)
      .map((event) => ({
        stackId: event.stackId,
        stackName: event.stackName,
        logicalResourceId: event.logicalId,
        physicalResourceId: event.physicalResourceId,
        resourceType: event.resourceType,
        timestamp: event.timestamp,
        resourceStatus: event.status,
        resourceStatusReason: event.reason,
      }));
  }

  /** Every request the handlers sent to the CloudFormation stand-in (DescribeStacks, DescribeStackEvents), with the answer. */
  get cloudformationCalls(): readonly CloudFormationCall[] {
    return this.cloudformation.calls;
  }

  /** Every Lambda invocation (framework and handlers), with its child process's output. */
  get invocations(): readonly InvocationRecord[] {
    return this.lambda.invocations;
  }

  /** Every call the library's handlers made to the service, with the resource and request it served. */
  get serviceCalls(): readonly ServiceCall[] {
    return this.proxy.calls;
  }

  /** The crashes the `crash` rules caused. */
  get crashes(): readonly CrashRecord[] {
    return this.proxy.crashes;
  }

  /** Every waiter state machine execution. */
  get executions(): readonly ExecutionRecord[] {
    return this.sfn.executions;
  }

  /** Prints a line through the event log (the demo's headers and summaries). */
  print(line: string): void {
    this.eventLog.line(line);
  }

  /** Where the ResponseURL endpoint listens (port 443, or another one reached through the preload). */
  get responseEndpoint(): { host: string; port: number } {
    return { host: this.endpoint.host, port: this.endpoint.port };
  }

  /** Whether a text holds any ResponseURL secret issued in this run (e.g. a handler's logs). */
  containsResponseUrlSecret(text: string): boolean {
    return this.endpoint.containsSecret(text);
  }

  /** Stops everything: running executions, handler processes, the endpoints and the emulator. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.aborter.abort();
      this.eventLog.dispose();
      // Every piece is stopped, even when another one fails to stop.
      const outcomes = await Promise.allSettled([
        this.sfn.stop(),
        this.lambda.stop(),
        this.proxy?.stop(),
        this.cloudformation?.stop(),
        this.endpoint.stop(),
        this.emulator.stop(),
      ]);
      const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failure) throw failure.reason;
    })();
    return this.stopped;
  }

  private assertRunning(): void {
    if (this.stopped) throw new Error('This LocalDeployment was stopped');
  }
}
