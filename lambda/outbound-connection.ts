import { OutboundConnection as ServiceConnection } from '@aws-sdk/client-opensearch';
import { describeAddress } from '../lib/private/contracts/connection-ends';
import {
  ConnectionOrigin,
  OUTBOUND_CONNECTION_TYPE,
  OutboundConnectionProperties,
  OutboundConnectionKey,
  outboundConnectionPhysicalId,
  outboundIdentityChanged,
  parseOutboundConnectionPhysicalId,
  parseOutboundConnectionProperties,
} from '../lib/private/contracts/outbound-connection';
import { InvalidPropertyError } from '../lib/private/contracts/properties';
import { ACCEPTED_STATUSES, VISIBILITY_GRACE_MS, mutateOrReread } from './inbound-connections';
import { Progress, ResourceFailure, ResourceKind, StepContext, callFailure, rollbackNote } from './lifecycle';
import { log } from './log';
import {
  createOutboundConnection,
  deleteOutboundConnection,
  errorMessage,
  errorName,
  findOutboundConnections,
  isGone,
  isNotFound,
  isTransient,
} from './opensearch';

type Wanted = Omit<OutboundConnectionProperties, 'timeoutSeconds'>;

type OutboundTask =
  /** Find or make the connection, then wait for `waitFor`. Once known, `connectionId` and `origin` travel on to the polls. */
  | { readonly kind: 'create'; readonly wanted: Wanted; readonly connectionId?: string; readonly origin?: ConnectionOrigin }
  /** Only report the connection's status. */
  | { readonly kind: 'status'; readonly connectionId: string }
  /** Delete the connection and wait until it is DELETED or gone. */
  | { readonly kind: 'delete'; readonly connectionId: string };

/** Statuses after which the connection can no longer be used; a Create never adopts one. */
const ENDED_STATUSES: ReadonlySet<string> = new Set(['VALIDATION_FAILED', 'REJECTING', 'REJECTED', 'DELETING', 'DELETED']);
/** Statuses that end a Create in failure. */
const FAILED_STATUSES: ReadonlySet<string> = new Set(['VALIDATION_FAILED', 'REJECTING', 'REJECTED']);
/** Statuses after which a Delete has nothing to do. */
const DELETED_STATUSES: ReadonlySet<string> = new Set(['DELETED', 'REJECTED']);

const statusOf = (connection: ServiceConnection | undefined) => connection?.ConnectionStatus?.StatusCode ?? 'UNKNOWN';

/** Whether `status` counts as having reached `waitFor`: PENDING_ACCEPTANCE is also reached by every accepted status. */
function reached(status: string, waitFor: Wanted['waitFor']): boolean {
  return status === waitFor || (waitFor === 'PENDING_ACCEPTANCE' && ACCEPTED_STATUSES.has(status));
}

function subjectOf(wanted: Wanted): string {
  return `${wanted.connectionAlias} from domain ${wanted.localDomainName} to ${describeAddress(wanted.remote)}`;
}

async function outboundById(connectionId: string): Promise<ServiceConnection | undefined> {
  const found = await findOutboundConnections([{ Name: 'connection-id', Values: [connectionId] }], connectionId);
  return found.find((connection) => connection.ConnectionId === connectionId);
}

/** Every identity field, checked here too: how the service combines several filters is not documented. */
function sameIdentity(connection: ServiceConnection, wanted: Wanted): boolean {
  const local = connection.LocalDomainInfo?.AWSDomainInformation;
  const remote = connection.RemoteDomainInfo?.AWSDomainInformation;
  return (
    connection.ConnectionAlias === wanted.connectionAlias &&
    local?.DomainName === wanted.localDomainName &&
    remote?.DomainName === wanted.remote.domainName &&
    (remote?.OwnerId === undefined || remote.OwnerId === wanted.remote.ownerId) &&
    (remote?.Region === undefined || remote.Region === wanted.remote.region)
  );
}

/** The connection of this local domain, remote domain and alias that has not ended, if any. */
async function outboundByIdentity(wanted: Wanted): Promise<ServiceConnection | undefined> {
  const found = await findOutboundConnections(
    [
      { Name: 'local-domain-info.domain-name', Values: [wanted.localDomainName] },
      { Name: 'remote-domain-info.domain-name', Values: [wanted.remote.domainName] },
      { Name: 'remote-domain-info.owner-id', Values: [wanted.remote.ownerId] },
      { Name: 'remote-domain-info.region', Values: [wanted.remote.region] },
    ],
    subjectOf(wanted),
  );
  return found.find((connection) => sameIdentity(connection, wanted) && !ENDED_STATUSES.has(statusOf(connection)));
}

