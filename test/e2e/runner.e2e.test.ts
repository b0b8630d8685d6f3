/**
 * Self-tests of the local deploy runner, with a throw-away provider (inline handler code, the
 * real aws-cdk-lib Provider framework) whose answers the test chooses: responses CloudFormation
 * would refuse are flagged with its wording, properties arrive stringified, a handler error
 * reaches the Reason the way Lambda and the framework shape it, and no wait outlasts the
 * resource's ServiceTimeout.
 */
import { CfnOutput, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Runner, expectNoResponseUrlLeak, lastEvent, startRunner, statuses, synth } from './helpers';

const HANDLER = `
exports.onEvent = async (event) => {
  const mode = event.ResourceProperties.Mode;
  if (event.RequestType === 'Delete') return {};
  switch (mode) {
    case 'too-long': return { PhysicalResourceId: 'too-long', Data: { Blob: 'x'.repeat(5000) } };
    case 'long-id': return { PhysicalResourceId: 'i'.repeat(1100) };
    case 'no-attribute': return { PhysicalResourceId: 'no-attribute', Data: {} };
    case 'throw': {
      const error = new Error('boom from the handler');
      error.name = 'SelfTestError';
      throw error;
    }
    default:
      return {
        PhysicalResourceId: 'echo-' + event.LogicalResourceId,
        Data: { Echo: JSON.stringify(event.ResourceProperties), Old: JSON.stringify(event.OldResourceProperties || null) },
      };
  }
};
exports.isComplete = async (event) => ({ IsComplete: event.RequestType === 'Delete' || event.ResourceProperties.Mode !== 'never' });
`;

type Mode = 'echo' | 'too-long' | 'long-id' | 'no-attribute' | 'throw' | 'never';

/** A stack with one custom resource of the self-test provider. */
function selfTestStack(
  stackName: string,
  mode: Mode,
  extra: Record<string, unknown> = {},
  attribute = 'Echo',
  // By default longer than the ServiceTimeout below, so that CloudFormation's own timeout comes first.
  totalTimeout = Duration.hours(1),
  // Every poll costs two process starts of real time: as few as the test needs.
  queryInterval = Duration.seconds(10),
) {
  return synth(stackName, (stack: Stack) => {
    const fn = (id: string, handler: string) =>
      new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_20_X, handler, code: lambda.Code.fromInline(HANDLER) });
    const provider = new cr.Provider(stack, 'Provider', {
      onEventHandler: fn('OnEvent', 'index.onEvent'),
      isCompleteHandler: fn('IsComplete', 'index.isComplete'),
      queryInterval,
      totalTimeout,
    });
    const resource = new CustomResource(stack, 'Subject', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SelfTest',
      // Virtual time (discrete-event): 10 minutes cost only the real time of the polls in them.
      serviceTimeout: Duration.minutes(10),
      properties: { Mode: mode, ...extra },
    });
    new CfnOutput(stack, 'Attribute', { value: resource.getAttString(attribute) });
    return { subject: resource };
  });
}

describe('where port 443 cannot be bound', () => {
  test('the framework reaches the ResponseURL endpoint through the port-redirecting preload', async () => {
    const runner = await startRunner({}, {}, 150, undefined, { avoidPort443: true });
    try {
      const { run } = runner;
      expect(run.responseEndpoint.port).not.toBe(443);
      const stack = selfTestStack('SelfTestRedirect', 'echo');
      expect(await run.deploy(stack.cdkOut, 'SelfTestRedirect')).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
      expect(await run.destroy('SelfTestRedirect')).toMatchObject({ ok: true, status: 'DELETE_COMPLETE' });
      // The URL still names no port, like CloudFormation's: the preload supplied it.
      expect(run.requests.every((request) => new URL(request.ResponseURL).port === '')).toBe(true);
    } finally {
      await runner.run.stop();
    }
  });
});

