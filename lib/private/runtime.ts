import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Which Node.js runtime the library's own functions (onEvent and isComplete) run on.
 *
 * The newest one the installed aws-cdk-lib knows, read at synth time from its `Runtime.NODEJS_<n>_X`
 * constants, so that a new aws-cdk-lib release that adds a runtime moves the functions on without a
 * release of this library (cdk-nag's AwsSolutions-L1 asks for exactly that runtime). Never older
 * than `NODEJS_24_X`, the floor release's choice. A provider setting can pin another one.
 */

/** The oldest runtime the library chooses by itself: the newest one of aws-cdk-lib 2.224.0, the floor. */
const FLOOR_RUNTIME_MAJOR = 24;

/**
 * The oldest Node.js major a user may pin. The handler bundle is built for it (esbuild
 * `--target=node22`, see the `bundle` script), and the pinned AWS SDK needs Node.js 22 or newer.
 */
export const OLDEST_PINNABLE_NODE_MAJOR = 22;

/** The Node.js major of a runtime such as `nodejs24.x`; undefined for any other name. */
export function nodeMajorOf(runtime: lambda.Runtime): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return match ? Number(match[1]) : undefined;
}

/**
 * The newest `Runtime.NODEJS_<n>_X` of the installed aws-cdk-lib. The constants are read by name
 * rather than from `Runtime.ALL`, which also holds runtimes an app made with `new Runtime(...)`.
 */
export function newestNodeRuntime(): lambda.Runtime {
  let newest: lambda.Runtime | undefined;
  let newestMajor = 0;
  for (const name of Object.getOwnPropertyNames(lambda.Runtime)) {
    const match = /^NODEJS_(\d+)_X$/.exec(name);
    const runtime = (lambda.Runtime as unknown as Record<string, unknown>)[name];
    if (match && runtime instanceof lambda.Runtime && Number(match[1]) > newestMajor) {
      newest = runtime;
      newestMajor = Number(match[1]);
    }
  }
  return newest && newestMajor >= FLOOR_RUNTIME_MAJOR ? newest : lambda.Runtime.NODEJS_24_X;
}

/**
 * Checks a runtime a user pins: Node.js, from Node.js 22 on. Returns the reason it is refused, or
 * undefined when it is fine.
 */
export function pinnedRuntimeProblem(runtime: lambda.Runtime): string | undefined {
  const major = nodeMajorOf(runtime);
  if (runtime.family !== lambda.RuntimeFamily.NODEJS || major === undefined) {
    return `handlerRuntime must be a Node.js runtime (lambda.Runtime.NODEJS_<n>_X); got ${runtime.name}`;
  }
  if (major < OLDEST_PINNABLE_NODE_MAJOR) {
    return `handlerRuntime must be Node.js ${OLDEST_PINNABLE_NODE_MAJOR} or newer (the handler bundle and its AWS SDK need it); got ${runtime.name}`;
  }
  return undefined;
}

/**
 * Whether a function's runtime, as written in the template, is the newest of its family that the
 * installed aws-cdk-lib knows: what cdk-nag's AwsSolutions-L1 checks. A runtime that is a token
 * (a regional fact of a stack without a region) cannot be compared and counts as newest.
 */
export function isNewestNodeRuntime(runtimeName: string): boolean {
  return !/^nodejs\d+\.x$/.test(runtimeName) || runtimeName === newestNodeRuntime().name;
}
