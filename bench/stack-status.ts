/**
 * The handlers read their stack's status (DescribeStacks) for a Delete or an Update of a kind
 * that adopts what existed before it. The in-process runs of the bench answer it with the
 * runner's CloudFormation stand-in: the stack is being deleted, a real removal.
 */
import { CloudFormationService } from '../tools/local-deploy/cloudformation-service';

/** Starts the stand-in for this stack id and points AWS_ENDPOINT_URL_CLOUDFORMATION at it; returns what undoes both. */
export async function answerStackStatus(stackId: string, stackStatus = 'DELETE_IN_PROGRESS'): Promise<() => Promise<void>> {
  const service = await CloudFormationService.start({
    describe: (name) => (name === stackId ? { stackId, stackName: 'BenchStack', stackStatus, creationTime: 0 } : undefined),
  });
  const previous = process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
  process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = service.endpoint;
  return async () => {
    if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
    else process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = previous;
    await service.stop();
  };
}
