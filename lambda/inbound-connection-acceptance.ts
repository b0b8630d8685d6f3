import { InboundConnection } from '@aws-sdk/client-opensearch';
import { DomainAddress, describeAddress } from '../lib/private/contracts/connection-ends';
import {
  INBOUND_CONNECTION_ACCEPTANCE_TYPE,
  connectionIdOfAcceptance,
  inboundConnectionAcceptancePhysicalId,
  parseInboundConnectionAcceptanceProperties,
} from '../lib/private/contracts/inbound-connection-acceptance';
import { PropertyKey } from '../lib/private/contracts/properties';
import {
  ACCEPTED_STATUSES,
  ENDED_STATUSES,
  belongsElsewhere,
  destinationOf,
  endInboundConnection,
  mutateOrReread,
  statusOf,
} from './inbound-connections';
import { Progress, ResourceFailure, ResourceKind, StepContext, rollbackNote, whereAsked } from './lifecycle';
import { acceptInboundConnection, describeInboundConnection, findInboundConnections } from './opensearch';

type AcceptanceTask =
  /**
   * Find the connection (by id, or by its source), accept it if pending, wait until ACTIVE.
   * `where` names the account and region looked in, for messages.
   */
  | {
      readonly kind: 'accept';
      readonly domainName: string;
      readonly connectionId?: string;
      readonly source?: DomainAddress;
      readonly where: string;
    }
  /** Only report the connection's status. */
  | { readonly kind: 'status'; readonly connectionId: string; readonly domainName: string }
  /** End the connection as InboundConnectionDeletion does. */
  | { readonly kind: 'end'; readonly connectionId: string; readonly domainName: string };

/** Statuses in which a connection can no longer be accepted. */
const UNACCEPTABLE_STATUSES: ReadonlySet<string> = new Set([...ENDED_STATUSES, 'REJECTING', 'DELETING']);

/** The properties that name the connection; any other change (the timeout) needs no call. */
const NAMING_KEYS = [PropertyKey.DOMAIN_NAME, PropertyKey.CONNECTION_ID, 'SourceDomainName', 'SourceOwnerId', 'SourceRegion'];

function sought(task: Extract<AcceptanceTask, { kind: 'accept' }>): string {
  return task.connectionId !== undefined
    ? `inbound connection ${task.connectionId} to domain ${task.domainName}`
    : `an inbound connection from ${describeAddress(task.source!)} to domain ${task.domainName}`;
}

/** The candidates: by id (whatever its status), or every connection from the source that has not ended. */
async function candidates(task: Extract<AcceptanceTask, { kind: 'accept' }>): Promise<InboundConnection[]> {
  if (task.connectionId !== undefined) {
    const connection = await describeInboundConnection(task.connectionId);
    return connection ? [connection] : [];
  }
  const source = task.source!;
  const found = await findInboundConnections(
    [
      { Name: 'local-domain-info.owner-id', Values: [source.ownerId] },
      { Name: 'local-domain-info.region', Values: [source.region] },
      { Name: 'local-domain-info.domain-name', Values: [source.domainName] },
      { Name: 'remote-domain-info.domain-name', Values: [task.domainName] },
    ],
    `from ${describeAddress(source)}`,
  );
  return found.filter((connection) => !UNACCEPTABLE_STATUSES.has(statusOf(connection)));
}

/**
 * InboundConnectionAcceptance: finds an inbound connection (by id, or by the domain it comes
 * from), accepts it while pending and waits until ACTIVE; on Delete ends it as
 * InboundConnectionDeletion does. The connection is always made by the source's owner, so during
 * a rollback this kind never ends it.
 */
