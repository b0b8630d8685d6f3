/**
 * The HTTP face of the emulator: routing by method + path exactly as the SDK's operation table
 * sends them, the SigV4 presence check, fault injection, the request log, and error encoding the
 * way the rest-json protocol reads it back (status code + `x-amzn-errortype` + `{message}`).
 */
import { randomUUID } from 'crypto';
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';
import type { Caller, Fault, FaultKind, OperationName, RecordedRequest } from './types';
import { PACKAGE_MUTATIONS, PACKAGE_ROUTES } from './package-routes';
import { VPC_ENDPOINT_MUTATIONS, VPC_ENDPOINT_ROUTES } from './vpc-endpoint-routes';
import { SECURITY_MUTATIONS, SecurityAnswer, securityFaultAnswer, securityOperationOf } from './security-api';
import { DEFAULT_CALLER, IN_PROGRESS_MESSAGE, ServiceError, WorldState } from './world';
import { recordExchange } from './exchange-log';

type Json = Record<string, unknown>;

export interface Route {
  method: string;
  pattern: RegExp;
  operation: OperationName;
  handle: (world: WorldState, labels: string[], body: unknown, query: Record<string, string>, caller: Caller) => Json;
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/opensearch\/cc\/inboundConnection\/search$/,
    operation: 'DescribeInboundConnections',
    handle: (w, _labels, body, _query, caller) => w.describeInboundConnections(body, caller),
  },
  {
    method: 'PUT',
    pattern: /^\/2021-01-01\/opensearch\/cc\/inboundConnection\/([^/]+)\/reject$/,
    operation: 'RejectInboundConnection',
    handle: (w, [id], _body, _query, caller) => w.rejectInboundConnection(id, caller),
  },
  {
    method: 'PUT',
    pattern: /^\/2021-01-01\/opensearch\/cc\/inboundConnection\/([^/]+)\/accept$/,
    operation: 'AcceptInboundConnection',
    handle: (w, [id], _body, _query, caller) => w.acceptInboundConnection(id, caller),
  },
  {
    method: 'DELETE',
    pattern: /^\/2021-01-01\/opensearch\/cc\/inboundConnection\/([^/]+)$/,
    operation: 'DeleteInboundConnection',
    handle: (w, [id], _body, _query, caller) => w.deleteInboundConnection(id, caller),
  },
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/opensearch\/cc\/outboundConnection$/,
    operation: 'CreateOutboundConnection',
    handle: (w, _labels, body, _query, caller) => w.createOutboundConnection(body, caller),
  },
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/opensearch\/cc\/outboundConnection\/search$/,
    operation: 'DescribeOutboundConnections',
    handle: (w, _labels, body, _query, caller) => w.describeOutboundConnections(body, caller),
  },
  {
    method: 'DELETE',
    pattern: /^\/2021-01-01\/opensearch\/cc\/outboundConnection\/([^/]+)$/,
    operation: 'DeleteOutboundConnection',
    handle: (w, [id], _body, _query, caller) => w.deleteOutboundConnection(id, caller),
  },
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/packages\/dissociateMultiple$/,
    operation: 'DissociatePackages',
    handle: (w, _labels, body) => w.dissociatePackages(body),
  },
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/packages\/associateMultiple$/,
    operation: 'AssociatePackages',
    handle: (w, _labels, body, _query, caller) => w.associatePackages(body, caller),
  },
  {
    method: 'GET',
    pattern: /^\/2021-01-01\/domain\/([^/]+)\/packages$/,
    operation: 'ListPackagesForDomain',
    handle: (w, [name], _body, query) => w.listPackagesForDomain(name, query),
  },
  {
    method: 'GET',
    pattern: /^\/2021-01-01\/opensearch\/domain\/([^/]+)$/,
    operation: 'DescribeDomain',
    handle: (w, [name]) => w.describeDomain(name),
  },
  ...PACKAGE_ROUTES,
  ...VPC_ENDPOINT_ROUTES,
];

export const MUTATING_OPERATIONS: ReadonlySet<string> = new Set<OperationName>([
  'RejectInboundConnection',
  'DeleteInboundConnection',
  'AcceptInboundConnection',
  'CreateOutboundConnection',
  'DeleteOutboundConnection',
  'DissociatePackages',
  'AssociatePackages',
  ...PACKAGE_MUTATIONS,
  ...VPC_ENDPOINT_MUTATIONS,
  ...SECURITY_MUTATIONS,
]);

/** The route a request takes, by method and path, and the labels its pattern captured. */
function routeOf(method: string, pathname: string): { route: Route; labels: string[] } | undefined {
  for (const route of ROUTES) {
    const match = route.method === method ? route.pattern.exec(pathname) : null;
    if (match) return { route, labels: match.slice(1) };
  }
  return undefined;
}

