import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  InboundConnectionDeletion,
  InboundConnectionRejection,
  OpenSearchLifecycleProvider,
  OpenSearchLifecycleProviderOptions,
} from '../../lib';
import { handlerStatements, newStack } from './helpers';

/** A stack whose provider has these settings (or the defaults), with one construct of the library. */
function stackWith(options?: (stack: Stack) => OpenSearchLifecycleProviderOptions): { stack: Stack; template: Template } {
  const stack = newStack();
  if (options) OpenSearchLifecycleProvider.configure(stack, options(stack));
  new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
  return { stack, template: Template.fromStack(stack) };
}

function logicalIdOf(template: Template, type: string, fragment: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(fragment));
  expect(ids).toHaveLength(1);
  return ids[0];
}

const functionIds = (template: Template) => Object.keys(template.findResources('AWS::Lambda::Function'));
const ONE_YEAR = 365;

describe('the provider with default settings', () => {
  test('every function logs to a log group of the provider, kept a year and deleted with the stack', () => {
    const { template } = stackWith();
    const handlerLogs = logicalIdOf(template, 'AWS::Logs::LogGroup', 'HandlerLogs');
    const frameworkLogs = logicalIdOf(template, 'AWS::Logs::LogGroup', 'FrameworkLogs');
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.allResources('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: ONE_YEAR, KmsKeyId: Match.absent() },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(5);
    for (const [id, fn] of Object.entries(functions)) {
      const expected = /OnEventHandler|IsCompleteHandler/.test(id) ? handlerLogs : frameworkLogs;
      expect({ id, logGroup: fn.Properties.LoggingConfig?.LogGroup }).toEqual({ id, logGroup: { Ref: expected } });
      expect(fn.Properties.VpcConfig).toBeUndefined();
    }
  });

  test('the waiter logs errors only, never the execution data, to its own log group under /aws/vendedlogs/states/', () => {
    const { template } = stackWith();
    const waiterLogs = logicalIdOf(template, 'AWS::Logs::LogGroup', 'WaiterLogs');
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [waiterLogs, 'Arn'] } } }],
      },
    });
    const isComplete = logicalIdOf(template, 'AWS::Lambda::Function', 'IsCompleteHandler');
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['/aws/vendedlogs/states/', { Ref: isComplete }, '-waiter']] },
    });
  });

  test('no VPC: no security group, and the handler role has no network interface actions', () => {
    const { template } = stackWith();
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    const actions = handlerStatements(template).flatMap((statement) => [statement.Action].flat());
    expect(actions.filter((action) => action.startsWith('ec2:'))).toEqual([]);
  });
});

