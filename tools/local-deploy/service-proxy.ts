/**
 * The OpenSearch endpoint as the library's handlers reach it: a pass-through HTTP proxy in front
 * of the emulator. Each Lambda sandbox of a handler gets its own base path (`/invocations/<sandbox
 * id>`, in AWS_ENDPOINT_URL_OPENSEARCH; the SDK keeps an endpoint's path); a sandbox runs one
 * invocation at a time, so every call is attributed to the invocation, and so to the resource and
 * request, that made it.
 *
 * It forwards requests and answers unchanged (faults included: a dropped connection is dropped
 * on both sides, a request the client gives up on is given up upstream too), and adds:
 *  - `serviceCalls`: every call with its resource, request type and entry point, and its answer;
 *  - `onServiceRequest`: a synchronous hook before a call is forwarded (e.g. to inject a fault
 *    for exactly that call);
 *  - crash rules: right after the emulator has answered a mutating call with success, the
 *    process of that invocation (or of the framework invocation that called it) is killed, as if
 *    its sandbox died between the service's answer and the handler's response.
 */
import * as http from 'http';
import { MUTATING_OPERATIONS, operationOf } from '../../emulator';
import { closableServer, listenOnLoopback } from './local-server';
import type { VirtualClock } from './clock';
import { IamAuthorizer, openSearchResource } from './iam';
import type { InvocationRecord, LambdaService, UserFunctionRole } from './lambda-service';

/**
 * The mutating operations of the service: a crash rule can name one of them, and fault tests
 * count what the emulator accepted of them. The emulator's own list, so the two never drift.
 */
export const MUTATING_SERVICE_OPERATIONS: ReadonlySet<string> = MUTATING_OPERATIONS;

/** One call a library handler made to the service. */
export interface ServiceCall {
  /** Virtual epoch ms when the request reached the proxy. */
  readonly at: number;
  readonly operation: string;
  readonly method: string;
  /** The path as the service sees it (without the invocation prefix), without the query. */
  readonly path: string;
  /** Parsed JSON body; undefined when empty. */
  readonly body: unknown;
  /** The Lambda request id of the invocation that made the call. */
  readonly invocationId: string;
  /** Which handler made it. */
  readonly entry?: UserFunctionRole;
  /** The event's LogicalResourceId and RequestType: the resource and request the handler served. */
  readonly logicalId?: string;
  readonly requestType?: string;
  /** The HTTP status the service answered; 0 while waiting, and when no answer came (dropped, given up). */
  status: number;
  /** `x-amzn-errortype` of an error answer. */
  errorType?: string;
}

export type CrashableOperation =
  | 'RejectInboundConnection'
  | 'DeleteInboundConnection'
  | 'DissociatePackages'
  | 'AcceptInboundConnection'
  | 'CreateOutboundConnection'
  | 'DeleteOutboundConnection'
  | 'CreateVpcEndpoint'
  | 'UpdateVpcEndpoint'
  | 'DeleteVpcEndpoint'
  | 'AuthorizeVpcEndpointAccess'
  | 'RevokeVpcEndpointAccess'
  | 'PutSecurityRole'
  | 'DeleteSecurityRole'
  | 'PutRoleMapping'
  | 'PatchRoleMapping';

/**
 * Kill a process right after the service has accepted a mutating call (2xx) made by a library
 * handler. Every field but `when` and `afterOperation` narrows which calls match.
 */
export interface CrashRule {
  /** The handler whose call triggers the crash. */
  readonly when: UserFunctionRole;
  readonly afterOperation: CrashableOperation;
  /** How many crashes this rule causes. Default 1. */
  readonly times?: number;
  /** Only for this resource (the event's LogicalResourceId). */
  readonly logicalId?: string;
  /** Only for this request type. */
  readonly requestType?: 'Create' | 'Update' | 'Delete';
  /**
   * `handler` (default): the library handler's own process dies before it sees the answer; the
   * framework gets what Lambda returns for a crashed runtime (FunctionError Unhandled,
   * errorType Runtime.ExitError). `framework`: the Provider framework process that invoked the
   * handler (framework.onEvent / framework.isComplete) dies instead; the handler carries on, but
   * its answer reaches no one, and the framework invocation fails with Runtime.ExitError.
   */
  readonly process?: 'handler' | 'framework';
}

