/**
 * The CloudFormation stand-in of the local deploy runner, through the real SDK client: the
 * handlers' DescribeStacks must parse exactly as it would against CloudFormation.
 */
import { CloudFormationClient, DescribeStacksCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFormationFault, CloudFormationService, StackDescription } from '../../tools/local-deploy/cloudformation-service';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:111111111111:stack/Stand-In/0a1b2c3d-0000-4000-8000-000000000000';

describe('CloudFormation stand-in', () => {
  let service: CloudFormationService;
  let client: CloudFormationClient;
  let stack: StackDescription | undefined;
  let fault: CloudFormationFault | undefined;

  beforeAll(async () => {
    service = await CloudFormationService.start({
      describe: (name) => (stack && (name === stack.stackId || name === stack.stackName) ? stack : undefined),
      onRequest: () => fault,
    });
    client = new CloudFormationClient({ endpoint: service.endpoint, maxAttempts: 1 });
  });
  afterAll(async () => {
    client?.destroy();
    await service?.stop();
  });
  beforeEach(() => {
    fault = undefined;
    stack = undefined;
  });

  test.each([
    'CREATE_IN_PROGRESS',
    'ROLLBACK_IN_PROGRESS',
    'UPDATE_IN_PROGRESS',
    'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
    'UPDATE_ROLLBACK_IN_PROGRESS',
    'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
    'DELETE_IN_PROGRESS',
  ])('DescribeStacks answers %s as the SDK reads it', async (status) => {
    stack = { stackId: STACK_ID, stackName: 'Stand-In', stackStatus: status, creationTime: Date.UTC(2026, 0, 2, 3, 4, 5) };
    const response = await client.send(new DescribeStacksCommand({ StackName: STACK_ID }));
    expect(response.Stacks).toEqual([
      { StackId: STACK_ID, StackName: 'Stand-In', StackStatus: status, CreationTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) },
    ]);
    expect(service.calls.at(-1)).toEqual({ action: 'DescribeStacks', stackName: STACK_ID, answer: status });
  });

  test('text that needs escaping survives the XML', async () => {
    stack = { stackId: STACK_ID, stackName: 'a<b>&"c\'', stackStatus: 'UPDATE_IN_PROGRESS', creationTime: 0 };
    const response = await client.send(new DescribeStacksCommand({ StackName: 'a<b>&"c\'' }));
    expect(response.Stacks?.[0].StackName).toBe('a<b>&"c\'');
  });

  test('an unknown stack: ValidationError, as CloudFormation answers', async () => {
    await expect(client.send(new DescribeStacksCommand({ StackName: STACK_ID }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: `Stack with id ${STACK_ID} does not exist`,
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('another action: InvalidAction', async () => {
    await expect(client.send(new ListStacksCommand({}))).rejects.toMatchObject({ name: 'InvalidAction' });
  });

  test('an injected fault is the answer, with its code and HTTP status', async () => {
    stack = { stackId: STACK_ID, stackName: 'Stand-In', stackStatus: 'UPDATE_IN_PROGRESS', creationTime: 0 };
    fault = { httpStatus: 403, code: 'AccessDenied', message: 'not authorized to perform: cloudformation:DescribeStacks' };
    await expect(client.send(new DescribeStacksCommand({ StackName: STACK_ID }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'not authorized to perform: cloudformation:DescribeStacks',
      $metadata: { httpStatusCode: 403 },
    });
    expect(service.calls.at(-1)).toEqual({ action: 'DescribeStacks', stackName: STACK_ID, answer: 'AccessDenied' });
  });
});
