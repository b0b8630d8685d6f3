/**
 * CloudFormation intrinsic functions, as far as CDK's output needs them, and the two things
 * CloudFormation does to properties before a custom resource sees them: dropping AWS::NoValue
 * and turning every scalar into a string.
 *
 * Resources the runner does not deploy (functions, roles, the state machine, domains, ...) get
 * fake but well-formed names and ARNs; played custom resources resolve to what their provider
 * answered (physical id for Ref, Data for Fn::GetAtt).
 */
import type { StackEnvironment, Template, TemplateResource } from './assembly';

/** A played resource as the resolver sees it. */
export interface PlayedState {
  readonly physicalResourceId: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface ResolverContext {
  readonly env: StackEnvironment;
  readonly stackName: string;
  readonly stackId: string;
  readonly template: Template;
  /** Whether the runner plays this resource (sends it CloudFormation's requests). */
  isPlayed(logicalId: string): boolean;
  /** The played resource's current state; undefined while it has none yet. */
  played(logicalId: string): PlayedState | undefined;
}

/** A reference that cannot be resolved (yet): a played resource without state, a missing attribute. */
export class ResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolutionError';
  }
}

const NO_VALUE = Symbol('AWS::NoValue');

const PSEUDO_PARAMETERS = new Set([
  'AWS::Region',
  'AWS::AccountId',
  'AWS::Partition',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::URLSuffix',
  'AWS::NoValue',
  'AWS::NotificationARNs',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The intrinsic function of a one-key object, if it is one. */
function intrinsic(value: unknown): [string, unknown] | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [key] = keys;
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::') ? [key, value[key]] : undefined;
}

export class Resolver {
  constructor(private readonly context: ResolverContext) {}

  /** Resolves every intrinsic in a value; AWS::NoValue entries are dropped. */
  resolve(value: unknown): unknown {
    const resolved = this.resolveValue(value);
    if (resolved === NO_VALUE) return undefined;
    return resolved;
  }

  /** A resolved value that must be a string (function names, handler, ARNs). */
  resolveString(value: unknown, what: string): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') throw new ResolutionError(`${what} must resolve to a string; got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  /** Whether a template condition holds. */
  condition(name: string): boolean {
    const definition = this.context.template.Conditions?.[name];
    if (definition === undefined) throw new ResolutionError(`Unknown condition ${name}`);
    return this.truthy(this.resolveValue(definition), `Condition ${name}`);
  }

  private truthy(value: unknown, what: string): boolean {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new ResolutionError(`${what} must be a boolean; got ${JSON.stringify(value)}`);
  }

  private resolveValue(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolveValue(item)).filter((item) => item !== NO_VALUE);
    }
    if (!isObject(value)) return value;
    const fn = intrinsic(value);
    if (fn) return this.call(fn[0], fn[1]);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = this.resolveValue(item);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  private call(name: string, args: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(args));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(args) ? args : String(args).split(/\.(.*)/s);
        return this.getAtt(String(id), String(this.resolveValue(attribute)));
      }
      case 'Fn::Join': {
        const [separator, items] = args as [string, unknown];
        const list = this.resolveValue(items);
        if (!Array.isArray(list)) throw new ResolutionError(`Fn::Join needs a list; got ${JSON.stringify(list)}`);
        return list.map((item) => this.scalar(item, 'Fn::Join item')).join(separator);
      }
      case 'Fn::Select': {
        const [index, items] = args as [unknown, unknown];
        const list = this.resolveValue(items);
        const i = Number(this.resolveValue(index));
        if (!Array.isArray(list) || !Number.isInteger(i) || i < 0 || i >= list.length) {
          throw new ResolutionError(`Fn::Select index ${i} out of range of ${JSON.stringify(list)}`);
        }
        return list[i];
      }
      case 'Fn::Split': {
        const [separator, source] = args as [string, unknown];
        return this.scalar(this.resolveValue(source), 'Fn::Split source').split(separator);
      }
      case 'Fn::Sub':
        return this.sub(args);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = args as [string, unknown, unknown];
        return this.resolveValue(this.condition(condition) ? whenTrue : whenFalse);
      }
      case 'Fn::Equals': {
        const [a, b] = (args as unknown[]).map((item) => JSON.stringify(stringifyScalars(this.resolveValue(item))));
        return a === b;
      }
      case 'Fn::And':
        return (args as unknown[]).every((item) => this.truthy(this.resolveValue(item), 'Fn::And operand'));
      case 'Fn::Or':
        return (args as unknown[]).some((item) => this.truthy(this.resolveValue(item), 'Fn::Or operand'));
      case 'Fn::Not':
        return !this.truthy(this.resolveValue((args as unknown[])[0]), 'Fn::Not operand');
      case 'Condition':
        return this.condition(String(args));
      case 'Fn::FindInMap': {
        const [map, top, second] = (args as unknown[]).map((item) => String(this.resolveValue(item)));
        const found = this.context.template.Mappings?.[map]?.[top]?.[second];
        if (found === undefined) throw new ResolutionError(`Fn::FindInMap: no ${map}.${top}.${second}`);
        return found;
      }
      case 'Fn::Base64':
        return Buffer.from(this.scalar(this.resolveValue(args), 'Fn::Base64'), 'utf8').toString('base64');
      case 'Fn::GetAZs': {
        const region = String(this.resolveValue(args) || this.context.env.region);
        return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
      }
      case 'Fn::ToJsonString':
        return JSON.stringify(this.resolveValue(args));
      case 'Fn::Length': {
        const list = this.resolveValue(args);
        if (!Array.isArray(list)) throw new ResolutionError('Fn::Length needs a list');
        return list.length;
      }
      default:
        throw new ResolutionError(`${name} is not supported by the local deploy runner`);
    }
  }

  private scalar(value: unknown, what: string): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new ResolutionError(`${what} must be a string; got ${JSON.stringify(value)}`);
  }

  private ref(name: string): unknown {
    const { env, stackName, stackId, template } = this.context;
    switch (name) {
      case 'AWS::Region':
        return env.region;
      case 'AWS::AccountId':
        return env.account;
      case 'AWS::Partition':
        return env.partition;
      case 'AWS::URLSuffix':
        return env.urlSuffix;
      case 'AWS::StackName':
        return stackName;
      case 'AWS::StackId':
        return stackId;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
      default:
        break;
    }
    const parameter = template.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined) throw new ResolutionError(`Parameter ${name} has no default; parameters cannot be passed`);
      return parameter.Default;
    }
    const resource = template.Resources[name];
    if (!resource) throw new ResolutionError(`Ref to unknown resource or parameter ${name}`);
    if (this.context.isPlayed(name)) {
      const state = this.context.played(name);
      if (!state) throw new ResolutionError(`Ref ${name}: the resource has no physical id yet`);
      return state.physicalResourceId;
    }
    return fakeRef(name, resource, this);
  }

  private getAtt(id: string, attribute: string): unknown {
    const resource = this.context.template.Resources[id];
    if (!resource) throw new ResolutionError(`Fn::GetAtt of unknown resource ${id}`);
    if (this.context.isPlayed(id)) {
      const state = this.context.played(id);
      if (!state) throw new ResolutionError(`Fn::GetAtt ${id}.${attribute}: the resource has no state yet`);
      if (!(attribute in state.data)) throw new ResolutionError(`Fn::GetAtt ${id}.${attribute}: the resource's Data has no ${attribute}`);
      return state.data[attribute];
    }
    return fakeAttribute(id, resource, attribute, this);
  }

  private sub(args: unknown): string {
    const [text, variables] = typeof args === 'string' ? [args, {}] : (args as [string, Record<string, unknown>]);
    const values = Object.fromEntries(Object.entries(variables ?? {}).map(([key, value]) => [key, this.resolveValue(value)]));
    return text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in values) return this.scalar(values[name], `Fn::Sub \${${name}}`);
      const [id, attribute] = name.split(/\.(.*)/s);
      const value = attribute !== undefined ? this.getAtt(id, attribute) : this.ref(id);
      return value === NO_VALUE ? whole : this.scalar(value, `Fn::Sub \${${name}}`);
    });
  }

  /** For fake names: a property of an unplayed resource, resolved, if it is a string. */
  propertyString(resource: TemplateResource, key: string): string | undefined {
    const value = resource.Properties?.[key];
    if (value === undefined) return undefined;
    const resolved = this.resolve(value);
    return typeof resolved === 'string' ? resolved : undefined;
  }

  get environment(): StackEnvironment {
    return this.context.env;
  }
}