/** A connection of the same local domain and alias to another remote domain, not ended, if any. */
async function otherRemoteWithAlias(wanted: Wanted): Promise<ServiceConnection | undefined> {
  const found = await findOutboundConnections(
    [{ Name: 'local-domain-info.domain-name', Values: [wanted.localDomainName] }],
    subjectOf(wanted),
  );
  return found.find(
    (connection) =>
      connection.ConnectionAlias === wanted.connectionAlias &&
      connection.LocalDomainInfo?.AWSDomainInformation?.DomainName === wanted.localDomainName &&
      !sameIdentity(connection, wanted) &&
      !ENDED_STATUSES.has(statusOf(connection)),
  );
}

/** Deletes the connection unless the service shows it ended; the status afterwards. */
async function deleteConnection(connectionId: string, context: StepContext, status: string, advice: string): Promise<string> {
  return mutateOrReread(
    'DeleteOutboundConnection',
    { connectionId },
    context,
    status,
    () =>
      deleteOutboundConnection(connectionId).catch((error) => {
        if (isNotFound(error)) return 'DELETED';
        throw error;
      }),
    (now) => now === undefined || now === 'DELETING' || DELETED_STATUSES.has(now),
    advice,
    async (id) => {
      const again = await outboundById(id);
      return again ? statusOf(again) : undefined;
    },
  );
}

/**
 * OutboundConnection: creates (or adopts) an outbound cross-cluster connection and waits until
 * the service has validated it; deletes it on Delete. Its physical id names the connection and
 * whether the resource created or adopted it, the only thing a later rollback needs to know.
 */
export const outboundConnection: ResourceKind<OutboundTask> = {
  resourceType: OUTBOUND_CONNECTION_TYPE,
  readsStackStatus: true,
  // A connection is only ever made in onEvent (see adoptOrCreate): a denied call there fails at once.
  actsOnlyInOnEvent: true,

  describe: (task) => {
    switch (task.kind) {
      case 'create':
        return `outbound connection ${task.connectionId ?? subjectOf(task.wanted)} to be ${task.wanted.waitFor}`;
      case 'status':
        return `the status of outbound connection ${task.connectionId}`;
      case 'delete':
        return `outbound connection ${task.connectionId} to be deleted`;
    }
  },

  plan(event, situation) {
    const props = parseOutboundConnectionProperties(event.ResourceProperties);
    const { timeoutSeconds, ...wanted } = props;
    // Until the service answers, the id only names what is looked for; the final one names the connection.
    const provisionalId = `opensearch-outbound-connection:${wanted.localDomainName}:${wanted.connectionAlias}`;
    const held = parseOutboundConnectionPhysicalId(event.PhysicalResourceId);
    switch (event.RequestType) {
      case 'Create':
        return { physicalResourceId: provisionalId, timeoutSeconds, task: { kind: 'create' as const, wanted } };
      case 'Update': {
        if (!outboundIdentityChanged(event.OldResourceProperties, event.ResourceProperties) && held) {
          return {
            physicalResourceId: event.PhysicalResourceId!,
            timeoutSeconds,
            task: { kind: 'status' as const, connectionId: held.connectionId },
          };
        }
        const old = event.OldResourceProperties ?? {};
        const sameName = [
          OutboundConnectionKey.LOCAL_DOMAIN_NAME,
          OutboundConnectionKey.REMOTE_DOMAIN_NAME,
          OutboundConnectionKey.REMOTE_OWNER_ID,
          OutboundConnectionKey.REMOTE_REGION,
          OutboundConnectionKey.CONNECTION_ALIAS,
        ].every((key) => old[key] === event.ResourceProperties[key]);
        if (sameName && held && !situation.rollback) {
          throw new InvalidPropertyError(
            `Changing ConnectionMode or SkipUnavailable replaces connection ${held.connectionId}, and the new one is made before the old one is deleted: ` +
              'give it a new connectionAlias as well. Nothing was changed.',
          );
        }
        // A replacement (CloudFormation then deletes the old resource), or during a rollback the
        // way back to the connection the old properties name, which is adopted since it is still there.
        return { physicalResourceId: provisionalId, timeoutSeconds, task: { kind: 'create' as const, wanted } };
      }
      case 'Delete':
        if (!held) {
          return { physicalResourceId: `${provisionalId}:not-made-here`, timeoutSeconds };
        }
        if (situation.rollback && held.origin === 'adopted') {
          // Reads only: the attributes are still reported.
          return {
            physicalResourceId: event.PhysicalResourceId!,
            timeoutSeconds,
            task: { kind: 'status' as const, connectionId: held.connectionId },
            note: rollbackNote(situation, `connection ${held.connectionId} was there before this resource and is left as it is`),
          };
        }
        return {
          physicalResourceId: event.PhysicalResourceId!,
          timeoutSeconds,
          task: { kind: 'delete' as const, connectionId: held.connectionId },
        };
    }
  },

  async advance(task: OutboundTask, context: StepContext): Promise<Progress> {
    const waitingFor = this.describe(task);
    if (task.kind === 'status') {
      const connection = await outboundById(task.connectionId);
      return { done: true, data: { ConnectionId: task.connectionId, ConnectionStatus: connection ? statusOf(connection) : 'NOT_FOUND' } };
    }
    if (task.kind === 'delete') {
      const connection = await outboundById(task.connectionId);
      let status = connection ? statusOf(connection) : 'NOT_FOUND';
      if (DELETED_STATUSES.has(status)) {
        log(`outbound connection ${task.connectionId} is ${status}: nothing to do`);
        return { done: true };
      }
      if (connection === undefined) {
        // Not listed may be a read that lags behind a create or onEvent's delete: a poll waits that
        // out; otherwise asking the service to delete it settles it either way ("not found" = gone).
        if (context.phase === 'poll' && context.now - context.startedAt < VISIBILITY_GRACE_MS) {
          return { done: false, waitingFor, lastSeen: 'not listed yet' };
        }
        status = await deleteUnlisted(task.connectionId, context);
        return status === 'DELETED' ? { done: true } : { done: false, waitingFor, lastSeen: status };
      }
      if (status !== 'DELETING') {
        status = await deleteConnection(
          task.connectionId,
          context,
          status,
          'Check the connection in the OpenSearch console, then retry the stack deletion.',
        );
      }
      return status === 'DELETED' || status === 'NOT_FOUND' ? { done: true } : { done: false, waitingFor, lastSeen: status };
    }
    return advanceCreate(task, context);
  },
};

