/**
 * The CloudFormation API as the library's handlers reach it at `AWS_ENDPOINT_URL_CLOUDFORMATION`:
 * DescribeStacks and DescribeStackEvents, in the AWS query protocol the SDK speaks (a form-encoded
 * POST, an XML answer), answered with the status and the events of the stack the runner is
 * playing. Handler tests use it on its own, with statuses and events they set.
 *
 * Every other action is answered with CloudFormation's error for an unknown action. A hook may
 * answer a request with a fault instead (throttling, a server error, access denied).
 */
import * as http from 'http';
import { randomUUID } from 'crypto';
import { create } from 'xmlbuilder';
import { closableServer, listenOnLoopback } from './local-server';
import { recordExchange } from '../../emulator/exchange-log';

const XML_NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** What DescribeStacks tells about a stack. */
export interface StackDescription {
  readonly stackId: string;
  readonly stackName: string;
  readonly stackStatus: string;
  /** Epoch ms. */
  readonly creationTime: number;
}

/** One event of a stack, as DescribeStackEvents tells it. */
export interface StackEventDescription {
  readonly stackId: string;
  readonly stackName: string;
  readonly logicalResourceId: string;
  readonly physicalResourceId?: string;
  /** `AWS::CloudFormation::Stack` for the stack's own events. */
  readonly resourceType: string;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly resourceStatus: string;
  readonly resourceStatusReason?: string;
}

/** Events per DescribeStackEvents page; CloudFormation pages them too, so the handlers must follow NextToken. */
export const STACK_EVENTS_PAGE_SIZE = 100;

/** An error answer, as CloudFormation sends it. */
export interface CloudFormationFault {
  /** HTTP status: 400 for the caller's errors and throttling, 403 for access denied, 5xx for the service's. */
  readonly httpStatus: number;
  /** The error code, e.g. `Throttling`, `AccessDenied`, `InternalFailure`. */
  readonly code: string;
  readonly message: string;
}

/** One request the stand-in received. */
export interface CloudFormationCall {
  readonly action: string;
  /** The StackName parameter (a name or a stack id). */
  readonly stackName?: string;
  /** The status answered (DescribeStacks), the number of events answered (DescribeStackEvents), or the fault's code. */
  readonly answer: string;
}

export interface CloudFormationServiceOptions {
  /** The stack a StackName (a name or an id) names, as it is now; undefined: CloudFormation does not know it. */
  readonly describe: (stackName: string) => StackDescription | undefined;
  /**
   * The events of the stack a StackName names, oldest first, as they happened.
   * @default - the stack has no events yet
   */
  readonly events?: (stackName: string) => readonly StackEventDescription[];
  /** Called with each request before it is answered; a fault it returns is the answer. */
  readonly onRequest?: (action: string, stackName: string | undefined) => CloudFormationFault | undefined;
  /**
   * Decides whether the caller may make this call (the runner evaluates its role's policies); a
   * fault it returns is the answer. The caller is the id in the request's path
   * (`/invocations/<sandbox id>`, as the runner gives each handler sandbox its endpoint), or
   * undefined for a request at the root.
   */
  readonly authorize?: (
    callerId: string | undefined,
    action: string,
    stackName: string | undefined,
  ) => Promise<CloudFormationFault | undefined>;
}

export class CloudFormationService {
  static async start(options: CloudFormationServiceOptions): Promise<CloudFormationService> {
    const service = new CloudFormationService(options);
    service.endpoint = await listenOnLoopback(service.server);
    return service;
  }

  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_CLOUDFORMATION. */
  endpoint = '';
  /** Every request, in order. */
  readonly calls: CloudFormationCall[] = [];

  private readonly server: http.Server;
  private readonly close: () => Promise<void>;

