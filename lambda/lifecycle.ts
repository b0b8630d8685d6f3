import { DOMAIN_POLICY_ID_PREFIX, kindPolicyNameOf } from '../lib/private/contracts/grant-policies';
import { InvalidPropertyError } from '../lib/private/contracts/properties';
import { errorMessage, errorName, failedCall, isTransient } from './opensearch';
import { log, logEvent } from './log';
import { ROLLBACK_STATUSES, readStackStatus } from './stack-situation';

/** The CloudFormation request, as the Provider framework passes it on. */
export interface ResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResourceType: string;
  readonly LogicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
  readonly ResponseURL?: string;
}

/** What onEvent hands to isComplete (the framework merges it into the isComplete event). */
export interface Handover {
  /** The id the framework reports should the wait fail; see `waitingPhysicalId`. */
  readonly PhysicalResourceId: string;
  /** The id isComplete reports once the wait succeeds. */
  readonly FinalPhysicalResourceId?: string;
  readonly Data?: Record<string, string>;
  /** Set when there is nothing left to wait for. */
  readonly Done?: boolean;
  readonly Task?: unknown;
  /** The situation `plan` got, for `advance` at every poll. */
  readonly Situation?: StackSituation;
  /**
   * Set when the stack's status could not be read yet (a transient fault): nothing is planned,
   * and each poll reads it again, then plans and acts, until the deadline.
   */
  readonly SituationPending?: boolean;
  /** When the wait started and when it must end, in epoch milliseconds. */
  readonly StartedAt?: number;
  readonly Deadline?: number;
}

export type IsCompleteEvent = ResourceEvent & Handover;

/** isComplete's answer; the framework merges it into the response it sends CloudFormation. */
export interface IsCompleteResult {
  readonly IsComplete: boolean;
  readonly PhysicalResourceId?: string;
  readonly Data?: Record<string, string>;
}

/**
 * Where a run of `advance` stands. A kind whose physical id depends on what the service answered
 * (a connection id it was given, or whether it created or adopted) sets `physicalResourceId`;
 * a not-yet answer of onEvent's run may also pass an updated `task` on to the polls.
 */
export type Progress =
  | { readonly done: true; readonly data?: Record<string, string>; readonly physicalResourceId?: string }
  | {
      readonly done: false;
      readonly waitingFor: string;
      readonly lastSeen: string;
      readonly physicalResourceId?: string;
      readonly task?: unknown;
    };

/** What the stack was doing when CloudFormation sent this event. */
export interface StackSituation {
  /**
   * True when this Delete or Update is sent as part of a rollback (a stack status in
   * `ROLLBACK_STATUSES`, see lambda/stack-situation.ts).
   */
  readonly rollback: boolean;
  /** The stack status read with CloudFormation DescribeStacks, when it was read (for logs and messages). */
  readonly stackStatus?: string;
}

/** The situation of every Create, and of every event of a kind that does not read the stack status. */
export const NOT_A_ROLLBACK: StackSituation = { rollback: false };

/** A plan's note for what a rollback leaves as it is: "stack is rolling back (STATUS): <what>". */
export function rollbackNote(situation: StackSituation, what: string): string {
  return `stack is rolling back (${situation.stackStatus ?? 'status not read'}): ${what}`;
}

/** What `plan` decides. */
export interface Plan<T> {
  readonly physicalResourceId: string;
  readonly timeoutSeconds: number;
  /** Undefined when there is nothing to do. */
  readonly task?: T;
  /**
   * Why there is nothing (destructive) to do, e.g. "stack is rolling back
   * (UPDATE_ROLLBACK_IN_PROGRESS): connection cc-1 was there before this resource and is left as
   * it is". The driver logs it and returns it in the response Data under the key `Note`.
   */
  readonly note?: string;
}

export interface StepContext {
  /** 'event' in onEvent; 'poll' in isComplete, after onEvent made (or tried) its call. */
  readonly phase: 'event' | 'poll';
  readonly startedAt: number;
  readonly now: number;
  readonly event: ResourceEvent;
  /**
   * False at the poll that passes the deadline: that poll only reads, so that a resource about to
   * report "timed out" never changes anything in the same breath.
   */
  readonly mayMutate: boolean;
  /** The same situation `plan` got (kept across polls). */
  readonly situation: StackSituation;
}