// ---------------------------------------------------------------- fake names of unplayed resources

/** The physical name CloudFormation would give: the name property if set, else the logical id. */
function physicalName(id: string, resource: TemplateResource, resolver: Resolver): string {
  const nameProperty: Record<string, string> = {
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
    'AWS::OpenSearchService::Domain': 'DomainName',
    'AWS::Elasticsearch::Domain': 'DomainName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::Logs::LogGroup': 'LogGroupName',
    'AWS::S3::Bucket': 'BucketName',
    'AWS::SNS::Topic': 'TopicName',
    'AWS::SQS::Queue': 'QueueName',
  };
  const key = nameProperty[resource.Type];
  const given = key ? resolver.propertyString(resource, key) : undefined;
  if (given) return given;
  if (resource.Type === 'AWS::OpenSearchService::Domain' || resource.Type === 'AWS::Elasticsearch::Domain') {
    // Domain names are 3-28 lower-case characters.
    return id
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
      .slice(0, 28)
      .padEnd(3, 'x');
  }
  if (resource.Type === 'AWS::S3::Bucket') return id.toLowerCase().slice(0, 63);
  return id;
}

export function fakeRef(id: string, resource: TemplateResource, resolver: Resolver): string {
  const { partition, region, account } = resolver.environment;
  const name = physicalName(id, resource, resolver);
  switch (resource.Type) {
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;
    case 'AWS::SNS::Topic':
      return `arn:${partition}:sns:${region}:${account}:${name}`;
    case 'AWS::SQS::Queue':
      return `https://sqs.${region}.${resolver.environment.urlSuffix}/${account}/${name}`;
    default:
      return name;
  }
}