describe('local deploy runner self-tests', () => {
  let runner: Runner;

  beforeAll(async () => {
    runner = await startRunner({}, {}, 150);
  });
  afterAll(() => runner?.run.stop());

  /** Deploys, expects CREATE_FAILED with the reason, and a rollback Delete of the resource. */
  async function expectCreateFailure(stackName: string, mode: Mode, attribute?: string, totalTimeout?: Duration, queryInterval?: Duration) {
    const stack = selfTestStack(stackName, mode, {}, attribute, totalTimeout, queryInterval);
    const { run } = runner;
    const result = await run.deploy(stack.cdkOut, stackName);
    expect(result).toMatchObject({ ok: false, failed: [stack.ids.subject], status: 'ROLLBACK_COMPLETE' });
    expect(statuses(run, stack.ids.subject, stackName)).toEqual([
      'CREATE_IN_PROGRESS',
      'CREATE_FAILED',
      'DELETE_IN_PROGRESS',
      'DELETE_COMPLETE',
    ]);
    const ofStack = run.requests.filter((request) => request.StackId.includes(`:stack/${stackName}/`));
    const rollbackDelete = ofStack.filter((request) => request.LogicalResourceId === stack.ids.subject).pop()!;
    expect(rollbackDelete.RequestType).toBe('Delete');
    return {
      reason: lastEvent(run, stack.ids.subject, 'CREATE_FAILED', stackName)!.reason!,
      rollbackDelete,
      stackId: ofStack[0].StackId,
    };
  }

  test('a response over 4096 bytes fails the resource: "Response object is too long."', async () => {
    const { reason, rollbackDelete } = await expectCreateFailure('SelfTestTooLong', 'too-long');
    expect(reason).toBe('Response object is too long.');
    const answer = runner.run.responses
      .filter((response) => response.role === 'answer' && response.request.RequestType === 'Create')
      .pop()!;
    expect(Buffer.byteLength(answer.raw)).toBeGreaterThan(4096);
    expect(answer.verdict).toEqual({ ok: false, reason: 'Response object is too long.' });
    // CloudFormation could not read the answer, so it deletes under a physical id it makes up.
    expect(rollbackDelete.PhysicalResourceId).toMatch(/^SelfTestTooLong-Subject-[0-9A-F]{12}$/);
  });

  test('a physical id over 1 KB fails the resource: "Invalid PhysicalResourceId"', async () => {
    const { reason } = await expectCreateFailure('SelfTestLongId', 'long-id');
    expect(reason).toBe('Invalid PhysicalResourceId');
  });

  test('a SUCCESS without an attribute the template reads fails the resource', async () => {
    const { reason, rollbackDelete } = await expectCreateFailure('SelfTestNoAttribute', 'no-attribute', 'Missing');
    expect(reason).toMatch(
      /^CustomResource attribute error: Vendor response doesn't contain Missing key in object arn:aws:cloudformation:/,
    );
    expect(rollbackDelete.PhysicalResourceId).toBe('no-attribute');
  });

  test('a handler error comes back as Lambda and the framework shape it, and the marker Delete skips the handler', async () => {
    const { reason, rollbackDelete, stackId } = await expectCreateFailure('SelfTestThrow', 'throw');
    expect(reason).toMatch(/^Received response status \[FAILED\] from custom resource\. Message returned: boom from the handler\n/);
    expect(reason).toMatch(/\nLogs: \/aws\/lambda\/OnEvent[0-9A-F]{8}\n/);
    // The trace lines of the Lambda error payload, which the framework appends.
    expect(reason).toMatch(/\n {4}at .*index\.js:\d+:\d+/);
    expect(rollbackDelete.PhysicalResourceId).toBe('AWSCDK::CustomResourceProviderFramework::CREATE_FAILED');
    const userCalls = runner.run.invocations.filter(
      (invocation) => invocation.handler === 'index.onEvent' && JSON.parse(invocation.payload).StackId === stackId,
    );
    expect(userCalls.map((invocation) => JSON.parse(invocation.payload).RequestType)).toEqual(['Create']);
    expect(userCalls[0].outcome).toBe('error');
    expect(JSON.parse(userCalls[0].result!)).toMatchObject({ errorType: 'SelfTestError', errorMessage: 'boom from the handler' });
  });

  test('properties arrive stringified, also inside lists and objects; Update carries the old ones', async () => {
    const { run } = runner;
    const typed = { Count: 42, Enabled: true, List: [1, false, 'x'], Nested: { Deep: [3, { Flag: false }] } };
    const v1 = selfTestStack('SelfTestEcho', 'echo', typed);
    const v2 = selfTestStack('SelfTestEcho', 'echo', { ...typed, Count: 43 });
    const stringified = {
      Mode: 'echo',
      Count: '42',
      Enabled: 'true',
      List: ['1', 'false', 'x'],
      Nested: { Deep: ['3', { Flag: 'false' }] },
    };

    const created = await run.deploy(v1.cdkOut, 'SelfTestEcho');
    expect(created).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const create = run.requests.filter((request) => request.LogicalResourceId === v1.ids.subject).pop()!;
    expect(create.ResourceProperties).toEqual({ ServiceToken: expect.any(String), ServiceTimeout: '600', ...stringified });
    // What the handler saw, read back through Fn::GetAtt in an Output.
    expect(JSON.parse(String(created.outputs.Attribute))).toEqual(create.ResourceProperties);

    expect(await run.deploy(v2.cdkOut, 'SelfTestEcho')).toMatchObject({ ok: true, status: 'UPDATE_COMPLETE' });
    const update = run.requests.filter((request) => request.LogicalResourceId === v1.ids.subject).pop()!;
    expect(update).toMatchObject({
      RequestType: 'Update',
      PhysicalResourceId: `echo-${v1.ids.subject}`,
      ResourceProperties: { Count: '43' },
      OldResourceProperties: { Count: '42', List: ['1', 'false', 'x'] },
    });
    expect(await run.destroy('SelfTestEcho')).toMatchObject({ ok: true, status: 'DELETE_COMPLETE' });
  });

  test("the waiter's retries run out: Catch hands {Error, Cause} to onTimeout, which answers 'Operation timed out'", async () => {
    const { reason, stackId } = await expectCreateFailure('SelfTestWaiter', 'never', undefined, Duration.minutes(1));
    expect(reason).toMatch(/^Received response status \[FAILED\] from custom resource\. Message returned: Operation timed out /);
    const execution = runner.run.executions.find((candidate) => JSON.parse(candidate.input).StackId === stackId)!;
    // 1 minute / 10 s: the first attempt and 6 retries, then the catcher.
    expect(execution.history.map((step) => step.state)).toEqual([
      ...Array(7).fill('framework-isComplete-task'),
      'framework-onTimeout-task',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
  });

  // Last: its waiter keeps polling in the background until the runner stops, as on AWS.
  test('no answer within ServiceTimeout: CloudFormation gives up, and deletes under an invented id', async () => {
    // Polls every 2 minutes: 5 of them before the ServiceTimeout (10 minutes), not 60.
    const { reason, rollbackDelete } = await expectCreateFailure('SelfTestNever', 'never', undefined, undefined, Duration.minutes(2));
    expect(reason).toMatch(
      /^CloudFormation did not receive a response from your Custom Resource\. Please check your logs for requestId \[[0-9a-f-]{36}\]\./,
    );
    expect(rollbackDelete.PhysicalResourceId).toMatch(/^SelfTestNever-Subject-[0-9A-F]{12}$/);
  });

  test('the ResponseURL never shows in the output or in any function log', () => {
    expectNoResponseUrlLeak(runner);
  });
});
