/**
 * The CloudFormation stand-in of the local deploy runner, through the real SDK client: the
 * handlers' DescribeStacks must parse exactly as it would against CloudFormation.
 */
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStacksCommand,
  paginateDescribeStackEvents,
} from '@aws-sdk/client-cloudformation';
import {
  CloudFormationFault,
  CloudFormationService,
  STACK_EVENTS_PAGE_SIZE,
  StackDescription,
  StackEventDescription,
} from '../../tools/local-deploy/cloudformation-service';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:111111111111:stack/Stand-In/0a1b2c3d-0000-4000-8000-000000000000';

describe('CloudFormation stand-in', () => {
  let service: CloudFormationService;
  let client: CloudFormationClient;
  let stack: StackDescription | undefined;
  let fault: CloudFormationFault | undefined;
  let events: StackEventDescription[] = [];

  beforeAll(async () => {
    service = await CloudFormationService.start({
      describe: (name) => (stack && (name === stack.stackId || name === stack.stackName) ? stack : undefined),
      events: () => events,
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
    events = [];
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

  const stackEvent = (logicalResourceId: string, resourceStatus: string, timestamp: number): StackEventDescription => ({
    stackId: STACK_ID,
    stackName: 'Stand-In',
    logicalResourceId,
    physicalResourceId: logicalResourceId === 'Stand-In' ? STACK_ID : `${logicalResourceId}-id`,
    resourceType: logicalResourceId === 'Stand-In' ? 'AWS::CloudFormation::Stack' : 'Custom::Thing',
    timestamp,
    resourceStatus,
  });

  test('DescribeStackEvents answers the events newest first, with every field the SDK reads', async () => {
    stack = { stackId: STACK_ID, stackName: 'Stand-In', stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS', creationTime: 0 };
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    events = [
      stackEvent('Stand-In', 'UPDATE_IN_PROGRESS', t),
      stackEvent('Thing', 'UPDATE_IN_PROGRESS', t + 1),
      { ...stackEvent('Thing', 'UPDATE_FAILED', t + 2), resourceStatusReason: 'a <bad> & "odd" thing' },
      stackEvent('Stand-In', 'UPDATE_ROLLBACK_IN_PROGRESS', t + 3),
    ];
    const response = await client.send(new DescribeStackEventsCommand({ StackName: STACK_ID }));
    expect(response.NextToken).toBeUndefined();
    expect(response.StackEvents).toEqual([
      {
        StackId: STACK_ID,
        EventId: '4',
        StackName: 'Stand-In',
        LogicalResourceId: 'Stand-In',
        PhysicalResourceId: STACK_ID,
        ResourceType: 'AWS::CloudFormation::Stack',
        Timestamp: new Date(t + 3),
        ResourceStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
      },
      {
        StackId: STACK_ID,
        EventId: '3',
        StackName: 'Stand-In',
        LogicalResourceId: 'Thing',
        PhysicalResourceId: 'Thing-id',
        ResourceType: 'Custom::Thing',
        Timestamp: new Date(t + 2),
        ResourceStatus: 'UPDATE_FAILED',
        ResourceStatusReason: 'a <bad> & "odd" thing',
      },
      expect.objectContaining({
        EventId: '2',
        LogicalResourceId: 'Thing',
        ResourceStatus: 'UPDATE_IN_PROGRESS',
        Timestamp: new Date(t + 1),
      }),
      expect.objectContaining({
        EventId: '1',
        LogicalResourceId: 'Stand-In',
        ResourceStatus: 'UPDATE_IN_PROGRESS',
        Timestamp: new Date(t),
      }),
    ]);
    expect(service.calls.at(-1)).toEqual({ action: 'DescribeStackEvents', stackName: STACK_ID, answer: '4 events' });
  });

  test('DescribeStackEvents pages: the SDK paginator reads every event once, newest first', async () => {
    stack = { stackId: STACK_ID, stackName: 'Stand-In', stackStatus: 'UPDATE_IN_PROGRESS', creationTime: 0 };
    const count = STACK_EVENTS_PAGE_SIZE * 2 + 5;
    events = Array.from({ length: count }, (_, i) => stackEvent(`Thing${i}`, 'CREATE_COMPLETE', 1_000 + i));
    const read: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeStackEvents({ client }, { StackName: STACK_ID })) {
      pages++;
      read.push(...(page.StackEvents ?? []).map((e) => e.LogicalResourceId!));
    }
    expect(pages).toBe(3);
    expect(read).toEqual(events.map((e) => e.logicalResourceId).reverse());
  });

  test('DescribeStackEvents of an unknown stack: ValidationError', async () => {
    await expect(client.send(new DescribeStackEventsCommand({ StackName: STACK_ID }))).rejects.toMatchObject({
      name: 'ValidationError',
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