/** A crash a rule caused. */
export interface CrashRecord {
  /** Virtual epoch ms. */
  readonly at: number;
  readonly rule: CrashRule;
  /** The call after whose answer the process was killed. */
  readonly call: ServiceCall;
  /** The invocation whose process was killed. */
  readonly killed: InvocationRecord;
}

export interface ServiceProxyOptions {
  readonly clock: VirtualClock;
  readonly lambda: LambdaService;
  /** The emulator's endpoint, `http://127.0.0.1:<port>`. */
  readonly upstream: string;
  readonly crash?: CrashRule | readonly CrashRule[];
  readonly onServiceRequest?: (call: ServiceCall) => void;
  /**
   * Evaluates each call of a library handler against its role's policies in force at that moment
   * (iam.ts); a denied call is answered 403 AccessDeniedException and never reaches the emulator.
   */
  readonly iam: IamAuthorizer;
  /**
   * The domain of a data-plane endpoint host (`/domain-endpoints/<host>/…`), so that a request to
   * a domain's own REST API is evaluated as `es:ESHttp<Method>` on `<domain ARN>/<path>`, as AWS
   * evaluates it; undefined when no domain has that host (the request then passes unevaluated and
   * the emulator drops it, as no domain answers).
   */
  readonly domainOfHost?: (host: string) => { name: string; ownerId: string; region: string } | undefined;
  /**
   * The emulator's S3 endpoint. Requests under `<sandbox endpoint>/s3/` (AWS_ENDPOINT_URL_S3,
   * path-style) go there, each evaluated as S3 authorizes it: CopyObject needs s3:GetObject on
   * the source and s3:PutObject on the target, DeleteObject s3:DeleteObject on the object.
   */
  readonly s3Upstream?: string;
}

/** The S3 request of a path under `/s3/` (path-style `/<bucket>/<key>`), as IAM sees it. */
function s3Grants(
  method: string,
  path: string,
  copySource: string | undefined,
  partition: string,
): Array<{ action: string; resource: string }> {
  const object = `arn:${partition}:s3:::${decodeURIComponent(path.replace(/^\/s3\//, ''))}`;
  if (method === 'DELETE') return [{ action: 's3:DeleteObject', resource: object }];
  if (method === 'PUT' && copySource !== undefined) {
    const source = decodeURIComponent(copySource.replace(/^\//, '').split('?')[0]);
    return [
      { action: 's3:GetObject', resource: `arn:${partition}:s3:::${source}` },
      { action: 's3:PutObject', resource: object },
    ];
  }
  if (method === 'PUT') return [{ action: 's3:PutObject', resource: object }];
  return [{ action: 's3:GetObject', resource: object }];
}

const PREFIX = /^\/invocations\/([^/]+)(\/.*)$/;
/** A request to a domain's own endpoint: its host, and the path on the domain. */
const DATA_PLANE = /^\/domain-endpoints\/([^/]+)(\/.*)?$/;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'host']);

function forwardedHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

export class ServiceProxy {
  static async start(options: ServiceProxyOptions): Promise<ServiceProxy> {
    const proxy = new ServiceProxy(options);
    proxy.url = await listenOnLoopback(proxy.server);
    return proxy;
  }

  readonly calls: ServiceCall[] = [];
  readonly crashes: CrashRecord[] = [];
  private readonly rules: Array<{ rule: CrashRule; left: number }>;
  private readonly server: http.Server;
  private readonly close: () => Promise<void>;
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly target: URL;
  private url = '';