describe('OpenSearchLifecycleProvider.configure', () => {
  test('configuring keeps every logical id of the provider, so a deployed stack is updated in place', () => {
    const byDefault = stackWith().template;
    const configured = stackWith(() => ({ logRetention: logs.RetentionDays.TWO_YEARS })).template;
    const ids = (template: Template) => Object.keys(template.toJSON().Resources).sort();
    expect(ids(configured)).toEqual(ids(byDefault));
    configured.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
  });

  test('vpc: all five functions in its private subnets, with one security group that allows outbound HTTPS only', () => {
    const { template } = stackWith((s) => ({ vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 2 }) }));
    const securityGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'CdkOpenSearchLifecycleProviderSecurityGroup');
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }],
      SecurityGroupIngress: Match.absent(),
    });
    const privateSubnets = ['PrivateSubnet1', 'PrivateSubnet2'].map((name) => ({ Ref: logicalIdOf(template, 'AWS::EC2::Subnet', name) }));
    expect(functionIds(template)).toHaveLength(5);
    template.allResourcesProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: privateSubnets, SecurityGroupIds: [{ 'Fn::GetAtt': [securityGroup, 'GroupId'] }] },
    });
  });

  test("vpc: the handler role may manage network interfaces in the stack's account and Region only, and gets no managed policy", () => {
    const { template } = stackWith((s) => ({ vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 1 }) }));
    const statements = handlerStatements(template).filter((statement) => [statement.Action].flat().some((a) => a.startsWith('ec2:')));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: [
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:us-east-1:111111111111:*/*']] },
      },
    ]);
    const role = logicalIdOf(template, 'AWS::IAM::Role', 'CdkOpenSearchLifecycleProviderHandlerRole');
    expect(template.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('vpcSubnets and securityGroups: used for all five functions, no security group of its own', () => {
    const { template } = stackWith((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', {
        maxAzs: 1,
        subnetConfiguration: [
          { name: 'Egress', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        ],
      });
      const securityGroup = new ec2.SecurityGroup(s, 'Mine', { vpc });
      return { vpc, vpcSubnets: { subnetGroupName: 'Isolated' }, securityGroups: [securityGroup] };
    });
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.allResourcesProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: [{ Ref: logicalIdOf(template, 'AWS::EC2::Subnet', 'IsolatedSubnet1') }],
        SecurityGroupIds: [{ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'Mine'), 'GroupId'] }],
      },
    });
  });

  test("logEncryptionKey: every log group encrypted with it, and the key's policy lets this Region's CloudWatch Logs use it", () => {
    const { template } = stackWith((s) => ({ logEncryptionKey: new kms.Key(s, 'Key') }));
    const key = logicalIdOf(template, 'AWS::KMS::Key', 'Key');
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [key, 'Arn'] }, RetentionInDays: ONE_YEAR });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'logs.us-east-1.amazonaws.com' },
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
            Resource: '*',
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:us-east-1:111111111111:log-group:*']],
                },
              },
            },
          },
        ]),
      },
    });
  });

  test('an imported logEncryptionKey: used, and a warning says its policy must let CloudWatch Logs use it', () => {
    const keyArn = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';
    const { stack, template } = stackWith((s) => ({ logEncryptionKey: kms.Key.fromKeyArn(s, 'Imported', keyArn) }));
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: keyArn });
    Annotations.fromStack(stack).hasWarning(
      '/TestStack/CdkOpenSearchLifecycleProvider',
      Match.stringLikeRegexp('logEncryptionKey is imported.*logs\\.us-east-1\\.amazonaws\\.com'),
    );
  });

  test('waiterLogging false: the waiter has no logging and no log group of its own', () => {
    const { template } = stackWith(() => ({ waiterLogging: false }));
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { LoggingConfiguration: Match.absent() });
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
  });

  test('waiterTracing: the waiter sends traces to X-Ray, and its role may send them', () => {
    const { template } = stackWith(() => ({ waiterTracing: true }));
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true } });
    const waiterRole = logicalIdOf(template, 'AWS::IAM::Role', 'waiterstatemachineRole');
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: waiterRole }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
            Resource: '*',
          },
        ]),
      },
    });
  });

  test('by default the waiter is not traced and its role has no X-Ray action', () => {
    const { template } = stackWith();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: Match.absent() });
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      policy.Properties.PolicyDocument.Statement.flatMap((statement: { Action: string | string[] }) => [statement.Action].flat()),
    );
    expect(actions.filter((action) => action.startsWith('xray:'))).toEqual([]);
  });

  test('configuring twice with the same settings is one provider', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    OpenSearchLifecycleProvider.configure(stack, { vpc, logRetention: logs.RetentionDays.ONE_YEAR });
    OpenSearchLifecycleProvider.configure(stack, { vpc, logRetention: logs.RetentionDays.ONE_YEAR });
    new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001' });
    expect(functionIds(Template.fromStack(stack))).toHaveLength(5);
  });

  test('each stack has its own provider and settings', () => {
    const app = new App();
    const governed = newStack('Governed', app);
    const plain = newStack('Plain', app);
    OpenSearchLifecycleProvider.configure(governed, { vpc: new ec2.Vpc(governed, 'Vpc', { maxAzs: 1 }) });
    new InboundConnectionDeletion(governed, 'Delete', { connectionId: 'cc-active-0001' });
    new InboundConnectionDeletion(plain, 'Delete', { connectionId: 'cc-active-0001' });
    Template.fromStack(governed).allResourcesProperties('AWS::Lambda::Function', { VpcConfig: Match.objectLike({}) });
    Template.fromStack(plain).allResourcesProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
  });

  test('fails when it comes after a construct of the library already made the provider, naming that construct', () => {
    const stack = newStack();
    new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001' });
    expect(() => OpenSearchLifecycleProvider.configure(stack, { waiterLogging: false })).toThrow(
      'cdk-opensearch-lifecycle: OpenSearchLifecycleProvider.configure at TestStack comes too late: TestStack/Delete already created the provider of stack TestStack with default settings; configure it before the first construct of this library in the stack',
    );
  });

  test('fails when configured twice with other settings, naming them', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    OpenSearchLifecycleProvider.configure(stack, { vpc });
    expect(() =>
      OpenSearchLifecycleProvider.configure(stack, { vpc: new ec2.Vpc(stack, 'OtherVpc', { maxAzs: 1 }), waiterLogging: false }),
    ).toThrow(
      'cdk-opensearch-lifecycle: OpenSearchLifecycleProvider.configure at TestStack gives other settings (vpc, waiterLogging) than TestStack gave to the provider of stack TestStack; configure it once per stack',
    );
  });

  test('fails when vpcSubnets or securityGroups come without vpc', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    expect(() => OpenSearchLifecycleProvider.configure(stack, { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } })).toThrow(
      "cdk-opensearch-lifecycle: vpcSubnets places the provider's functions in a VPC; give vpc too, or leave vpcSubnets out",
    );
    expect(() => OpenSearchLifecycleProvider.configure(stack, { securityGroups: [new ec2.SecurityGroup(stack, 'Sg', { vpc })] })).toThrow(
      "cdk-opensearch-lifecycle: securityGroups places the provider's functions in a VPC; give vpc too, or leave securityGroups out",
    );
  });

  test('fails when securityGroups is empty', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    expect(() => OpenSearchLifecycleProvider.configure(stack, { vpc, securityGroups: [] })).toThrow(
      'cdk-opensearch-lifecycle: securityGroups is empty; give at least one security group, or leave it out for one that allows outbound HTTPS only',
    );
  });

  test('fails when vpcSubnets selects public subnets (Lambda functions there cannot reach the internet)', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    expect(() => OpenSearchLifecycleProvider.configure(stack, { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } })).toThrow(
      /Lambda Functions in a public subnet can NOT access the internet/,
    );
  });
});
