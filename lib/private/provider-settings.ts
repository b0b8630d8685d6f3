import { Annotations, ArnFormat, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import type { OpenSearchLifecycleProviderOptions } from '../opensearch-lifecycle-provider';
import { acknowledgeNagFindings } from './compat';
import { pinnedRuntimeProblem } from './runtime';

/**
 * How the provider's settings turn into its resources: where its functions run, where they and
 * the waiter log, and which governance findings that leaves and why.
 */

/** Refuses settings that would be ignored or cannot work; the message names the setting. */
export function checkProviderOptions(options: OpenSearchLifecycleProviderOptions): void {
  if (!options.vpc) {
    for (const name of ['vpcSubnets', 'securityGroups'] as const) {
      if (options[name] !== undefined) {
        throw new Error(`cdk-opensearch-lifecycle: ${name} places the provider's functions in a VPC; give vpc too, or leave ${name} out`);
      }
    }
  }
  const runtimeProblem = options.handlerRuntime && pinnedRuntimeProblem(options.handlerRuntime);
  if (runtimeProblem) {
    throw new Error(`cdk-opensearch-lifecycle: ${runtimeProblem}`);
  }
  if (options.securityGroups?.length === 0) {
    throw new Error(
      'cdk-opensearch-lifecycle: securityGroups is empty; give at least one security group, or leave it out for one that allows outbound HTTPS only',
    );
  }
}

/** The names of the settings that differ between two configurations (same objects, same values). */
export function differentOptions(a: OpenSearchLifecycleProviderOptions, b: OpenSearchLifecycleProviderOptions): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof OpenSearchLifecycleProviderOptions>;
  return [...names].filter((name) => !sameValue(a[name], b[name])).sort();
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameValue(a[key], b[key]));
  }
  return a === b;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** A log group of the provider: kept as long as the settings say, encrypted if asked, deleted with the stack. */
export function providerLogGroup(
  scope: Construct,
  id: string,
  options: OpenSearchLifecycleProviderOptions,
  logGroupName?: string,
): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    logGroupName,
    retention: options.logRetention ?? logs.RetentionDays.ONE_YEAR,
    encryptionKey: options.logEncryptionKey,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

/**
 * Lets CloudWatch Logs of the stack's account and Region use the key, as it must to write to a log
 * group encrypted with it. The log groups are not named in the condition: they refer to the key,
 * so the key's policy cannot refer to them.
 */
export function allowLogsToUseKey(scope: Construct, key: kms.IKey): void {
  const stack = Stack.of(scope);
  const { statementAdded } = key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
  if (!statementAdded) {
    Annotations.of(scope).addWarningV2(
      'cdk-opensearch-lifecycle:logEncryptionKeyPolicy',
      `logEncryptionKey is imported, so its key policy is left as it is: it must allow the service principal logs.${stack.region}.amazonaws.com to use the key, or the log groups cannot be created`,
    );
  }
}

/** Where the five functions run: the settings' VPC, subnets and security groups, or nowhere in particular. */
export function functionPlacement(
  scope: Construct,
  options: OpenSearchLifecycleProviderOptions,
): Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
  if (!options.vpc) {
    return {};
  }
  return {
    vpc: options.vpc,
    vpcSubnets: options.vpcSubnets,
    securityGroups: options.securityGroups ?? [httpsOnlySecurityGroup(scope, options.vpc)],
  };
}

function httpsOnlySecurityGroup(scope: Construct, vpc: ec2.IVpc): ec2.SecurityGroup {
  const securityGroup = new ec2.SecurityGroup(scope, 'SecurityGroup', {
    vpc,
    allowAllOutbound: false,
    description: 'cdk-opensearch-lifecycle provider functions: outbound HTTPS only',
  });
  // Every call of the five functions is HTTPS: OpenSearch, Lambda, Step Functions, CloudFormation, the S3 ResponseURL.
  securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs and the CloudFormation ResponseURL');
  return securityGroup;
}

/**
 * What Lambda needs from a function's own role to attach it to a VPC (the framework's functions
 * get the same through AWSLambdaVPCAccessExecutionRole, which also allows writing every log
 * group). The describe actions have no resource type; the others are kept to this account and
 * Region, as Lambda's documentation recommends.
 */
export function networkInterfaceStatements(scope: Construct): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] }),
    new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: [networkInterfaceScope(scope)],
    }),
  ];
}

