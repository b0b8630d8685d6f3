import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { log } from './log';
import { SDK_CLIENT_CONFIG, call } from './opensearch';

/**
 * The handlers' one CloudFormation call: the status of their own stack, through the bundled,
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
