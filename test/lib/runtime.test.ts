import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { InboundConnectionRejection, OpenSearchLifecycleProvider } from '../../lib';
import { isNewestNodeRuntime } from '../../lib/private/runtime';
import { newStack } from './helpers';
import { installedVersion } from './nag';

const CDK_VERSION = installedVersion('aws-cdk-lib');

/**
 * The newest Node.js runtime of the installed aws-cdk-lib, found as cdk-nag's AwsSolutions-L1
 * finds it: every runtime of the family in `Runtime.ALL`, by version. Written apart from the
 * library's own choice, so that the two can disagree when aws-cdk-lib adds a runtime.
 */
function newestNodeRuntimeAsNagSeesIt(): string {
  const versions = lambda.Runtime.ALL.map((runtime) => /^nodejs(\d+)\.x$/.exec(runtime.name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]));
  return `nodejs${Math.max(...versions)}.x`;
}

/** The runtime of each of the library's two functions, by handler. */
function handlerRuntimes(stack: Stack): Record<string, string> {
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  return Object.fromEntries(
    Object.values(functions)
      .filter((fn) => /^index\./.test(fn.Properties.Handler))
      .map((fn) => [fn.Properties.Handler, fn.Properties.Runtime]),
  );
}

function stackWithRejection(configure?: (stack: Stack) => void): Stack {
  const stack = newStack();
  configure?.(stack);
  new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
  return stack;
}

describe('the runtime of the library functions', () => {
  test('is the newest Node.js runtime of the installed aws-cdk-lib', () => {
    const newest = newestNodeRuntimeAsNagSeesIt();
    const runtimes = handlerRuntimes(stackWithRejection());
    expect(Object.keys(runtimes).sort()).toEqual(['index.isComplete', 'index.onEvent']);
    for (const [handler, runtime] of Object.entries(runtimes)) {
      if (runtime !== newest) {
        // One line that names the cause when a new aws-cdk-lib release adds a runtime.
        throw new Error(
          `aws-cdk-lib ${CDK_VERSION} offers ${newest}, but the ${handler} function runs on ${runtime}: lib/private/runtime.ts no longer finds the newest Node.js runtime`,
        );
      }
    }
  });

  test('is never older than nodejs24.x, the choice at the floor of the supported range', () => {
    const major = Number(/^nodejs(\d+)\.x$/.exec(Object.values(handlerRuntimes(stackWithRejection()))[0])![1]);
    expect(major).toBeGreaterThanOrEqual(24);
  });

  test('can be pinned with the provider setting handlerRuntime', () => {
    const stack = stackWithRejection((s) => OpenSearchLifecycleProvider.configure(s, { handlerRuntime: lambda.Runtime.NODEJS_22_X }));
    expect(handlerRuntimes(stack)).toEqual({ 'index.onEvent': 'nodejs22.x', 'index.isComplete': 'nodejs22.x' });
  });

  test.each([
    [lambda.Runtime.PYTHON_3_13, /handlerRuntime must be a Node\.js runtime .*got python3\.13/],
    [lambda.Runtime.NODEJS_20_X, /handlerRuntime must be Node\.js 22 or newer .*got nodejs20\.x/],
  ])('a pinned %s is refused at synth', (runtime, message) => {
    expect(() => stackWithRejection((s) => OpenSearchLifecycleProvider.configure(s, { handlerRuntime: runtime }))).toThrow(message);
  });

  test('the same pinned runtime configured twice is the same setting; another one is refused', () => {
    const stack = newStack();
    OpenSearchLifecycleProvider.configure(stack, { handlerRuntime: lambda.Runtime.NODEJS_24_X });
    expect(() => OpenSearchLifecycleProvider.configure(stack, { handlerRuntime: lambda.Runtime.NODEJS_24_X })).not.toThrow();
    expect(() => OpenSearchLifecycleProvider.configure(stack, { handlerRuntime: lambda.Runtime.NODEJS_22_X })).toThrow(/handlerRuntime/);
  });
});

describe('the runtime of the Provider framework functions', () => {
  test('is compared with the newest one as cdk-nag compares it: only an older Node.js runtime is behind', () => {
    const newest = newestNodeRuntimeAsNagSeesIt();
    expect(isNewestNodeRuntime(newest)).toBe(true);
    expect(isNewestNodeRuntime('nodejs22.x')).toBe(newest === 'nodejs22.x');
    expect(isNewestNodeRuntime('nodejs20.x')).toBe(false);
  });
});