/** What one kind of resource does. The driver below does the rest. */
export interface ResourceKind<T> {
  readonly resourceType: string;
  /** What the task waits for, for messages: "connection cc-1 to be rejected". */
  describe(task: T): string;
  /**
   * True for kinds that may act on things they did not create. For their Delete and Update
   * events the driver reads the stack's status and passes it to `plan` and to `advance`, so that
   * a rollback leaves alone what existed before the deployment. Other kinds always get
   * `{ rollback: false }`. A rollback may only take work away: when the plan made with
   * `{ rollback: false }` has no task, the driver does not read the status.
   */
  readonly readsStackStatus?: boolean;
  /**
   * True for kinds whose onEvent does what no later poll can redo (make a connection, record what
   * existed before a Create): an access denial there fails at once instead of waiting for IAM at
   * the next poll.
   */
  readonly actsOnlyInOnEvent?: boolean;
  /**
   * Decides, from the event and the stack's situation alone, the physical id and the task. Must
   * not call anything (the driver may plan more than once). Throws InvalidPropertyError on bad
   * properties. Returns `task: undefined` when there is nothing to do, with a `note` saying why
   * when that is not obvious.
   */
  plan(event: ResourceEvent, situation: StackSituation): Plan<T>;
  /**
   * Reads the service, makes the task's one mutating call if the service shows it is still
   * needed, and says whether the task is done. Must be safe to run again at any time.
   */
  advance(task: T, context: StepContext): Promise<Progress>;
}

/**
 * A failure to report to CloudFormation. The message is the whole Reason: one line, no stack
 * trace (the framework appends the trace lines to the Reason, and the response must fit 4 KB).
 */
export class ResourceFailure extends Error {
  /** @param cause the service's error, when the failure is a failed call */
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(oneLine(message));
    this.name = 'ResourceFailure';
    this.stack = this.message;
  }
}

const MAX_REASON_LENGTH = 900;

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH - 3)}...` : line;
}

/** A failed call as a Reason: the operation, its subject, the service's own words, and advice. */
export function callFailure(operation: string, subject: string, error: unknown, advice = ''): ResourceFailure {
  return new ResourceFailure(`${operation} ${subject} failed: ${errorName(error)}: ${errorMessage(error)}. ${advice}`, error);
}

/** "account 123456789012 in eu-west-1", read from the stack ARN the request came with. */
export function whereAsked(event: ResourceEvent): string {
  const [, , , region, account] = event.StackId.split(':');
  return account && region ? `account ${account} in ${region}` : 'this account and region';
}

const CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

/**
 * The physical id the framework holds while a resource waits, and reports if the wait fails.
 * A resource becomes its new self only when the service has finished: a Create holds the
 * framework's CREATE_FAILED marker, so that the Delete CloudFormation sends after a failed Create
 * is answered by the framework without reaching us; an Update holds the id it came with, so that
 * a failed replacement is not a replacement. isComplete then reports the final id.
 */
function waitingPhysicalId(event: ResourceEvent): string {
  return event.RequestType === 'Create' ? CREATE_FAILED_MARKER : (event.PhysicalResourceId ?? CREATE_FAILED_MARKER);
}

/** True when the driver reads the stack's status before it plans this event. */
function readsStackStatus(kind: ResourceKind<unknown>, event: ResourceEvent): boolean {
  return kind.readsStackStatus === true && event.RequestType !== 'Create';
}

/**
 * The stack's situation, or the transient fault that kept it from being read. A status that
 * cannot be read for any other reason fails the event: nothing is changed, because without it a
 * rollback, which must leave alone what existed before, cannot be told from a real removal.
 * Failing is visible and can be retried once fixed; guessing either way could not be undone
 * (ending a production connection in a rollback) or would be silent (a deletion that ends
 * nothing).
 */
async function readSituation(
  kind: ResourceKind<unknown>,
  event: ResourceEvent,
  startedAt: number,
): Promise<StackSituation | { transientFault: string }> {
  try {
    const reading = await readStackStatus(event.StackId);
    if ('transientFault' in reading) {
      log(`stack status not read yet, will retry: ${reading.transientFault}`);
      return reading;
    }
    const situation = { rollback: ROLLBACK_STATUSES.has(reading.stackStatus), stackStatus: reading.stackStatus };
    log(`stack status ${situation.stackStatus}: ${situation.rollback ? 'a rollback' : 'not a rollback'}`);
    return situation;
  } catch (error) {
    if (mayBePropagating(error, startedAt, Date.now())) {
      log(`stack status not read yet (access denied, as while IAM propagates a policy change), will retry: ${errorMessage(error)}`);
      return { transientFault: `${errorName(error)}: ${errorMessage(error)}` };
    }
    throw callFailure(
      'DescribeStacks',
      event.StackId,
      error,
      'Nothing was changed: this resource reads its stack status to leave alone, during a rollback, what existed before it. ' +
        `cloudformation:DescribeStacks on this stack should be granted by the policy ${kindPolicyNameOf(kind.resourceType, '…')} of the provider's role; ` +
        'if it is, an SCP or permissions boundary may deny it. Then retry.',
    );
  }
}

