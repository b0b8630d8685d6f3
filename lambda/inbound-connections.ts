import { InboundConnection } from '@aws-sdk/client-opensearch';
import { Progress, ResourceFailure, StepContext, callFailure, whereAsked } from './lifecycle';
import { log } from './log';
import {
  deleteInboundConnection,
  describeInboundConnection,
  errorName,
  isNotFound,
  isTransient,
  rejectInboundConnection,
} from './opensearch';

/** Statuses of a connection the destination owner has accepted: only deletion ends them. */
export const ACCEPTED_STATUSES: ReadonlySet<string> = new Set(['APPROVED', 'PROVISIONING', 'ACTIVE']);
/** Statuses after which nothing can use the connection. They stay listed for about 15 days. */
export const ENDED_STATUSES: ReadonlySet<string> = new Set(['REJECTED', 'DELETED']);

/**
 * How long a connection may stay invisible before we call it missing. DescribeInboundConnections
 * is eventually consistent: a connection made moments ago by another stack may not show yet.
 */
export const VISIBILITY_GRACE_MS = 30_000;

/** What a connection task carries from onEvent to isComplete. */
export interface ConnectionTask {
  readonly connectionId: string;
  /** The destination domain the user named, if any: a connection of another domain is not touched. */
  readonly domainName?: string;
}

export function statusOf(connection: InboundConnection): string {
  return connection.ConnectionStatus?.StatusCode ?? 'UNKNOWN';
}

export function destinationOf(connection: InboundConnection): string | undefined {
  return connection.RemoteDomainInfo?.AWSDomainInformation?.DomainName;
}

/** True when the user named a domain and the connection goes to another one. */
export function belongsElsewhere(task: ConnectionTask, connection: InboundConnection): boolean {
  return task.domainName !== undefined && destinationOf(connection) !== task.domainName;
}

/**
 * Finds the connection a Create or Update names. While it is not visible, waits out the grace
 * period; after that, fails naming where we looked. A connection of another domain fails at once.
 */
export async function requireConnection(
  task: ConnectionTask,
  context: StepContext,
  waitingFor: string,
): Promise<InboundConnection | Progress> {
  const connection = await describeInboundConnection(task.connectionId);
  if (connection === undefined) {
    if (context.now - context.startedAt < VISIBILITY_GRACE_MS) {
      return { done: false, waitingFor, lastSeen: 'not visible yet' };
    }
    throw new ResourceFailure(
      `Inbound connection ${task.connectionId} not found in ${whereAsked(context.event)}. ` +
        'Check the connection id, and deploy the stack to the account and region of the destination domain.',
    );
  }
  if (belongsElsewhere(task, connection)) {
    throw new ResourceFailure(
      `Inbound connection ${task.connectionId} goes to domain ${destinationOf(connection)}, not ${task.domainName}; ` +
        'nothing was changed. Check connectionId and domain.',
    );
  }
  return connection;
}

export function isProgress(value: InboundConnection | Progress): value is Progress {
  return 'done' in value;
}

/** The current status as resource data; a vanished connection is reported, not failed. */
export async function currentStatus(task: ConnectionTask): Promise<Progress> {
  const connection = await describeInboundConnection(task.connectionId);
  return { done: true, data: { ConnectionStatus: connection ? statusOf(connection) : 'NOT_FOUND' } };
}

/** The status of an inbound connection now; undefined when it is gone. */
async function inboundStatus(connectionId: string): Promise<string | undefined> {
  const connection = await describeInboundConnection(connectionId);
  return connection ? statusOf(connection) : undefined;
}

/**
 * Makes a mutating call. When the service refuses it (not a transient fault), the connection is
 * read again (`reread`, the inbound view unless said otherwise): if it has meanwhile moved on to a
 * status the caller accepts (someone else acted, or an earlier attempt of ours landed), that
 * status is the answer; otherwise the refusal is.
 */
export async function mutateOrReread(
  operation: string,
  task: Pick<ConnectionTask, 'connectionId'>,
  context: StepContext,
  status: string,
  call: () => Promise<string | undefined>,
  settled: (status: string | undefined) => boolean,
  advice: string,
  reread: (connectionId: string) => Promise<string | undefined> = inboundStatus,
): Promise<string> {
  if (!context.mayMutate) {
    log(`${operation} ${task.connectionId}: not made, the deadline has passed`);
    return status;
  }
  try {
    return (await call()) ?? 'UNKNOWN';
  } catch (error) {
    if (isTransient(error)) {
      throw error;
    }
    const now = await reread(task.connectionId);
    if (settled(now)) {
      log(`${operation} ${task.connectionId} was refused (${errorName(error)}), but the connection is now ${now ?? 'gone'}`);
      return now ?? 'DELETED';
    }
    throw callFailure(operation, task.connectionId, error, advice);
  }
}

const ENDING_STATUSES: ReadonlySet<string> = new Set(['DELETING', 'REJECTING']);

/**
 * Ends an inbound connection the way its destination's owner can: rejects it while it is
 * pending, deletes it once accepted, and waits until it is REJECTED or DELETED. A connection that
 * is gone, or goes to another domain than the one named, is left alone.
 */
export async function endInboundConnection(task: ConnectionTask, context: StepContext, waitingFor: string): Promise<Progress> {
  const connection = await describeInboundConnection(task.connectionId);
  if (connection === undefined) {
    log(`inbound connection ${task.connectionId} not found: already gone, nothing to do`);
    return { done: true };
  }
  if (belongsElsewhere(task, connection)) {
    log(
      `inbound connection ${task.connectionId} goes to domain ${destinationOf(connection)}, not ${task.domainName}: not ours, nothing to do`,
    );
    return { done: true };
  }
  let status = statusOf(connection);
  const gone = (now: string | undefined) => now === undefined || ENDED_STATUSES.has(now) || ENDING_STATUSES.has(now);
  const advice = 'Check the connection in the OpenSearch console, then retry the stack deletion.';
  if (status === 'PENDING_ACCEPTANCE') {
    status = await mutateOrReread(
      'RejectInboundConnection',
      task,
      context,
      status,
      () => rejectInboundConnection(task.connectionId),
      gone,
      advice,
    );
  } else if (ACCEPTED_STATUSES.has(status)) {
    status = await mutateOrReread(
      'DeleteInboundConnection',
      task,
      context,
      status,
      () =>
        deleteInboundConnection(task.connectionId).catch((error) => {
          if (isNotFound(error)) return 'DELETED';
          throw error;
        }),
      gone,
      advice,
    );
  }
  if (ENDED_STATUSES.has(status)) {
    log(`inbound connection ${task.connectionId} is ${status}: done`);
    return { done: true, data: { ConnectionStatus: status } };
  }
  return { done: false, waitingFor, lastSeen: status };
}
