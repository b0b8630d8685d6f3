import { describeStackStatus } from './cloudformation';
import { errorMessage, errorName, isTransient } from './opensearch';

/**
 * The stack statuses in which a Delete or an Update our handler receives is part of a rollback,
 * from CloudFormation's documented stack statuses. In each of them CloudFormation is undoing a
 * deployment that failed, so whatever a resource would end was there before that deployment.
 *
 * - `ROLLBACK_IN_PROGRESS`: the stack's creation failed; CloudFormation deletes every resource it
 *   created. A resource that adopted something existing must leave it: the stack never owned it.
 * - `UPDATE_ROLLBACK_IN_PROGRESS`: an update failed; CloudFormation sends every updated resource an
 *   Update back to its old properties (a package list that grows back, a connection id that
 *   returns). Such an Update must not act on what the failed update added.
 * - `UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS`: after that, CloudFormation deletes the
 *   resources the failed update created, and the new halves of replacements it made.
 * - `IMPORT_ROLLBACK_IN_PROGRESS`: a failed resource import is undone. Custom resources cannot be
 *   imported, so none of ours should be called here; should one be, it is part of an undo.
 * - `ROLLBACK_FAILED`, `UPDATE_ROLLBACK_FAILED`, `IMPORT_ROLLBACK_FAILED`, `ROLLBACK_COMPLETE`,
 *   `UPDATE_ROLLBACK_COMPLETE`, `IMPORT_ROLLBACK_COMPLETE`: resting states, in which CloudFormation
 *   sends no events. A status read just as a rollback ended may show one; the event belonged to
 *   that rollback.
 *
 * Every other status is a deployment the user asked for and acts: `DELETE_IN_PROGRESS` (the stack
 * is deleted, even after a rolled-back creation), `UPDATE_COMPLETE_CLEANUP_IN_PROGRESS` (a resource
 * removed from the template by a successful update, or the old half of a successful replacement),
 * `UPDATE_IN_PROGRESS`, `CREATE_IN_PROGRESS`.
 */
export const ROLLBACK_STATUSES: ReadonlySet<string> = new Set([
  'ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
  'IMPORT_ROLLBACK_IN_PROGRESS',
  'ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'IMPORT_ROLLBACK_FAILED',
  'ROLLBACK_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

/** The stack status as read, or why it could not be read yet (a fault that may clear). */
export type StatusReading = { readonly stackStatus: string } | { readonly transientFault: string };

/**
 * Reads the status of the stack the event came from. A transient fault that the SDK's own retries
 * did not clear comes back as `transientFault`, for the driver to retry at the next poll; any other
 * error (access denied, a stack CloudFormation does not know) is thrown.
 */
export async function readStackStatus(stackId: string): Promise<StatusReading> {
  try {
    const stackStatus = await describeStackStatus(stackId);
    if (stackStatus === undefined) {
      throw Object.assign(new Error(`DescribeStacks returned no status for stack ${stackId}`), { name: 'NoStackStatus' });
    }
    return { stackStatus };
  } catch (error) {
    if (isTransient(error)) {
      return { transientFault: `${errorName(error)}: ${errorMessage(error)}` };
    }
    throw error;
  }
}