function networkInterfaceScope(scope: Construct): string {
  return Stack.of(scope).formatArn({ service: 'ec2', resource: '*', resourceName: '*' });
}

/**
 * The waiter state machine's logging: level ERROR, never the execution data (it holds the
 * presigned ResponseURL), to a log group under /aws/vendedlogs/, the prefix that keeps Step
 * Functions' log delivery out of the account's size-limited CloudWatch Logs resource policy.
 */
export function waiterLogging(
  scope: Construct,
  options: OpenSearchLifecycleProviderOptions,
  isCompleteHandler: lambda.IFunction,
): Pick<cr.ProviderProps, 'waiterStateMachineLogOptions' | 'disableWaiterStateMachineLogging'> {
  if (options.waiterLogging === false) {
    return { disableWaiterStateMachineLogging: true };
  }
  // Named after the isComplete function: unique in the account and Region, and stable.
  const destination = providerLogGroup(scope, 'WaiterLogs', options, `/aws/vendedlogs/states/${isCompleteHandler.functionName}-waiter`);
  return {
    disableWaiterStateMachineLogging: false,
    waiterStateMachineLogOptions: { destination, level: sfn.LogLevel.ERROR, includeExecutionData: false },
  };
}

/**
 * Acknowledges one cdk-nag finding (`AwsSolutions::<rule>[<finding>]`) on this scope and below,
 * with its reason, in the way the installed aws-cdk-lib supports (see compat.ts).
 */
function acknowledge(scope: IConstruct, id: string, reason: string): void {
  const [, rule, appliesTo] = /^AwsSolutions::([^[]+)(?:\[(.*)\])?$/.exec(id)!;
  acknowledgeNagFindings(scope as Construct, [{ rule, appliesTo, reason }]);
}

/**
 * Turns on X-Ray tracing of the framework's waiter state machine, for which the Provider has no
 * setting: in the state machine's template, with the actions Step Functions needs to send traces
 * (they have no resource type) on its role.
 */
export function waiterTracing(provider: cr.Provider, options: OpenSearchLifecycleProviderOptions): void {
  if (!options.waiterTracing) {
    return;
  }
  const waiter = provider.node.findChild('waiter-state-machine');
  (waiter.node.defaultChild as sfn.CfnStateMachine).tracingConfiguration = { enabled: true };
  (waiter.node.findChild('Role') as iam.Role).addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
      resources: ['*'],
    }),
  );
}

/** The AwsSolutions (cdk-nag) findings that placing the functions in a VPC brings, with their reasons. */
export function acknowledgeVpcNagFindings(scope: Construct): void {
  acknowledge(
    scope,
    'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    'Roles of the aws-cdk-lib Provider framework functions, which need its network interface actions to run in the VPC; not configurable.',
  );
  acknowledge(
    scope,
    `AwsSolutions::AwsSolutions-IAM5[Resource::${nagResourceName(scope, networkInterfaceScope(scope))}]`,
    "Lambda attaches the handlers to the VPC through network interfaces it creates and deletes with the handlers' role; their ids are not known in advance, so the role allows them in this account and Region.",
  );
}

/** The waiter's own role: its log delivery and X-Ray actions, which IAM accepts only on `*`. */
export function acknowledgeWaiterNagFindings(provider: cr.Provider): void {
  const waiter = provider.node.tryFindChild('waiter-state-machine');
  if (waiter) {
    acknowledge(
      waiter,
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      "The waiter state machine's role, made by the aws-cdk-lib Provider framework: the CloudWatch Logs log delivery actions and X-Ray actions Step Functions needs have no resource type.",
    );
  }
}

/** A template value as cdk-nag names it in a finding: each reference as `<AWS::Partition>` or `<Id.Attr>`. */
function nagResourceName(scope: Construct, value: string): string {
  const resolved: unknown = Stack.of(scope).resolve(value);
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const ref = (part as { Ref?: string }).Ref;
    if (ref !== undefined) return `<${ref}>`;
    const joined = (part as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (joined) return joined[1].map(render).join(joined[0]);
    throw new Error(`cdk-opensearch-lifecycle: cannot name ${JSON.stringify(part)} as cdk-nag does`);
  };
  return Token.isUnresolved(value) ? render(resolved) : value;
}
