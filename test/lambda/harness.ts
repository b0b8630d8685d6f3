/**
 * Drives the handlers the way the Provider framework does: onEvent once, then isComplete (with
 * onEvent's answer merged into the event) until it says complete, against the emulator over HTTP.
 *
 * The emulator runs on a virtual clock that only `run` moves, by one poll interval between polls
 * (never real time): how many polls a transition takes is the same on any machine.
 */
import { randomUUID } from 'crypto';
import { isComplete, onEvent } from '../../lambda';
import { Handover, IsCompleteEvent, ResourceEvent } from '../../lambda/lifecycle';
import { OpenSearchEmulator, SeedConnection, Timing, VARIANT_CHOICES, Variants, World } from '../../emulator';
import {
  CloudFormationCall,
  CloudFormationFault,
  CloudFormationService,
  StackEventDescription,
} from '../../tools/local-deploy/cloudformation-service';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/HandlerTest/0a1b2c3d-0000-4000-8000-000000000000`;
export const CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

export const REJECTION = 'Custom::OpenSearchInboundConnectionRejection';
export const DELETION = 'Custom::OpenSearchInboundConnectionDeletion';
export const PACKAGES = 'Custom::OpenSearchPackageDissociation';

/** A stack status in which nothing is rolled back: what the stand-in answers unless a test says otherwise. */
export const NOT_ROLLING_BACK = 'UPDATE_IN_PROGRESS';

/** The handlers' stack, as the CloudFormation stand-in describes it. */
export interface StackStandIn {
  /** What DescribeStacks answers for STACK_ID. */
  status: string;
  /** What DescribeStackEvents answers for STACK_ID, oldest first. */
  events: StackEventDescription[];
  /** Called for each request (numbered from 1, with its action); a fault it returns is the answer instead. */
  fault?: (request: number, action: string) => CloudFormationFault | undefined;
  /** Every request, with its answer. */
  readonly calls: readonly CloudFormationCall[];
}

/** The emulator's clock: starts at the real time (so the SDK sees no clock skew) and moves only by `run`'s polls. */
let virtualNow = Date.now();

/** The emulator's clock now (virtual epoch ms). */
export function virtualTime(): number {
  return virtualNow;
}

/** Moves the emulator's clock on, as if `ms` passed between two steps of a test. */
export function passTime(ms: number): void {
  virtualNow += ms;
}

/**
 * A stack's event, as DescribeStackEvents tells it; a `logicalResourceId` of `HandlerTest` is the
 * stack's own event.
 */
export function stackEvent(logicalResourceId: string, resourceStatus: string, timestamp: number): StackEventDescription {
  const own = logicalResourceId === 'HandlerTest';
  return {
    stackId: STACK_ID,
    stackName: 'HandlerTest',
    logicalResourceId,
    physicalResourceId: own ? STACK_ID : `${logicalResourceId}-physical-id`,
    resourceType: own ? 'AWS::CloudFormation::Stack' : 'Custom::Thing',
    timestamp,
    resourceStatus,
  };
}

/** Virtual ms between two isComplete calls of `run`, unless the test sets its own. */
export const POLL_INTERVAL_MS = 10;

/**
 * Starts one emulator (on the virtual clock) and one CloudFormation stand-in (DescribeStacks of STACK_ID) for a test file
 * and points the handlers' SDK clients at them. Before each test the stack is back to
 * NOT_ROLLING_BACK, with no fault and no calls.
 */
export function useEmulator(): { emulator: () => OpenSearchEmulator; stack: () => StackStandIn } {
  let emulator: OpenSearchEmulator | undefined;
  let cloudformation: CloudFormationService | undefined;
  const stack: StackStandIn & { calls: CloudFormationCall[] } = { status: NOT_ROLLING_BACK, events: [], calls: [] };
  beforeAll(async () => {
    emulator = await OpenSearchEmulator.start({ clock: () => virtualNow });
    cloudformation = await CloudFormationService.start({
      describe: (name) =>
        name === STACK_ID ? { stackId: STACK_ID, stackName: 'HandlerTest', stackStatus: stack.status, creationTime: 0 } : undefined,
      events: (name) => (name === STACK_ID ? stack.events : []),
      onRequest: (action) => stack.fault?.(stack.calls.length + 1, action),
    });
    stack.calls = cloudformation.calls;
    process.env.AWS_ENDPOINT_URL_OPENSEARCH = emulator.endpoint;
    process.env.OPENSEARCH_LIFECYCLE_DOMAIN_URL_PREFIX = emulator.domainUrlPrefix;
    process.env.AWS_ENDPOINT_URL_S3 = emulator.s3Endpoint;
    process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = cloudformation.endpoint;
  });
  beforeEach(() => {
    stack.status = NOT_ROLLING_BACK;
    stack.events = [];
    stack.fault = undefined;
    stack.calls.length = 0;
  });
  afterAll(async () => {
    await emulator?.stop();
    await cloudformation?.stop();
  });
  return {
    emulator: () => {
      if (!emulator) throw new Error('emulator not started');
      return emulator;
    },
    stack: () => stack,
  };
}

/**
 * Plays these variants (see emulator `Variants`) for the tests of the enclosing describe block,
 * typically one row of `describe.each(variantCases(...))`; the defaults come back afterwards.
 */
export function useVariants(emulator: () => OpenSearchEmulator, variants: Variants): void {
  beforeEach(() => emulator().setVariants(variants));
  afterAll(() => emulator().setVariants(DEFAULT_VARIANTS));
}

const DEFAULT_VARIANTS: Variants = Object.fromEntries(Object.entries(VARIANT_CHOICES).map(([key, choices]) => [key, choices[0]]));

/** Resets the emulator to a world and timing (0 = settles at the next read). */
export function seed(emulator: OpenSearchEmulator, world: World, timing: Timing = {}): void {
  emulator.reset(world, timing);
}

export const destination = { domainName: 'logs-destination' };
export const source = { domainName: 'logs-source', ownerId: '222222222222', region: 'eu-west-1' };

export function connection(connectionId: string, status: SeedConnection['status'], extra: Partial<SeedConnection> = {}): SeedConnection {
  return { connectionId, status, source, destination, ...extra };
}

/** Properties the way CloudFormation delivers them: every scalar a string. */
export function stringify(properties: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(properties, (_key, value) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value)),
  );
}

export interface EventOptions {
  physicalResourceId?: string;
  oldProperties?: Record<string, unknown>;
  logicalResourceId?: string;
}

export function event(
  resourceType: string,
  requestType: ResourceEvent['RequestType'],
  properties: Record<string, unknown>,
  options: EventOptions = {},
): ResourceEvent {
  return {
    RequestType: requestType,
    ResourceType: resourceType,
    LogicalResourceId: options.logicalResourceId ?? 'Resource',
    StackId: STACK_ID,
    RequestId: randomUUID(),
    ResponseURL: 'https://cloudformation-custom-resource-response.example/secret?X-Amz-Signature=do-not-log-me',
    PhysicalResourceId: options.physicalResourceId,
    ResourceProperties: stringify({ ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:framework', ...properties }),
    OldResourceProperties: options.oldProperties && stringify({ ServiceToken: 'x', ...options.oldProperties }),
  };
}

export interface Outcome {
  handover: Handover;
  polls: number;
  physicalResourceId: string;
  data: Record<string, string>;
}

/**
 * Runs one lifecycle event to the end. Rejects with the failure the framework would report.
 * `beforePoll` runs before each isComplete call, e.g. to change the event as time passes.
 */
export async function run(
  request: ResourceEvent,
  options: { maxPolls?: number; pollIntervalMs?: number; beforePoll?: (event: IsCompleteEvent, poll: number) => IsCompleteEvent } = {},
): Promise<Outcome> {
  const handover = await onEvent(request);
  const maxPolls = options.maxPolls ?? 50;
  for (let poll = 0; poll <= maxPolls; poll++) {
    let pollEvent: IsCompleteEvent = { ...request, ...handover };
    if (options.beforePoll) pollEvent = options.beforePoll(pollEvent, poll);
    const result = await isComplete(pollEvent);
    if (result.IsComplete) {
      // As the framework does: isComplete's answer is merged over the event it was given.
      const physicalResourceId = result.PhysicalResourceId ?? handover.PhysicalResourceId;
      return { handover, polls: poll, physicalResourceId, data: { ...handover.Data, ...result.Data } };
    }
    expect(result.Data).toBeUndefined();
    virtualNow += options.pollIntervalMs ?? POLL_INTERVAL_MS;
  }
  throw new Error(`not complete after ${maxPolls} polls`);
}

/**
 * A `beforePoll` that releases the emulator's transitions (seeded with a long timing) at the given
 * poll, so that a test sees its resource wait without racing the real clock.
 */
export function releasedAtPoll(
  emulator: OpenSearchEmulator,
  poll: number,
  timing: Timing,
): (event: IsCompleteEvent, n: number) => IsCompleteEvent {
  return (e, n) => {
    if (n === poll) emulator.setTiming(timing);
    return e;
  };
}

/** Moves the event's wait start and deadline back, as if `ms` had passed since onEvent. */
export function aged(ms: number): (event: IsCompleteEvent) => IsCompleteEvent {
  return (e) => ({ ...e, StartedAt: (e.StartedAt ?? 0) - ms, Deadline: (e.Deadline ?? 0) - ms });
}

/** The mutating calls the emulator answered, as `Operation target` strings. */
export function mutations(emulator: OpenSearchEmulator): string[] {
  return emulator.mutatingRequests().map((request) => {
    const body = request.body as { DomainName?: string; PackageList?: string[] } | undefined;
    const target = body?.PackageList ? `${body.DomainName} [${body.PackageList.join(', ')}]` : request.path.split('/')[5];
    return `${request.operation} ${target}`;
  });
}
