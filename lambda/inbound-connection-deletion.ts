import { parseInboundConnectionProperties } from '../lib/private/contracts/inbound-connection';
import {
  INBOUND_CONNECTION_DELETION_TYPE,
  inboundConnectionDeletionPhysicalId,
} from '../lib/private/contracts/inbound-connection-deletion';
import {
  ACCEPTED_STATUSES,
  ConnectionTask,
  ENDED_STATUSES,
  belongsElsewhere,
  currentStatus,
  destinationOf,
  isProgress,
  mutateOrReread,
  requireConnection,
  statusOf,
} from './inbound-connections';
import { Progress, ResourceKind, StepContext, rollbackNote } from './lifecycle';
import { log } from './log';
import { deleteInboundConnection, describeInboundConnection, isNotFound, rejectInboundConnection } from './opensearch';

interface DeletionTask extends ConnectionTask {
  /** `check`: the connection must exist; `status`: report it; `delete`: end it and wait. */
  readonly kind: 'check' | 'status' | 'delete';
}

const ENDING_STATUSES: ReadonlySet<string> = new Set(['DELETING', 'REJECTING']);

/**
 * InboundConnectionDeletion: on Delete, ends the connection (rejects it while pending, deletes it
 * once accepted) and waits until it is DELETED or REJECTED. Create and Update only check that the
 * named connection exists, so a typo fails the deployment instead of the stack deletion.
 *
 * The connection always existed before this resource, so a rollback never ends it: a Delete sent
 * by a rollback only reports the connection's status, and an Update sent by one (back to the old
 * connection id) reports it without the existence check, so that a rollback cannot fail on it.
 */
export const inboundConnectionDeletion: ResourceKind<DeletionTask> = {
  resourceType: INBOUND_CONNECTION_DELETION_TYPE,
  readsStackStatus: true,

  describe: (task) => {
    switch (task.kind) {
      case 'check':
        return `inbound connection ${task.connectionId} to be visible`;
      case 'status':
        return `the status of inbound connection ${task.connectionId}`;
      case 'delete':
        return `inbound connection ${task.connectionId} to be deleted`;
    }
  },

  plan(event, situation) {
    const props = parseInboundConnectionProperties(event.ResourceProperties);
    const physicalResourceId = inboundConnectionDeletionPhysicalId(props.connectionId);
    const subject = { connectionId: props.connectionId, domainName: props.domainName };
    const timeoutSeconds = props.timeoutSeconds;
    switch (event.RequestType) {
      case 'Create':
        return { physicalResourceId, timeoutSeconds, task: { ...subject, kind: 'check' as const } };
      case 'Update': {
        // A new id is a replacement: CloudFormation then deletes the old resource.
        const replacement = event.OldResourceProperties?.ConnectionId !== props.connectionId;
        if (replacement && !situation.rollback) {
          return { physicalResourceId, timeoutSeconds, task: { ...subject, kind: 'check' as const } };
        }
        // A rollback's Update back to the old connection only reports it: a rollback that fails
        // on a check leaves the stack stuck in UPDATE_ROLLBACK_FAILED.
        return {
          physicalResourceId: replacement ? physicalResourceId : (event.PhysicalResourceId ?? physicalResourceId),
          timeoutSeconds,
          task: { ...subject, kind: 'status' as const },
        };
      }
      case 'Delete':
        if (situation.rollback) {
          return {
            physicalResourceId,
            timeoutSeconds,
            task: { ...subject, kind: 'status' as const },
            note: rollbackNote(situation, `inbound connection ${props.connectionId} was there before this resource and is left as it is`),
          };
        }
        return { physicalResourceId, timeoutSeconds, task: { ...subject, kind: 'delete' as const } };
    }
  },

  async advance(task: DeletionTask, context: StepContext): Promise<Progress> {
    const waitingFor = this.describe(task);
    if (task.kind === 'status') {
      return currentStatus(task);
    }
    if (task.kind === 'check') {
      const found = await requireConnection(task, context, waitingFor);
      return isProgress(found) ? found : { done: true, data: { ConnectionStatus: statusOf(found) } };
    }
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
    if (status === 'PENDING_ACCEPTANCE') {
      status = await mutateOrReread(
        'RejectInboundConnection',
        task,
        context,
        status,
        () => rejectInboundConnection(task.connectionId),
        gone,
        'Check the connection in the OpenSearch console, then retry the stack deletion.',
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
        'Check the connection in the OpenSearch console, then retry the stack deletion.',
      );
    }
    if (ENDED_STATUSES.has(status)) {
      log(`inbound connection ${task.connectionId} is ${status}: done`);
      return { done: true, data: { ConnectionStatus: status } };
    }
    return { done: false, waitingFor, lastSeen: status };
  },
};
