import { InvalidPropertyError } from '../lib/private/contracts/properties';
import { errorMessage, errorName, failedCall, isTransient } from './opensearch';
import { log, logEvent } from './log';

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

/** Where a run of `advance` stands. */
export type Progress =
  | {
      readonly done: true;
      readonly data?: Record<string, string>;
      /**
       * The final physical id, when it depends on what the service showed (a Create that records
       * what it adopted); otherwise the one `plan` chose.
       */
      readonly physicalResourceId?: string;
    }
  | { readonly done: false; readonly waitingFor: string; readonly lastSeen: string };

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

/** What the stack was doing when CloudFormation sent this event. */
export interface StackSituation {
  /** True when this Delete or Update is sent as part of a rollback (a stack status the driver treats as rollback). */
  readonly rollback: boolean;
  /** The stack status read with CloudFormation DescribeStacks, when it was read (for logs and messages). */
  readonly stackStatus?: string;
}

/** Until the driver reads the stack status (issue 10), every event is treated as no rollback. */
const NO_ROLLBACK: StackSituation = { rollback: false };

/** What one kind of resource does. The driver below does the rest. */
export interface ResourceKind<T> {
  readonly resourceType: string;
  /** What the task waits for, for messages: "connection cc-1 to be rejected". */
  describe(task: T): string;
  /**
   * Decides, from the event alone, the physical id and the task. Throws InvalidPropertyError on
   * bad properties. Returns `task: undefined` when there is nothing to do.
   */
  plan(
    event: ResourceEvent,
    situation: StackSituation,
  ): {
    physicalResourceId: string;
    timeoutSeconds: number;
    task?: T;
    /** Why there is nothing to do; the driver logs it and returns it in the response Data under the key `Note`. */
    note?: string;
  };
  /**
   * True for kinds that may act on things they did not create. For their Delete and Update
   * events the driver reads the stack's status and passes it to `plan` and to `advance`.
   * Other kinds always get `{ rollback: false }`.
   */
  readonly readsStackStatus?: boolean;
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
  constructor(message: string) {
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
  return new ResourceFailure(`${operation} ${subject} failed: ${errorName(error)}: ${errorMessage(error)}. ${advice}`);
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

/** The Provider framework's onEvent: plan, make the first attempt, hand over to isComplete. */
export async function handleEvent<T>(kind: ResourceKind<T>, event: ResourceEvent): Promise<Handover> {
  logEvent('onEvent', event);
  let plan: ReturnType<ResourceKind<T>['plan']>;
  try {
    plan = kind.plan(event, NO_ROLLBACK);
  } catch (error) {
    if (error instanceof InvalidPropertyError && event.RequestType === 'Delete') {
      // A resource with invalid properties was never created, so there is nothing to undo.
      log(`Delete: properties are invalid (${error.message}); nothing was created, nothing to do`);
      return { PhysicalResourceId: event.PhysicalResourceId ?? CREATE_FAILED_MARKER, Done: true };
    }
    throw error instanceof InvalidPropertyError ? new ResourceFailure(error.message) : error;
  }
  if (event.RequestType === 'Delete' && event.PhysicalResourceId !== plan.physicalResourceId) {
    // CloudFormation may delete a resource whose Create never answered, under an id it made up.
    log(`Delete: physical id ${event.PhysicalResourceId} was not made by this handler; nothing to do`);
    return { PhysicalResourceId: event.PhysicalResourceId ?? CREATE_FAILED_MARKER, Done: true };
  }
  if (plan.task === undefined) {
    log(`${event.RequestType}: nothing to do${plan.note ? `: ${plan.note}` : ''}`);
    return { PhysicalResourceId: plan.physicalResourceId, Done: true, ...(plan.note ? { Data: { Note: plan.note } } : {}) };
  }
  const startedAt = Date.now();
  const progress = await attempt(kind, plan.task, {
    phase: 'event',
    startedAt,
    now: startedAt,
    event,
    mayMutate: true,
    situation: NO_ROLLBACK,
  });
  if (progress.done) {
    return { PhysicalResourceId: progress.physicalResourceId ?? plan.physicalResourceId, Data: progress.data, Done: true };
  }
  return {
    PhysicalResourceId: waitingPhysicalId(event),
    FinalPhysicalResourceId: plan.physicalResourceId,
    Task: plan.task,
    StartedAt: startedAt,
    Deadline: startedAt + plan.timeoutSeconds * 1000,
  };
}

/** The Provider framework's isComplete: one more look; done, not yet, or past the deadline. */
export async function handleIsComplete<T>(kind: ResourceKind<T>, event: IsCompleteEvent): Promise<IsCompleteResult> {
  if (event.Done || event.Task === undefined) {
    return { IsComplete: true };
  }
  const startedAt = Number(event.StartedAt);
  const deadline = Number(event.Deadline);
  if (!Number.isFinite(startedAt) || !Number.isFinite(deadline)) {
    throw new ResourceFailure(`isComplete received no deadline for ${event.PhysicalResourceId}; this is a bug in cdk-opensearch-lifecycle`);
  }
  const now = Date.now();
  const progress = await attempt(kind, event.Task as T, {
    phase: 'poll',
    startedAt,
    now,
    event,
    mayMutate: now < deadline,
    situation: NO_ROLLBACK,
  });
  if (progress.done) {
    return { IsComplete: true, PhysicalResourceId: progress.physicalResourceId ?? event.FinalPhysicalResourceId, Data: progress.data };
  }
  if (now >= deadline) {
    throw new ResourceFailure(
      `Timed out after ${formatDuration(deadline - startedAt)} waiting for ${progress.waitingFor}; last status: ${progress.lastSeen}. ` +
        'The service may still finish: check it in the OpenSearch console, or raise timeout (at most 55 minutes) and retry.',
    );
  }
  log(`waiting for ${progress.waitingFor}; last status: ${progress.lastSeen}`);
  return { IsComplete: false };
}

/** Runs one step; a fault that may clear by itself becomes "not yet" instead of a failure. */
async function attempt<T>(kind: ResourceKind<T>, task: T, context: StepContext): Promise<Progress> {
  try {
    return await kind.advance(task, context);
  } catch (error) {
    if (error instanceof ResourceFailure) {
      throw error;
    }
    if (isTransient(error)) {
      log(`transient fault, will retry: ${errorName(error)}: ${errorMessage(error)}`);
      return { done: false, waitingFor: kind.describe(task), lastSeen: `${errorName(error)}: ${errorMessage(error)}` };
    }
    const what = failedCall(error) ?? kind.describe(task);
    throw new ResourceFailure(`${what} failed: ${errorName(error)}: ${errorMessage(error)}. ${adviceFor(error)}`);
  }
}

/** What the user can do about an error nobody expected. */
function adviceFor(error: unknown): string {
  switch (errorName(error)) {
    case 'AccessDeniedException':
      return "The provider's role grants this action: look for a permissions boundary, an SCP or a domain policy that denies it.";
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
