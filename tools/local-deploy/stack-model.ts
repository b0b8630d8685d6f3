/**
 * What the runner needs to know about one synthesized stack: its Lambda functions (to run them),
 * its state machines (to interpret them), and the custom resources it plays, with the
 * dependencies between them.
 */
import { StackArtifact, TemplateResource, codeDirectory } from './assembly';
import { PlayedState, Resolver, references } from './intrinsics';

export interface FunctionSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** `file.export`, e.g. `framework.onEvent`, `index.onEvent`. */
  readonly handler: string;
  readonly runtime: string;
  /** The unpacked code; undefined when it cannot be run locally (see codeError). */
  readonly codeDir?: string;
  readonly codeError?: string;
  /** The function's environment from the template, resolved. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly logGroupName: string;
  /** The ARN of the function's execution role: whose policies the runner evaluates its calls against, and the principal a domain's security plugin sees. */
  readonly roleArn?: string;
}

export interface StateMachineSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly definition: unknown;
}

export interface PlayedSpec {
  readonly logicalId: string;
  readonly type: string;
  /** The template properties, unresolved: they are resolved when the resource's turn comes. */
  readonly properties: Record<string, unknown>;
  /** Played resources this one depends on (DependsOn, Ref, Fn::GetAtt, also through other resources). */
  readonly dependsOn: readonly string[];
  /** The Provider framework onEvent function its ServiceToken names. */
  readonly serviceToken: FunctionSpec;
}

/** An IAM policy resource the runner plays (see iam.ts): attached to roles, in the stack's order. */
export interface PolicySpec {
  readonly logicalId: string;
  readonly type: 'AWS::IAM::Policy' | 'AWS::IAM::ManagedPolicy';
  /** The template properties, unresolved. */
  readonly properties: Record<string, unknown>;
  /** Played resources and policies this one depends on. */
  readonly dependsOn: readonly string[];
}

export const POLICY_TYPES: ReadonlySet<string> = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']);

export interface StackModel {
  readonly artifact: StackArtifact;
  readonly functions: readonly FunctionSpec[];
  readonly stateMachines: readonly StateMachineSpec[];
  readonly played: ReadonlyMap<string, PlayedSpec>;
  /** The IAM policy resources, played as CloudFormation would, with no Lambda behind them. */
  readonly policies: ReadonlyMap<string, PolicySpec>;
  /** Custom resources left alone, and why. */
  readonly skipped: ReadonlyArray<{ logicalId: string; type: string; reason: string }>;
  /** For each played resource, the Data attributes the template reads with Fn::GetAtt. */
  readonly attributesRead: ReadonlyMap<string, ReadonlySet<string>>;
  /** A resolver over this template, reading played resources' state through `played`. */
  resolver(played: (logicalId: string) => PlayedState | undefined): Resolver;
}

const isCustomResourceType = (type: string) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

function dependsOnList(resource: TemplateResource): string[] {
  const value = resource.DependsOn;
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

export function buildStackModel(artifact: StackArtifact, stackId: string): StackModel {
  const template = artifact.template;
  let playedIds = new Set<string>();
  const makeResolver = (played: (logicalId: string) => PlayedState | undefined) =>
    new Resolver({
      env: artifact.env,
      stackName: artifact.stackName,
      stackId,
      template,
      isPlayed: (id) => playedIds.has(id),
      played,
    });
  const plain = makeResolver(() => undefined);

  // Resources whose Condition is false are not part of the stack at all.
  const active = Object.entries(template.Resources).filter(([, resource]) => !resource.Condition || plain.condition(resource.Condition));
  const activeIds = new Set(active.map(([id]) => id));

  // Candidates first, so that resolving the functions never fakes a custom resource's attributes.
  playedIds = new Set(active.filter(([, resource]) => isCustomResourceType(resource.Type)).map(([id]) => id));

  const functions = active
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([id, resource]) => describeFunction(artifact, id, resource, plain));
  const stateMachines = active
    .filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine')
    .map(([id, resource]) => describeStateMachine(id, resource, plain));

  const skipped: Array<{ logicalId: string; type: string; reason: string }> = [];
  const tokens = new Map<string, FunctionSpec>();
  for (const id of [...playedIds]) {
    const resource = template.Resources[id];
    const arn = plain.resolve(resource.Properties?.ServiceToken);
    const fn = functions.find((candidate) => candidate.arn === arn);
    if (fn && isFrameworkOnEvent(fn)) {
      tokens.set(id, fn);
    } else {
      playedIds.delete(id);
      skipped.push({
        logicalId: id,
        type: resource.Type,
        reason: fn
          ? `its ServiceToken is function ${fn.logicalId} (${fn.handler}), not a Provider framework onEvent`
          : 'its ServiceToken is not a Lambda function of this template',
      });
    }
  }

  const policyIds = new Set(active.filter(([, resource]) => POLICY_TYPES.has(resource.Type)).map(([id]) => id));

  // Direct dependencies of every active resource, then, for a played one (or a policy), the
  // played resources and policies reachable through any chain of other resources.
  const direct = new Map<string, string[]>();
  for (const [id, resource] of active) {
    const refs = [...references(resource.Properties ?? {}, template).keys()];
    direct.set(
      id,
      [...new Set([...dependsOnList(resource), ...refs])].filter((dep) => activeIds.has(dep)),
    );
  }
  const playedDependencies = (start: string): string[] => {
    const found = new Set<string>();
    const seen = new Set<string>([start]);
    const stack = [...(direct.get(start) ?? [])];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      if (playedIds.has(id) || policyIds.has(id)) {
        found.add(id);
        continue;
      }
      stack.push(...(direct.get(id) ?? []));
    }
    return [...found];
  };

  const played = new Map<string, PlayedSpec>();
  for (const id of playedIds) {
    const resource = template.Resources[id];
    played.set(id, {
      logicalId: id,
      type: resource.Type,
      properties: resource.Properties ?? {},
      dependsOn: playedDependencies(id),
      serviceToken: tokens.get(id)!,
    });
  }
  const policies = new Map<string, PolicySpec>();
  for (const id of policyIds) {
    const resource = template.Resources[id];
    policies.set(id, {
      logicalId: id,
      type: resource.Type as PolicySpec['type'],
      properties: resource.Properties ?? {},
      dependsOn: playedDependencies(id),
    });
  }
  assertAcyclic(played);

  const attributesRead = new Map<string, Set<string>>();
  const everything = [...active.map(([, resource]) => resource.Properties ?? {}), ...Object.values(template.Outputs ?? {})];
  for (const [id, attributes] of references(everything, template)) {
    if (playedIds.has(id) && attributes.size > 0) attributesRead.set(id, attributes);
  }

  return { artifact, functions, stateMachines, played, policies, skipped, attributesRead, resolver: makeResolver };
}