  private constructor(private readonly options: ServiceProxyOptions) {
    const rules = options.crash === undefined ? [] : Array.isArray(options.crash) ? options.crash : [options.crash as CrashRule];
    this.rules = rules.map((rule) => ({ rule: { ...rule }, left: rule.times ?? 1 }));
    this.target = new URL(options.upstream);
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.close = closableServer(this.server);
  }

  /**
   * The endpoint a Lambda sandbox is given: its id in the path tells which invocation made a call
   * (a sandbox runs one invocation at a time: LambdaService.invocation).
   */
  endpointFor(sandboxId: string): string {
    return `${this.url}/invocations/${sandboxId}`;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    await this.close();
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.on('close', this.options.clock.hold());
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => this.forward(req, res, Buffer.concat(chunks)));
    req.on('error', () => req.socket.destroy());
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const method = req.method ?? 'GET';
    const match = PREFIX.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `Not a handler endpoint: ${req.url}` }));
      return;
    }
    const [, invocationId, upstreamPath] = match;
    const invocation = this.options.lambda.invocation(invocationId);
    const fn = invocation ? this.options.lambda.find(invocation.functionArn) : undefined;
    const event = invocation ? parseEvent(invocation.payload) : {};
    const path = upstreamPath.split('?')[0];
    let parsed: unknown;
    try {
      parsed = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
    } catch {
      parsed = body.toString('utf8');
    }
    const call: ServiceCall = {
      at: this.options.clock.now(),
      operation: path.startsWith('/s3/')
        ? method === 'DELETE'
          ? 'DeleteObject'
          : req.headers['x-amz-copy-source'] !== undefined
            ? 'CopyObject'
            : `S3 ${method}`
        : operationOf(method, path),
      method,
      path,
      body: parsed,
      invocationId,
      entry: fn ? this.options.lambda.userFunctionRole(fn) : undefined,
      logicalId: event.LogicalResourceId,
      requestType: event.RequestType,
      status: 0,
    };
    this.calls.push(call);
    this.options.onServiceRequest?.(call);
    if (!fn || !call.entry || !fn.roleArn) {
      this.pass(req, res, body, call, upstreamPath, invocation);
      return;
    }
    const [, partition, , region, account] = fn.arn.split(':');
    if (path.startsWith('/s3/') && this.options.s3Upstream) {
      const copySource = req.headers['x-amz-copy-source'];
      const grants = s3Grants(method, path, typeof copySource === 'string' ? copySource : undefined, partition);
      Promise.all(grants.map((grant) => this.options.iam.authorize({ roleArn: fn.roleArn!, functionName: fn.name, ...grant }))).then(
        (decisions) => {
          const denied = decisions.find((decision) => !decision.allowed);
          if (!denied || denied.allowed)
            return this.pass(req, res, body, call, upstreamPath.replace(/^\/s3/, ''), invocation, this.options.s3Upstream);
          // S3's own answer to a denied request.
          call.status = 403;
          call.errorType = 'AccessDenied';
          res.writeHead(403, { 'content-type': 'application/xml' });
          res.end(
            `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${denied.message}</Message><RequestId>local</RequestId></Error>`,
          );
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'application/xml' });
          res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>${error.message}</Message></Error>`);
        },
      );
      return;
    }
    const dataPlane = DATA_PLANE.exec(path);
    const domain = dataPlane ? this.options.domainOfHost?.(decodeURIComponent(dataPlane[1])) : undefined;
    if (dataPlane && !domain) {
      this.pass(req, res, body, call, upstreamPath, invocation);
      return;
    }
    const request: Promise<{ action: string; resource: string }> = domain
      ? Promise.resolve({
          // A domain's REST API: IAM's action is the HTTP method, its resource the domain's ARN and the path.
          action: `es:ESHttp${method.charAt(0)}${method.slice(1).toLowerCase()}`,
          resource: `arn:${partition}:es:${domain.region}:${domain.ownerId}:domain/${domain.name}${dataPlane![2] ?? ''}`,
        })
      : openSearchResource(call.operation, path, parsed, { partition, region, account }).then((resource) => ({
          action: `es:${call.operation}`,
          resource,
        }));
    request
      .then(({ action, resource }) => this.options.iam.authorize({ roleArn: fn.roleArn!, functionName: fn.name, action, resource }))
      .then(
        (decision) => {
          if (decision.allowed) return this.pass(req, res, body, call, upstreamPath, invocation);
          // The service's own answer to a denied call (REST-JSON: the type in x-amzn-ErrorType).
          call.status = 403;
          call.errorType = 'AccessDeniedException';
          if (domain) {
            // A domain's endpoint answers a request its access policies or IAM refuse with a bare { Message }.
            res.writeHead(403, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ Message: decision.message }));
            return;
          }
          res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' });
          res.end(JSON.stringify({ message: decision.message }));
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' });
          res.end(JSON.stringify({ message: `local deploy runner: ${error.message}` }));
        },
      );
  }

  /** Forwards an allowed call to the emulator and its answer back. */
  private pass(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    call: ServiceCall,
    upstreamPath: string,
    invocation: InvocationRecord | undefined,
    upstreamUrl?: string,
  ): void {
    const method = call.method;
    const target = upstreamUrl ? new URL(upstreamUrl) : this.target;

    const upstream = http.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method,
        path: upstreamPath,
        headers: { ...forwardedHeaders(req.headers), host: target.host, 'content-length': String(body.length) },
        agent: this.agent,
      },
      (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('error', () => req.socket.destroy());
        answer.on('end', () => {
          const status = answer.statusCode ?? 0;
          call.status = status;
          const errorType = answer.headers['x-amzn-errortype'];
          if (typeof errorType === 'string') call.errorType = errorType;
          const crash = status >= 200 && status < 300 && invocation ? this.ruleFor(call) : undefined;
          if (crash && this.kill(crash.rule, call, invocation!)) {
            crash.left--;
            // The handler's own process: it must never see this answer, so none is sent; the
            // connection goes with the process.
            if ((crash.rule.process ?? 'handler') === 'handler') return;
          }
          if (res.destroyed) return;
          res.writeHead(status, forwardedHeaders(answer.headers));
          res.end(Buffer.concat(parts));
        });
      },
    );
    // The service dropped the connection: drop the handler's too, so that it sees the same fault.
    upstream.on('error', () => req.socket.destroy());
    // The handler gave up (its request timeout) or died: give up upstream as well.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  }

  /** The first rule with crashes left that matches this accepted call. */
  private ruleFor(call: ServiceCall): { rule: CrashRule; left: number } | undefined {
    if (!MUTATING_SERVICE_OPERATIONS.has(call.operation)) return undefined;
    return this.rules.find(
      ({ rule, left }) =>
        left > 0 &&
        rule.when === call.entry &&
        rule.afterOperation === call.operation &&
        (rule.logicalId === undefined || rule.logicalId === call.logicalId) &&
        (rule.requestType === undefined || rule.requestType === call.requestType),
    );
  }

  /** Kills the process the rule names; returns false when there was none to kill. */
  private kill(rule: CrashRule, call: ServiceCall, invocation: InvocationRecord): boolean {
    let victim: InvocationRecord | undefined = invocation;
    if (rule.process === 'framework') {
      const requestId = parseEvent(invocation.payload).RequestId;
      // The framework invocation serving the same CloudFormation request, still waiting for this handler.
      victim = [...this.options.lambda.invocations]
        .reverse()
        .find(
          (candidate) =>
            candidate.outcome === 'running' &&
            candidate.handler === `framework.${rule.when}` &&
            parseEvent(candidate.payload).RequestId === requestId,
        );
    }
    if (!victim || victim.outcome !== 'running') return false;
    victim.kill();
    this.crashes.push({ at: this.options.clock.now(), rule, call, killed: victim });
    return true;
  }
}

function parseEvent(payload: string): { LogicalResourceId?: string; RequestType?: string; RequestId?: string } {
  try {
    const event = JSON.parse(payload);
    return typeof event === 'object' && event !== null ? event : {};
  } catch {
    return {};
  }
}