/** DeleteOutboundConnection of a connection the look-up did not list: its status, DELETED when the service says it is gone. */
async function deleteUnlisted(connectionId: string, context: StepContext): Promise<string> {
  if (!context.mayMutate) return 'NOT_FOUND';
  try {
    return (await deleteOutboundConnection(connectionId)) ?? 'DELETING';
  } catch (error) {
    if (isGone(error)) return 'DELETED';
    throw error;
  }
}

async function advanceCreate(task: Extract<OutboundTask, { kind: 'create' }>, context: StepContext): Promise<Progress> {
  const { wanted } = task;
  let connectionId = task.connectionId;
  let origin = task.origin;
  let connection: ServiceConnection | undefined;
  if (connectionId !== undefined) {
    connection = await outboundById(connectionId);
    if (connection === undefined) {
      return notListed(task, connectionId, origin, context);
    }
  } else {
    ({ connection, origin } = context.phase === 'event' ? await adoptOrCreate(wanted, context) : await adoptOnly(wanted));
    connectionId = connection.ConnectionId;
    if (connectionId === undefined) {
      throw new ResourceFailure(`CreateOutboundConnection ${subjectOf(wanted)} answered without a connection id; retry the deployment.`);
    }
    if (connection.ConnectionMode !== undefined && connection.ConnectionMode !== wanted.connectionMode) {
      throw new ResourceFailure(
        `Outbound connection ${connectionId} (${subjectOf(wanted)}) already exists with mode ${connection.ConnectionMode}, not ${wanted.connectionMode}; ` +
          'nothing was changed. Use another connectionAlias.',
      );
    }
  }
  const physicalResourceId = outboundConnectionPhysicalId(connectionId, origin ?? 'adopted');
  const status = statusOf(connection);
  if (FAILED_STATUSES.has(status) || status === 'DELETING' || status === 'DELETED') {
    let cleanup = '';
    if (origin === 'created' && !DELETED_STATUSES.has(status) && status !== 'DELETING') {
      // CloudFormation's Delete after a failed Create never reaches this handler: clean up now.
      const after = await deleteConnection(connectionId, context, status, 'Delete it in the OpenSearch console.');
      cleanup = ` The connection this Create made is ${after === 'NOT_FOUND' ? 'DELETED' : after}.`;
    }
    throw new ResourceFailure(
      `Outbound connection ${connectionId} (${subjectOf(wanted)}) is ${status}: ${connection.ConnectionStatus?.Message ?? 'no message'}.${cleanup} ` +
        'Check both domains (engine versions, fine-grained access control, node-to-node encryption) and the remote owner, then deploy again.',
    );
  }
  if (reached(status, wanted.waitFor)) {
    return { done: true, physicalResourceId, data: { ConnectionId: connectionId, ConnectionStatus: status } };
  }
  return {
    done: false,
    waitingFor: `outbound connection ${connectionId} to be ${wanted.waitFor}`,
    lastSeen: status,
    physicalResourceId,
    task: { ...task, connectionId, origin: origin ?? 'adopted' },
  };
}