  private constructor(private readonly options: CloudFormationServiceOptions) {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        // Every exchange is recorded for the check against botocore's model (the caller's prefix left out).
        const reply = (status: number, xml: string, fault: boolean, errorType?: string) => {
          recordExchange({
            service: 'cloudformation',
            method: request.method ?? 'POST',
            path: new URL(request.url ?? '/', 'http://stand-in.invalid').pathname.replace(/^\/invocations\/[^/]+/, '') || '/',
            query: {},
            userAgent: String(request.headers['user-agent'] ?? ''),
            requestBody: body,
            status,
            ...(errorType !== undefined ? { errorType } : {}),
            responseBody: xml,
            ...(fault ? { fault: 'injected' } : {}),
          });
          send(response, status, xml);
        };
        const callerId = /^\/invocations\/([^/?]+)/.exec(request.url ?? '')?.[1];
        const parameters = new URLSearchParams(body);
        const authorized = this.options.authorize?.(callerId, parameters.get('Action') ?? '', parameters.get('StackName') ?? undefined);
        if (!authorized) return this.answer(body, reply);
        authorized.then(
          (fault) => {
            if (!fault) return this.answer(body, reply);
            this.calls.push({
              action: parameters.get('Action') ?? '',
              stackName: parameters.get('StackName') ?? undefined,
              answer: fault.code,
            });
            reply(fault.httpStatus, errorDocument(fault), false, fault.code);
          },
          (error: Error) => send(response, 500, errorDocument({ httpStatus: 500, code: 'InternalFailure', message: error.message })),
        );
      });
    });
    this.close = closableServer(this.server);
  }

  stop(): Promise<void> {
    return this.close();
  }

  /** Answers through `reply`: the status, the document, whether a test injected it, and the error code. */
  private answer(body: string, reply: (status: number, xml: string, injected: boolean, errorType?: string) => void): void {
    const parameters = new URLSearchParams(body);
    const action = parameters.get('Action') ?? '';
    const stackName = parameters.get('StackName') ?? undefined;
    const injected = this.options.onRequest?.(action, stackName);
    const fault = injected ?? this.fault(action, stackName);
    if (fault) {
      this.calls.push({ action, stackName, answer: fault.code });
      reply(fault.httpStatus, errorDocument(fault), injected !== undefined, fault.code);
      return;
    }
    if (action === 'DescribeStackEvents') {
      // Newest first, as CloudFormation lists them; the token is the index of the page's first event.
      // The event id is its place in the history: unique, and the same at every read.
      const events = (this.options.events?.(stackName!) ?? []).map((event, index) => ({ ...event, eventId: String(index + 1) })).reverse();
      const from = Number(parameters.get('NextToken') ?? 0);
      const page = events.slice(from, from + STACK_EVENTS_PAGE_SIZE);
      const next = from + STACK_EVENTS_PAGE_SIZE < events.length ? String(from + STACK_EVENTS_PAGE_SIZE) : undefined;
      this.calls.push({ action, stackName, answer: `${page.length} events` });
      reply(200, describeStackEventsDocument(page, next), false);
      return;
    }
    const stack = this.options.describe(stackName!)!;
    this.calls.push({ action, stackName, answer: stack.stackStatus });
    reply(200, describeStacksDocument(stack), false);
  }

  /** CloudFormation's own answers to what it cannot serve. */
  private fault(action: string, stackName: string | undefined): CloudFormationFault | undefined {
    if (action !== 'DescribeStacks' && action !== 'DescribeStackEvents') {
      return { httpStatus: 400, code: 'InvalidAction', message: `The action ${action} is not valid for this web service.` };
    }
    if (stackName === undefined || this.options.describe(stackName) === undefined) {
      return { httpStatus: 400, code: 'ValidationError', message: `Stack with id ${stackName ?? ''} does not exist` };
    }
    return undefined;
  }
}

function send(response: http.ServerResponse, status: number, xml: string): void {
  response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
  response.end(xml);
}

function describeStacksDocument(stack: StackDescription): string {
  const document = create('DescribeStacksResponse', { encoding: 'UTF-8' }).att('xmlns', XML_NAMESPACE);
  const member = document.ele('DescribeStacksResult').ele('Stacks').ele('member');
  member.ele('StackId', stack.stackId);
  member.ele('StackName', stack.stackName);
  member.ele('CreationTime', new Date(stack.creationTime).toISOString());
  member.ele('StackStatus', stack.stackStatus);
  document.ele('ResponseMetadata').ele('RequestId', randomUUID());
  return document.end();
}

function describeStackEventsDocument(
  events: ReadonlyArray<StackEventDescription & { eventId: string }>,
  nextToken: string | undefined,
): string {
  const document = create('DescribeStackEventsResponse', { encoding: 'UTF-8' }).att('xmlns', XML_NAMESPACE);
  const result = document.ele('DescribeStackEventsResult');
  const list = result.ele('StackEvents');
  for (const event of events) {
    const member = list.ele('member');
    member.ele('StackId', event.stackId);
    member.ele('EventId', event.eventId);
    member.ele('StackName', event.stackName);
    member.ele('LogicalResourceId', event.logicalResourceId);
    if (event.physicalResourceId !== undefined) member.ele('PhysicalResourceId', event.physicalResourceId);
    member.ele('ResourceType', event.resourceType);
    member.ele('Timestamp', new Date(event.timestamp).toISOString());
    member.ele('ResourceStatus', event.resourceStatus);
    if (event.resourceStatusReason !== undefined) member.ele('ResourceStatusReason', event.resourceStatusReason);
  }
  if (nextToken !== undefined) result.ele('NextToken', nextToken);
  document.ele('ResponseMetadata').ele('RequestId', randomUUID());
  return document.end();
}

function errorDocument(fault: CloudFormationFault): string {
  const document = create('ErrorResponse', { encoding: 'UTF-8' }).att('xmlns', XML_NAMESPACE);
  const error = document.ele('Error');
  error.ele('Type', fault.httpStatus >= 500 ? 'Receiver' : 'Sender');
  error.ele('Code', fault.code);
  error.ele('Message', fault.message);
  document.ele('RequestId', randomUUID());
  return document.end();
}