/** Plans the event; bad properties fail it, except on a Delete, where there is nothing to undo. */
function planOrSkip<T>(kind: ResourceKind<T>, event: ResourceEvent, situation: StackSituation): Plan<T> | Handover {
  try {
    return kind.plan(event, situation);
  } catch (error) {
    if (error instanceof InvalidPropertyError && event.RequestType === 'Delete') {
      // A resource with invalid properties was never created, so there is nothing to undo.
      log(`Delete: properties are invalid (${error.message}); nothing was created, nothing to do`);
      return { PhysicalResourceId: event.PhysicalResourceId ?? CREATE_FAILED_MARKER, Done: true };
    }
    throw error instanceof InvalidPropertyError ? new ResourceFailure(error.message) : error;
  }
}

function isPlan<T>(value: Plan<T> | Handover): value is Plan<T> {
  return 'timeoutSeconds' in value;
}

/** The plan's note, logged once, as response Data. */
function noteData(plan: Plan<unknown>): Record<string, string> | undefined {
  if (plan.note === undefined) {
    return undefined;
  }
  log(plan.note);
  return { Note: plan.note };
}

/** The Provider framework's onEvent: plan, make the first attempt, hand over to isComplete. */
export async function handleEvent<T>(kind: ResourceKind<T>, event: ResourceEvent): Promise<Handover> {
  logEvent('onEvent', event);
  // Planned first as if no rollback were under way, to validate the properties and to know the
  // deadline before anything is read; the physical id of a Delete never depends on the situation.
  let plan = planOrSkip(kind, event, NOT_A_ROLLBACK);
  if (!isPlan(plan)) {
    return plan;
  }
  if (event.RequestType === 'Delete' && event.PhysicalResourceId !== plan.physicalResourceId) {
    // CloudFormation may delete a resource whose Create never answered, under an id it made up.
    log(`Delete: physical id ${event.PhysicalResourceId} was not made by this handler; nothing to do`);
    return { PhysicalResourceId: event.PhysicalResourceId ?? CREATE_FAILED_MARKER, Done: true };
  }
  const startedAt = Date.now();
  const deadline = startedAt + plan.timeoutSeconds * 1000;
  let situation = NOT_A_ROLLBACK;
  // A rollback only ever takes work away: a plan with nothing to do needs no status.
  if (plan.task !== undefined && readsStackStatus(kind, event)) {
    const read = await readSituation(kind, event, startedAt);
    if ('transientFault' in read) {
      return { PhysicalResourceId: waitingPhysicalId(event), SituationPending: true, StartedAt: startedAt, Deadline: deadline };
    }
    situation = read;
    plan = kind.plan(event, situation);
  }
  const data = noteData(plan);
  if (plan.task === undefined) {
    if (data === undefined) log(`${event.RequestType}: nothing to do`);
    return { PhysicalResourceId: plan.physicalResourceId, Data: data, Done: true };
  }
  const context: StepContext = { phase: 'event', startedAt, now: startedAt, event, mayMutate: true, situation };
  const progress = await attempt(kind, plan.task, context);
  if (progress.done) {
    return { PhysicalResourceId: progress.physicalResourceId ?? plan.physicalResourceId, Data: merged(data, progress.data), Done: true };
  }
  return {
    PhysicalResourceId: waitingPhysicalId(event),
    FinalPhysicalResourceId: progress.physicalResourceId ?? plan.physicalResourceId,
    // Merged by the framework into the response it sends once isComplete is done.
    Data: data,
    Task: progress.task ?? plan.task,
    Situation: situation,
    StartedAt: startedAt,
    Deadline: deadline,
  };
}