/**
 * The connection this Create made or adopted is not listed. DescribeOutboundConnections may not
 * show a connection made moments ago (Terraform's provider waits through not-found after a
 * create, and notes AWS "doesn't see our connection yet"), and the framework polls at once:
 * waited out for VISIBILITY_GRACE_MS. After that it has disappeared; one this Create made is
 * deleted before failing, since CloudFormation's Delete after a failed Create never reaches here.
 */
async function notListed(
  task: Extract<OutboundTask, { kind: 'create' }>,
  connectionId: string,
  origin: ConnectionOrigin | undefined,
  context: StepContext,
): Promise<Progress> {
  if (context.now - context.startedAt < VISIBILITY_GRACE_MS) {
    return { done: false, waitingFor: `outbound connection ${connectionId} to be ${task.wanted.waitFor}`, lastSeen: 'not listed yet' };
  }
  let cleanup = '';
  if (origin === 'created') {
    const after = await deleteUnlisted(connectionId, context).catch((error) => `not deleted (${errorName(error)}: ${errorMessage(error)})`);
    cleanup = ` The connection this Create made is ${after === 'NOT_FOUND' ? 'left to delete by hand' : after}.`;
  }
  throw new ResourceFailure(
    `Outbound connection ${connectionId} (${subjectOf(task.wanted)}) is not listed by DescribeOutboundConnections ` +
      `${VISIBILITY_GRACE_MS / 1000} seconds after it was made or found.${cleanup} Deploy again.`,
  );
}

type Found = { connection: ServiceConnection; origin: ConnectionOrigin };

/**
 * onEvent's decision: the connection that exists is adopted, otherwise one is created. Only
 * onEvent may make the connection: its answer (the Task handed to the polls, and the physical id
 * the framework reports) is the only record of "created" or "adopted" that lasts, while a poll's
 * answer is dropped until the wait ends, so a connection made by a poll would look adopted to the
 * next one, and a rollback would leave it behind. A look-up that still fails after the SDK's own
 * retries therefore fails the Create, which is safe: nothing was made, and CloudFormation never
 * sends a Delete that reaches this handler for it.
 */
async function adoptOrCreate(wanted: Wanted, context: StepContext): Promise<Found> {
  let existing: ServiceConnection | undefined;
  try {
    existing = await outboundByIdentity(wanted);
  } catch (error) {
    if (!isTransient(error)) throw error;
    throw callFailure(
      'DescribeOutboundConnections',
      subjectOf(wanted),
      error,
      'Nothing was made: this resource makes a connection only after it has seen that none exists. Deploy again.',
    );
  }
  if (existing !== undefined) {
    log(`outbound connection ${existing.ConnectionId} (${subjectOf(wanted)}) already exists: adopted, no new one is made`);
    return { connection: existing, origin: 'adopted' };
  }
  return create(wanted, context);
}

/**
 * A poll's part when onEvent did not decide (an Update whose stack status could not be read at
 * first, see `SituationPending` in lifecycle.ts): it adopts the connection that exists, since no
 * poll ever makes one, and otherwise fails without making anything (see `adoptOrCreate`).
 */
async function adoptOnly(wanted: Wanted): Promise<Found> {
  const existing = await outboundByIdentity(wanted);
  if (existing === undefined) {
    throw new ResourceFailure(
      `Outbound connection ${subjectOf(wanted)} was not made: the stack status could not be read when the update began, ` +
        'and only that first step may make a connection, so that whether this resource made it is always known. Nothing was made; deploy again.',
    );
  }
  log(`outbound connection ${existing.ConnectionId} (${subjectOf(wanted)}) exists: adopted, no new one is made`);
  return { connection: existing, origin: 'adopted' };
}

/** Tries of CreateOutboundConnection, each after a look-up that found nothing (the SDK itself sends it once). */
const CREATE_TRIES = 3;