export function fakeAttribute(id: string, resource: TemplateResource, attribute: string, resolver: Resolver): string {
  const { partition, region, account, urlSuffix } = resolver.environment;
  const name = physicalName(id, resource, resolver);
  switch (`${resource.Type}.${attribute}`) {
    case 'AWS::Lambda::Function.Arn':
      return `arn:${partition}:lambda:${region}:${account}:function:${name}`;
    case 'AWS::StepFunctions::StateMachine.Arn':
      return fakeRef(id, resource, resolver);
    case 'AWS::StepFunctions::StateMachine.Name':
      return name;
    case 'AWS::OpenSearchService::Domain.Arn':
    case 'AWS::OpenSearchService::Domain.DomainArn':
    case 'AWS::Elasticsearch::Domain.Arn':
    case 'AWS::Elasticsearch::Domain.DomainArn':
      return `arn:${partition}:es:${region}:${account}:domain/${name}`;
    case 'AWS::OpenSearchService::Domain.DomainEndpoint':
    case 'AWS::Elasticsearch::Domain.DomainEndpoint':
      return `search-${name}-localdeploy.${region}.es.${urlSuffix}`;
    case 'AWS::IAM::Role.Arn':
      return `arn:${partition}:iam::${account}:role/${name}`;
    case 'AWS::Logs::LogGroup.Arn':
      return `arn:${partition}:logs:${region}:${account}:log-group:${name}:*`;
    case 'AWS::S3::Bucket.Arn':
      return `arn:${partition}:s3:::${name}`;
    default:
      break;
  }
  if (attribute === 'Arn') {
    const [, service = 'unknown', type = 'resource'] = resource.Type.split('::');
    return `arn:${partition}:${service.toLowerCase()}:${region}:${account}:${type.toLowerCase()}/${name}`;
  }
  return `${name}.${attribute}`;
}

// ---------------------------------------------------------------- references and properties

/** Logical ids a value refers to (Ref, Fn::GetAtt, Fn::Sub), with the attributes read of each. */
export function references(value: unknown, template: Template, into = new Map<string, Set<string>>()): Map<string, Set<string>> {
  const add = (id: string, attribute?: string) => {
    if (PSEUDO_PARAMETERS.has(id) || !template.Resources[id]) return;
    const attributes = into.get(id) ?? new Set<string>();
    if (attribute !== undefined) attributes.add(attribute);
    into.set(id, attributes);
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!isObject(node)) return;
    const fn = intrinsic(node);
    if (fn?.[0] === 'Ref') return add(String(fn[1]));
    if (fn?.[0] === 'Fn::GetAtt') {
      const [id, attribute] = Array.isArray(fn[1]) ? fn[1] : String(fn[1]).split(/\.(.*)/s);
      add(String(id), typeof attribute === 'string' ? attribute : undefined);
      if (Array.isArray(fn[1])) walk(fn[1][1]);
      return;
    }
    if (fn?.[0] === 'Fn::Sub') {
      const [text, variables] = typeof fn[1] === 'string' ? [fn[1], {}] : (fn[1] as [string, Record<string, unknown>]);
      for (const [, name] of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
        if (variables && name in variables) continue;
        const [id, attribute] = name.split(/\.(.*)/s);
        add(id, attribute);
      }
      return walk(variables);
    }
    Object.values(node).forEach(walk);
  };
  walk(value);
  return into;
}

/** CloudFormation hands properties to a custom resource with every number and boolean as a string. */
export function stringifyScalars(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(stringifyScalars);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, stringifyScalars(item)]));
  return value;
}

/** JSON with sorted keys, to compare property sets the way CloudFormation does (order-blind). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