function merged(...parts: Array<Record<string, string> | undefined>): Record<string, string> | undefined {
  const all = Object.assign({}, ...parts.filter((part) => part !== undefined));
  return Object.keys(all).length > 0 ? all : undefined;
}

/** The Provider framework's isComplete: one more look; done, not yet, or past the deadline. */
export async function handleIsComplete<T>(kind: ResourceKind<T>, event: IsCompleteEvent): Promise<IsCompleteResult> {
  if (event.Done || (event.Task === undefined && !event.SituationPending)) {
    return { IsComplete: true };
  }
  const startedAt = Number(event.StartedAt);
  const deadline = Number(event.Deadline);
  if (!Number.isFinite(startedAt) || !Number.isFinite(deadline)) {
    throw new ResourceFailure(`isComplete received no deadline for ${event.PhysicalResourceId}; this is a bug in cdk-opensearch-lifecycle`);
  }
  const now = Date.now();
  let task = event.Task as T;
  let situation = event.Situation ?? NOT_A_ROLLBACK;
  let finalPhysicalResourceId = event.FinalPhysicalResourceId;
  let data: Record<string, string> | undefined;
  if (event.SituationPending) {
    // Nothing was planned yet: read the status again, then plan and act as onEvent would have.
    const read = await readSituation(kind, event, startedAt);
    if ('transientFault' in read) {
      if (now >= deadline) {
        throw new ResourceFailure(
          `Timed out after ${formatDuration(deadline - startedAt)} reading the status of stack ${event.StackId}; last error: ${read.transientFault}. ` +
            'Nothing was changed: during a rollback this resource must leave alone what existed before it. Retry once CloudFormation answers.',
        );
      }
      log(`waiting for the status of stack ${event.StackId}; last error: ${read.transientFault}`);
      return { IsComplete: false };
    }
    situation = read;
    const plan = kind.plan(event, situation);
    finalPhysicalResourceId = plan.physicalResourceId;
    data = noteData(plan);
    if (plan.task === undefined) {
      return { IsComplete: true, PhysicalResourceId: finalPhysicalResourceId, Data: data };
    }
    task = plan.task;
  }
  const progress = await attempt(kind, task, { phase: 'poll', startedAt, now, event, mayMutate: now < deadline, situation });
  if (progress.done) {
    return {
      IsComplete: true,
      PhysicalResourceId: progress.physicalResourceId ?? finalPhysicalResourceId,
      Data: merged(data, progress.data),
    };
  }
  return notYet(now, startedAt, deadline, progress.waitingFor, progress.lastSeen);
}

/** Not done yet: wait for the next poll, or fail once the deadline has passed. */
function notYet(now: number, startedAt: number, deadline: number, waitingFor: string, lastSeen: string): IsCompleteResult {
  if (now >= deadline) {
    throw new ResourceFailure(
      `Timed out after ${formatDuration(deadline - startedAt)} waiting for ${waitingFor}; last status: ${lastSeen}. ` +
        'The service may still finish: check it in the OpenSearch console, or raise timeout (at most 55 minutes) and retry.',
    );
  }
  log(`waiting for ${waitingFor}; last status: ${lastSeen}`);
  return { IsComplete: false };
}

/**
 * How long an access denial may be IAM still propagating a policy the stack just changed. Every
 * custom resource depends on the policies that hold its grants (lib/private/grants.ts), so
 * CloudFormation changes them before it sends the request: the change is at most this old when
 * the request starts. IAM documents its changes as eventually consistent, taking "a few seconds"
 * (IAM User Guide, "Changes that I make are not always immediately visible"); a minute from the
 * request's start covers that without a call or a template property to tell when the policy
 * changed. A real denial costs at most this much more before it fails.
 */
export const IAM_PROPAGATION_MS = 60_000;

/** AccessDeniedException (OpenSearch) and AccessDenied (CloudFormation's query protocol). */
function isAccessDenied(error: unknown): boolean {
  return errorName(error) === 'AccessDeniedException' || errorName(error) === 'AccessDenied';
}

