import { parseInboundConnectionProperties } from '../lib/private/contracts/inbound-connection';
import {
  INBOUND_CONNECTION_REJECTION_TYPE,
  inboundConnectionRejectionPhysicalId,
} from '../lib/private/contracts/inbound-connection-rejection';
import {
  ACCEPTED_STATUSES,
  ConnectionTask,
  ENDED_STATUSES,
  currentStatus,
  isProgress,
  mutateOrReread,
  requireConnection,
  statusOf,
} from './inbound-connections';
import { Progress, ResourceFailure, ResourceKind, StepContext, rollbackNote } from './lifecycle';
import { rejectInboundConnection } from './opensearch';

interface RejectionTask extends ConnectionTask {
  /** `reject`: reject the connection and wait; `status`: only report its status. */
  readonly kind: 'reject' | 'status';
}

/** Statuses that leave nothing to reject: rejected, or on its way out anyway. */
const DONE_STATUSES: ReadonlySet<string> = new Set([...ENDED_STATUSES, 'DELETING']);

/**
 * InboundConnectionRejection: rejects a pending inbound connection on Create, and on an Update
 * that names another connection. Delete changes nothing: a rejection cannot be undone.
 *
 * An Update sent by a rollback (a failed update had named another connection; the rollback
 * names the old one again) rejects nothing: this resource rejected the old connection before the
 * failed update, so it is REJECTED, or no longer listed once the service has forgotten it (about 15
 * days later), in which case rejecting it again would fail the rollback itself. It only reports
 * the old connection's status. The connection the failed update rejected stays rejected: a
 * rejection cannot be undone, by a rollback or by anything else.
 */
export const inboundConnectionRejection: ResourceKind<RejectionTask> = {
  resourceType: INBOUND_CONNECTION_REJECTION_TYPE,
  readsStackStatus: true,

  describe: (task) =>
    task.kind === 'reject'
      ? `inbound connection ${task.connectionId} to be rejected`
      : `the status of inbound connection ${task.connectionId}`,

  plan(event, situation) {
    const props = parseInboundConnectionProperties(event.ResourceProperties);
    const physicalResourceId = inboundConnectionRejectionPhysicalId(props.connectionId);
    const subject = { connectionId: props.connectionId, domainName: props.domainName };
    const reject = { physicalResourceId, timeoutSeconds: props.timeoutSeconds, task: { ...subject, kind: 'reject' as const } };
    switch (event.RequestType) {
      case 'Create':
        return reject;
      case 'Update': {
        const replacement = event.OldResourceProperties?.ConnectionId !== props.connectionId;
        if (replacement && !situation.rollback) {
          return reject;
        }
        return {
          physicalResourceId: replacement ? physicalResourceId : (event.PhysicalResourceId ?? physicalResourceId),
          timeoutSeconds: props.timeoutSeconds,
          task: { ...subject, kind: 'status' as const },
          note: replacement
            ? rollbackNote(
                situation,
                `inbound connection ${props.connectionId} was rejected by this resource before the failed update and is not rejected again`,
              )
            : undefined,
        };
      }
      case 'Delete':
        return { physicalResourceId, timeoutSeconds: props.timeoutSeconds };
    }
  },

  async advance(task: RejectionTask, context: StepContext): Promise<Progress> {
    if (task.kind === 'status') {
      return currentStatus(task);
    }
    const waitingFor = this.describe(task);
    const found = await requireConnection(task, context, waitingFor);
    if (isProgress(found)) {
      return found;
    }
    let status = statusOf(found);
    if (status === 'PENDING_ACCEPTANCE') {
      status = await mutateOrReread(
        'RejectInboundConnection',
        task,
        context,
        status,
        () => rejectInboundConnection(task.connectionId),
        (now) => now === 'REJECTING' || DONE_STATUSES.has(now ?? 'DELETED'),
        'Check the connection in the OpenSearch console.',
      );
    }
    if (DONE_STATUSES.has(status)) {
      return { done: true, data: { ConnectionStatus: status } };
    }
    if (ACCEPTED_STATUSES.has(status)) {
      throw new ResourceFailure(
        `Inbound connection ${task.connectionId} is already accepted (${status}) and can no longer be rejected; ` +
          'nothing was changed. To remove it, use InboundConnectionDeletion instead.',
      );
    }
    return { done: false, waitingFor, lastSeen: status };
  },
};