/** The operation a request is, from its method and path (without the query); 'Unknown' when none matches. */
export function operationOf(method: string, pathname: string): OperationName | 'Unknown' {
  return routeOf(method, pathname)?.route.operation ?? securityOperationOf(method, pathname) ?? 'Unknown';
}

const DEFAULT_SLOW_MS = 1000;

/** What the front end needs from the emulator that owns it. */
export interface Backend {
  readonly world: WorldState;
  clock(): number;
  /** Returns the fault that hits this request (already counted down), if any. */
  takeFault(operation: OperationName): Fault | undefined;
  record(request: RecordedRequest): void;
  /** The request got past faults into state handling (used by `mutatingRequests()`). */
  markHandled(request: RecordedRequest): void;
}

/**
 * The caller of a signed request: the account is the access key id's last 12 digits when it ends
 * with 12 digits (e.g. AKIALOCAL222222222222), otherwise 111111111111; the region is the one in
 * the SigV4 credential scope (`Credential=<key>/<date>/<region>/es/aws4_request`).
 */
export function callerOf(authorization: string): Caller {
  const scope = /Credential=([^/,\s]+)\/[0-9]{8}\/([^/,\s]+)\//.exec(authorization);
  const account = /([0-9]{12})$/.exec(scope?.[1] ?? '')?.[1] ?? DEFAULT_CALLER.account;
  return { account, region: scope?.[2] ?? DEFAULT_CALLER.region };
}

function faultError(kind: FaultKind): ServiceError | undefined {
  switch (kind) {
    case 'throttle':
      return new ServiceError('ThrottlingException', 429, 'Rate exceeded');
    case 'internal':
      return new ServiceError('InternalException', 500, 'Internal failure. Please try your request again.');
    case 'conflict':
      return new ServiceError('ConflictException', 409, 'A conflicting operation is currently in progress on this resource.');
    case 'in-progress':
      return new ServiceError('ValidationException', 400, IN_PROGRESS_MESSAGE);
    case 'access-denied':
      return new ServiceError('AccessDeniedException', 403, 'User is not authorized to perform this action with an explicit deny');
    default:
      return undefined;
  }
}

export class EmulatorHttpServer {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  /** Slow requests waiting to be handled, with the response each one will get. */
  private readonly delayed = new Map<NodeJS.Timeout, http.ServerResponse>();
  private closing?: Promise<void>;
  /** What the exchange log needs of each request beyond the public record. */
  private readonly raw = new WeakMap<RecordedRequest, { text: string; userAgent: string; query: Record<string, string> }>();