export const inboundConnectionAcceptance: ResourceKind<AcceptanceTask> = {
  resourceType: INBOUND_CONNECTION_ACCEPTANCE_TYPE,
  readsStackStatus: true,

  describe: (task) => {
    switch (task.kind) {
      case 'accept':
        return `${sought(task)} in ${task.where} to be ACTIVE`;
      case 'status':
        return `the status of inbound connection ${task.connectionId}`;
      case 'end':
        return `inbound connection ${task.connectionId} to be deleted`;
    }
  },

  plan(event, situation) {
    const props = parseInboundConnectionAcceptanceProperties(event.ResourceProperties);
    const { timeoutSeconds, domainName } = props;
    const held = connectionIdOfAcceptance(event.PhysicalResourceId);
    const accept = {
      physicalResourceId: inboundConnectionAcceptancePhysicalId(props.connectionId ?? `from-${props.source!.domainName}`),
      timeoutSeconds,
      task: { kind: 'accept' as const, domainName, connectionId: props.connectionId, source: props.source, where: whereAsked(event) },
    };
    switch (event.RequestType) {
      case 'Create':
        return accept;
      case 'Update':
        if (held && NAMING_KEYS.every((key) => event.OldResourceProperties?.[key] === event.ResourceProperties[key])) {
          return {
            physicalResourceId: event.PhysicalResourceId!,
            timeoutSeconds,
            task: { kind: 'status' as const, connectionId: held, domainName },
          };
        }
        // Another connection is a replacement (a new physical id); the same one found another way is not.
        return accept;
      case 'Delete':
        if (!held) {
          return { physicalResourceId: `${event.PhysicalResourceId}:not-made-here`, timeoutSeconds };
        }
        if (situation.rollback) {
          // Reads only: the attributes are still reported.
          return {
            physicalResourceId: event.PhysicalResourceId!,
            timeoutSeconds,
            task: { kind: 'status' as const, connectionId: held, domainName },
            note: rollbackNote(situation, `connection ${held} was made by its source's owner and is left as it is`),
          };
        }
        return {
          physicalResourceId: event.PhysicalResourceId!,
          timeoutSeconds,
          task: { kind: 'end' as const, connectionId: held, domainName },
        };
    }
  },

  async advance(task: AcceptanceTask, context: StepContext): Promise<Progress> {
    const waitingFor = this.describe(task);
    if (task.kind === 'end') {
      return endInboundConnection(task, context, waitingFor);
    }
    if (task.kind === 'status') {
      const connection = await describeInboundConnection(task.connectionId);
      return { done: true, data: { ConnectionId: task.connectionId, ConnectionStatus: connection ? statusOf(connection) : 'NOT_FOUND' } };
    }
    const found = await candidates(task);
    if (found.length === 0) {
      // The source's stack may deploy later, or at the same time: wait until the deadline.
      return { done: false, waitingFor, lastSeen: 'not visible yet' };
    }
    if (found.length > 1) {
      const listed = found.map((connection) => `${connection.ConnectionId} (${statusOf(connection)})`).join(', ');
      throw new ResourceFailure(
        `Found ${found.length} connections from ${describeAddress(task.source!)} to domain ${task.domainName}: ${listed}; nothing was accepted. ` +
          'Name the one to accept with connectionId.',
      );
    }
    const [connection] = found;
    const connectionId = connection.ConnectionId!;
    if (belongsElsewhere({ connectionId, domainName: task.domainName }, connection)) {
      throw new ResourceFailure(
        `Inbound connection ${connectionId} goes to domain ${destinationOf(connection)}, not ${task.domainName}; nothing was changed. Check connectionId and domain.`,
      );
    }
    let status = statusOf(connection);
    if (UNACCEPTABLE_STATUSES.has(status)) {
      throw new ResourceFailure(
        `Inbound connection ${connectionId} is ${status} and can no longer be accepted; nothing was changed. ` +
          "Ask the source's owner for a new connection (deploy its OutboundConnection again).",
      );
    }
    if (status === 'PENDING_ACCEPTANCE') {
      status = await mutateOrReread(
        'AcceptInboundConnection',
        { connectionId },
        context,
        status,
        () => acceptInboundConnection(connectionId),
        (now) => now !== undefined && ACCEPTED_STATUSES.has(now),
        'A domain accepts at most 20 incoming connections: check the domain in the OpenSearch console.',
      );
    }
    const physicalResourceId = inboundConnectionAcceptancePhysicalId(connectionId);
    if (status === 'ACTIVE') {
      return { done: true, physicalResourceId, data: { ConnectionId: connectionId, ConnectionStatus: status } };
    }
    return {
      done: false,
      waitingFor: `inbound connection ${connectionId} to be ACTIVE`,
      lastSeen: status,
      physicalResourceId,
      task: { ...task, connectionId },
    };
  },
};