/** Whether a denial at `now` may still be the policy change this request's stack made just before it. */
function mayBePropagating(error: unknown, startedAt: number, now: number): boolean {
  return isAccessDenied(error) && now - startedAt < IAM_PROPAGATION_MS;
}

/** Runs one step; a fault that may clear by itself becomes "not yet" instead of a failure. */
async function attempt<T>(kind: ResourceKind<T>, task: T, context: StepContext): Promise<Progress> {
  try {
    return await kind.advance(task, context);
  } catch (error) {
    if (error instanceof ResourceFailure) {
      // A kind's own failure of a call: a denial may still be IAM propagating (see below).
      if (!isAccessDenied(error.cause)) throw error;
      if (!mayBePropagating(error.cause, context.startedAt, context.now) || (kind.actsOnlyInOnEvent && context.phase === 'event')) {
        throw new ResourceFailure(`${error.message} ${grantingPolicy(error.cause, kind.resourceType)}.`, error.cause);
      }
      log(
        `access denied within ${formatDuration(IAM_PROPAGATION_MS)} of the request, as while IAM propagates a policy change; will retry: ${error.message}`,
      );
      return { done: false, waitingFor: kind.describe(task), lastSeen: error.message };
    }
    if (isTransient(error)) {
      log(`transient fault, will retry: ${errorName(error)}: ${errorMessage(error)}`);
      return { done: false, waitingFor: kind.describe(task), lastSeen: `${errorName(error)}: ${errorMessage(error)}` };
    }
    if (mayBePropagating(error, context.startedAt, context.now) && !(kind.actsOnlyInOnEvent && context.phase === 'event')) {
      log(
        `access denied within ${formatDuration(IAM_PROPAGATION_MS)} of the request, as while IAM propagates a policy change; will retry: ${errorMessage(error)}`,
      );
      return { done: false, waitingFor: kind.describe(task), lastSeen: `${errorName(error)}: ${errorMessage(error)}` };
    }
    const what = failedCall(error) ?? kind.describe(task);
    throw new ResourceFailure(`${what} failed: ${errorName(error)}: ${errorMessage(error)}. ${adviceFor(error, kind)}`);
  }
}

/**
 * Which of the handler role's policies should grant what AWS denied: the action and resource
 * from the service's message ("... not authorized to perform: es:X on resource: R ..."), a
 * domain's actions in the domain policies, the others in the policy of this kind.
 */
export function grantingPolicy(error: unknown, resourceType: string): string {
  const denied = /perform: (\S+) on resource: (\S+)/.exec(errorMessage(error));
  const kindPolicy = kindPolicyNameOf(resourceType, '…');
  // A managed policy's name is CloudFormation's: <stack>-<logical id>-<suffix>.
  const domainPolicy = `…${DOMAIN_POLICY_ID_PREFIX}…`;
  if (!denied) {
    const operation = failedCall(error)?.split(' ')[0];
    const action = operation ? `es:${operation}` : 'it';
    return `${action} should be granted by the policy ${kindPolicy} (on a domain, ${domainPolicy}) of the provider's role`;
  }
  const [, action, resource] = denied;
  const policy = /:domain\//.test(resource) ? domainPolicy : kindPolicy;
  return `${action} on ${resource} should be granted by the policy ${policy} of the provider's role`;
}

/** What the user can do about an error nobody expected. */
function adviceFor(error: unknown, kind: ResourceKind<unknown>): string {
  switch (errorName(error)) {
    case 'AccessDeniedException':
      return `${grantingPolicy(error, kind.resourceType)}; if it does, look for a permissions boundary, an SCP or a domain policy that denies it.`;
    case 'DisabledOperationException':
      return 'The domain does not support this operation (check its engine version and cross-cluster settings).';
    default:
      return 'Check the handler logs of the stack for this call.';
  }
}

/** "30 minutes", "1 minute 5 seconds", "1 second". */
export function formatDuration(milliseconds: number): string {
  const total = Math.max(0, Math.round(milliseconds / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes === 0) return part(seconds, 'second');
  return seconds === 0 ? part(minutes, 'minute') : `${part(minutes, 'minute')} ${part(seconds, 'second')}`;
}