  constructor(private readonly backend: Backend) {
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    // The SDK keeps connections alive; tracking them is what lets stop() end promptly.
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /**
   * Abandons every slow request not yet handled, cutting its connection: otherwise a request
   * from a previous test would land in the world the next test has just seeded.
   */
  cancelDelayed(): void {
    for (const [timer, res] of this.delayed) {
      clearTimeout(timer);
      res.socket?.destroy();
    }
    this.delayed.clear();
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.cancelDelayed();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    });
    return this.closing;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => this.dispatch(req, res, Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => req.socket.destroy());
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse, text: string): void {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const query = Object.fromEntries(url.searchParams.entries());
    if (url.pathname.startsWith('/domain-endpoints/')) {
      this.dispatchDataPlane(req, res, method, url.pathname, text);
      return;
    }
    const match = routeOf(method, url.pathname);

    let body: unknown;
    let bodyError: ServiceError | undefined;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        bodyError = new ServiceError('SerializationException', 400, 'Request body is not valid JSON');
      }
    }

    const record: RecordedRequest = {
      operation: match?.route.operation ?? 'Unknown',
      method,
      path: url.pathname,
      ...(Object.keys(query).length > 0 ? { query } : {}),
      body,
      status: 0,
      at: this.backend.clock(),
    };
    this.backend.record(record);
    this.raw.set(record, { text, userAgent: String(req.headers['user-agent'] ?? ''), query });

    // Only presence and scheme are checked: the point is to prove a SigV4-signing client is
    // talking, not to verify signatures against credentials the emulator cannot know.
    const authorization = req.headers.authorization;
    if (typeof authorization !== 'string' || !authorization.startsWith('AWS4-HMAC-SHA256')) {
      this.sendError(res, record, new ServiceError('MissingAuthenticationTokenException', 403, 'Missing Authentication Token'));
      return;
    }
    if (!match) {
      this.sendError(res, record, new ServiceError('UnknownOperationException', 404, `No operation matches ${method} ${url.pathname}`));
      return;
    }
    const { route, labels } = match;
    record.caller = callerOf(authorization);

    const fault = this.backend.takeFault(route.operation);
    if (fault) {
      record.fault = fault.kind;
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'slow') {
        const timer = setTimeout(() => {
          this.delayed.delete(timer);
          this.handle(res, record, route, labels, body, bodyError, query);
        }, fault.delayMs ?? DEFAULT_SLOW_MS);
        this.delayed.set(timer, res);
        return;
      }
      this.sendError(res, record, faultError(fault.kind)!);
      return;
    }
    this.handle(res, record, route, labels, body, bodyError, query);
  }

  /**
   * A request to a domain's own endpoint (security-api.ts): logged like the others, faults by
   * operation, answered with the security plugin's bodies rather than the configuration API's.
   */
  private dispatchDataPlane(req: http.IncomingMessage, res: http.ServerResponse, method: string, pathname: string, text: string): void {
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const operation = securityOperationOf(method, pathname) ?? 'Unknown';
    const record: RecordedRequest = { operation, method, path: pathname, body, status: 0, at: this.backend.clock() };
    this.backend.record(record);
    const authorization = req.headers.authorization;
    if (typeof authorization !== 'string' || !authorization.startsWith('AWS4-HMAC-SHA256')) {
      this.sendPlain(res, record, {
        status: 403,
        body: { message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header." },
      });
      return;
    }
    record.caller = callerOf(authorization);
    const token = req.headers['x-amz-security-token'];
    const answer = () =>
      this.backend.world.securityPlane.handle(
        method,
        pathname,
        body,
        authorization,
        typeof token === 'string' ? token : undefined,
        record.caller!,
      );
    const fault = operation === 'Unknown' ? undefined : this.backend.takeFault(operation);
    if (fault) {
      record.fault = fault.kind;
      if (fault.kind === 'slow') {
        const timer = setTimeout(() => {
          this.delayed.delete(timer);
          this.backend.markHandled(record);
          this.sendPlain(res, record, answer());
        }, fault.delayMs ?? DEFAULT_SLOW_MS);
        this.delayed.set(timer, res);
        return;
      }
      this.sendPlain(res, record, securityFaultAnswer(fault.kind)!);
      return;
    }
    this.backend.markHandled(record);
    this.sendPlain(res, record, answer());
  }

  private sendPlain(res: http.ServerResponse, record: RecordedRequest, answer: SecurityAnswer): void {
    if (answer === 'drop') {
      res.socket?.destroy();
      return;
    }
    record.status = answer.status;
    if (res.destroyed || res.socket?.destroyed) return;
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private handle(
    res: http.ServerResponse,
    record: RecordedRequest,
    route: Route,
    labels: string[],
    body: unknown,
    bodyError: ServiceError | undefined,
    query: Record<string, string>,
  ): void {
    this.backend.markHandled(record);
    try {
      if (bodyError) throw bodyError;
      let decoded: string[];
      try {
        decoded = labels.map((label) => decodeURIComponent(label));
      } catch {
        throw new ServiceError('ValidationException', 400, 'Malformed percent-encoding in the request path');
      }
      this.send(res, record, 200, route.handle(this.backend.world, decoded, body, query, record.caller ?? DEFAULT_CALLER));
    } catch (err) {
      if (err instanceof ServiceError) {
        this.sendError(res, record, err);
      } else {
        // An emulator bug must fail the test run loudly rather than look like a service answer.
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        this.sendError(res, record, new ServiceError('InternalException', 500, `Emulator bug: ${message}`));
      }
    }
  }

  private sendError(res: http.ServerResponse, record: RecordedRequest, err: ServiceError): void {
    record.errorType = err.errorType;
    this.send(res, record, err.statusCode, { message: err.message }, err.errorType);
  }

  private send(res: http.ServerResponse, record: RecordedRequest, status: number, payload: Json, errorType?: string): void {
    record.status = status;
    const text = JSON.stringify(payload);
    const raw = this.raw.get(record);
    if (raw && record.operation !== 'Unknown') {
      recordExchange({
        service: 'opensearch',
        method: record.method,
        path: record.path,
        query: raw.query,
        userAgent: raw.userAgent,
        requestBody: raw.text,
        status,
        ...(errorType !== undefined ? { errorType } : {}),
        responseBody: text,
        ...(record.fault !== undefined ? { fault: record.fault } : {}),
      });
    }
    // A slow answer may find that the client gave up; the state change still counts, like on AWS.
    if (res.destroyed || res.socket?.destroyed) return;
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      // The emulator's own clock (virtual in the runner): the SDK corrects its clock skew from this
      // header, and a real-time date against virtual-time clients looks like minutes of skew.
      date: new Date(this.backend.clock()).toUTCString(),
    };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers);
    res.end(text);
  }
}
