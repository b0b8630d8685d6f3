import { CloudFormationClient, DescribeStacksCommand, paginateDescribeStackEvents } from '@aws-sdk/client-cloudformation';
import { log } from './log';
import { SDK_CLIENT_CONFIG, call } from './opensearch';

/**
 * The handlers' CloudFormation calls: the status of their own stack, and (PackageAssociation in a
 * rollback) its events, through the bundled,
 * pinned SDK client. The client uses the SDK's default endpoint resolution, so
 * AWS_ENDPOINT_URL_CLOUDFORMATION points it at another endpoint (the local deploy runner's
 * stand-in). Throttling, 5xx and network faults are retried by the SDK, with the same settings as
 * the OpenSearch client; the driver retries what is still failing after that at the next poll.
 */

let client: CloudFormationClient | undefined;

/** One client per Lambda container, created at the first call. */
function cloudformation(): CloudFormationClient {
  client ??= new CloudFormationClient(SDK_CLIENT_CONFIG);
  return client;
}

/**
 * The status of the stack with this id, e.g. `UPDATE_ROLLBACK_IN_PROGRESS`. The id is the stack's
 * ARN, which names this very stack even while it is being deleted (a name would not).
 */
export async function describeStackStatus(stackId: string): Promise<string | undefined> {
  const response = await call('DescribeStacks', stackId, () => cloudformation().send(new DescribeStacksCommand({ StackName: stackId })));
  const status = response.Stacks?.[0]?.StackStatus;
  log(`DescribeStacks ${stackId}: ${status ?? 'no status'}`);
  return status;
}

const STACK_TYPE = 'AWS::CloudFormation::Stack';

/**
 * When CloudFormation started the update of this resource that the stack is now rolling back: the
 * most recent `UPDATE_IN_PROGRESS` event of the resource that precedes the most recent stack-level
 * `UPDATE_ROLLBACK_IN_PROGRESS` event. DescribeStackEvents lists events newest first, so the
 * pages are read only until it is found. Undefined when the stack's events show no such moment.
 */
export async function forwardUpdateStartedAt(stackId: string, logicalResourceId: string): Promise<Date | undefined> {
  const found = await call('DescribeStackEvents', stackId, async () => {
    let rollbackSeen = false;
    for await (const page of paginateDescribeStackEvents({ client: cloudformation() }, { StackName: stackId })) {
      for (const event of page.StackEvents ?? []) {
        if (!rollbackSeen) {
          rollbackSeen =
            event.ResourceType === STACK_TYPE &&
            event.PhysicalResourceId === stackId &&
            event.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS';
        } else if (event.LogicalResourceId === logicalResourceId && event.ResourceStatus === 'UPDATE_IN_PROGRESS') {
          return event.Timestamp;
        }
      }
    }
    return undefined;
  });
  log(
    `DescribeStackEvents ${stackId}: update of ${logicalResourceId} ${found ? `started at ${found.toISOString()}` : 'before the rollback not found'}`,
  );
  return found;
}