function isFrameworkOnEvent(fn: FunctionSpec): boolean {
  return fn.handler === 'framework.onEvent' && 'USER_ON_EVENT_FUNCTION_ARN' in fn.environment;
}

function describeFunction(artifact: StackArtifact, id: string, resource: TemplateResource, resolver: Resolver): FunctionSpec {
  const props = resource.Properties ?? {};
  const arn = resolver.resolveString({ 'Fn::GetAtt': [id, 'Arn'] }, `${id}.Arn`);
  const name = resolver.resolveString({ Ref: id }, `${id} name`);
  const variables = resolver.resolve((props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}) as Record<
    string,
    unknown
  >;
  let codeDir: string | undefined;
  let codeError: string | undefined;
  try {
    codeDir = codeDirectory(artifact, id, resolver.resolve(props.Code) as { S3Key?: unknown; ZipFile?: unknown });
  } catch (error) {
    codeError = (error as Error).message;
  }
  const logGroup = resolver.resolve((props.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup);
  let roleArn: string | undefined;
  try {
    roleArn = props.Role === undefined ? undefined : resolver.resolveString(props.Role, `${id}.Role`);
  } catch {
    roleArn = undefined;
  }
  return {
    logicalId: id,
    name,
    arn,
    handler: resolver.resolveString(props.Handler ?? 'index.handler', `${id}.Handler`),
    runtime: String(resolver.resolve(props.Runtime) ?? 'nodejs'),
    codeDir,
    codeError,
    environment: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(value)])),
    timeoutSeconds: Number(resolver.resolve(props.Timeout) ?? 3),
    memorySize: Number(resolver.resolve(props.MemorySize) ?? 128),
    logGroupName: typeof logGroup === 'string' ? logGroup : `/aws/lambda/${name}`,
    roleArn,
  };
}

function describeStateMachine(id: string, resource: TemplateResource, resolver: Resolver): StateMachineSpec {
  const props = resource.Properties ?? {};
  let text =
    props.DefinitionString !== undefined
      ? resolver.resolveString(props.DefinitionString, `${id}.DefinitionString`)
      : JSON.stringify(resolver.resolve(props.Definition));
  const substitutions = (resolver.resolve(props.DefinitionSubstitutions) ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(substitutions)) {
    text = text.split(`\${${key}}`).join(String(value));
  }
  return {
    logicalId: id,
    name: resolver.resolveString({ 'Fn::GetAtt': [id, 'Name'] }, `${id}.Name`),
    arn: resolver.resolveString({ Ref: id }, `${id} ARN`),
    definition: JSON.parse(text),
  };
}

function assertAcyclic(played: ReadonlyMap<string, PlayedSpec>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`Circular dependency between resources: ${[...trail, id].join(' -> ')}`);
    state.set(id, 'visiting');
    for (const dep of played.get(id)?.dependsOn ?? []) visit(dep, [...trail, id]);
    state.set(id, 'done');
  };
  for (const id of played.keys()) visit(id, []);
}