/**
 * CreateOutboundConnection, just after a look-up found none. It has no idempotency token, so the
 * SDK sends it once: after a transient fault a look-up tells whether it made the connection
 * (found: made here), and only when it did not is it sent again. When the service says it already
 * exists, the one that exists is adopted.
 */
async function create(wanted: Wanted, context: StepContext): Promise<Found> {
  for (let tries = 1; ; tries++) {
    try {
      return await createOnce(wanted, context);
    } catch (error) {
      if (!isTransient(error)) throw error;
      const made = await madeDespite(wanted, error, tries < CREATE_TRIES);
      if (made !== undefined) return made;
      log(`CreateOutboundConnection ${subjectOf(wanted)}: ${errorName(error)}, nothing made; trying again`);
    }
  }
}

async function createOnce(wanted: Wanted, context: StepContext): Promise<Found> {
  // The stack's account and region are the local domain's (checked at synth). The model makes them
  // optional, but the developer guide's example and Terraform's provider always send them.
  const [, , , region, ownerId] = context.event.StackId.split(':');
  try {
    const connection = await createOutboundConnection(
      {
        LocalDomainInfo: { AWSDomainInformation: { DomainName: wanted.localDomainName, OwnerId: ownerId, Region: region } },
        RemoteDomainInfo: {
          AWSDomainInformation: { DomainName: wanted.remote.domainName, OwnerId: wanted.remote.ownerId, Region: wanted.remote.region },
        },
        ConnectionAlias: wanted.connectionAlias,
        ConnectionMode: wanted.connectionMode,
        ...(wanted.skipUnavailable ? { ConnectionProperties: { CrossClusterSearch: { SkipUnavailable: wanted.skipUnavailable } } } : {}),
      },
      subjectOf(wanted),
    );
    return { connection, origin: 'created' };
  } catch (error) {
    if (errorName(error) === 'ResourceAlreadyExistsException') {
      const existing = await outboundByIdentity(wanted);
      if (existing) {
        log(`CreateOutboundConnection ${subjectOf(wanted)}: already exists as ${existing.ConnectionId}, adopted`);
        return { connection: existing, origin: 'adopted' };
      }
      const sameAlias = await otherRemoteWithAlias(wanted);
      if (sameAlias) {
        // Whether an alias is unique per pair of domains or per local domain is not documented: the
        // latter refuses a replacement that keeps the alias. Nothing was made; waiting cannot help.
        throw callFailure(
          'CreateOutboundConnection',
          subjectOf(wanted),
          error,
          `Connection ${sameAlias.ConnectionId} of domain ${wanted.localDomainName} to domain ${sameAlias.RemoteDomainInfo?.AWSDomainInformation?.DomainName} ` +
            'already has this alias, and the service keeps an alias unique per local domain. Nothing was made: give this connection a new connectionAlias.',
        );
      }
      // Neither listed (yet): waiting would not tell which it is; the message says both ways out.
      throw callFailure(
        'CreateOutboundConnection',
        subjectOf(wanted),
        error,
        `DescribeOutboundConnections lists no connection of domain ${wanted.localDomainName} with this alias yet. ` +
          'Nothing was made: give this connection a new connectionAlias, or deploy again once the connection that holds it is listed.',
      );
    }
    if (errorName(error) === 'LimitExceededException') {
      throw callFailure(
        'CreateOutboundConnection',
        subjectOf(wanted),
        error,
        'A domain has at most 20 outgoing connections: delete one first.',
      );
    }
    throw error;
  }
}

/**
 * After a CreateOutboundConnection that failed with a transient fault: the connection it made;
 * undefined when nothing was made and it may be tried again; otherwise a failure.
 */
async function madeDespite(wanted: Wanted, fault: unknown, mayTryAgain: boolean): Promise<Found | undefined> {
  let made: ServiceConnection | undefined;
  try {
    made = await outboundByIdentity(wanted);
  } catch (error) {
    throw callFailure(
      'CreateOutboundConnection',
      subjectOf(wanted),
      fault,
      `Whether it made the connection could not be read (${errorName(error)}: ${errorMessage(error)}): ` +
        'look for it in the OpenSearch console and delete it there before you deploy again, or the next deployment adopts it.',
    );
  }
  if (made === undefined) {
    if (mayTryAgain) return undefined;
    throw callFailure('CreateOutboundConnection', subjectOf(wanted), fault, 'Nothing was made. Deploy again.');
  }
  log(`CreateOutboundConnection ${subjectOf(wanted)} failed, yet made ${made.ConnectionId} (none existed just before): created`);
  return { connection: made, origin: 'created' };
}
