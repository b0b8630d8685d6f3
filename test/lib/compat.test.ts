import * as fs from 'fs';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeNagFindings, acknowledgeWithNagMetadata, NagFinding, ValidationsApi } from '../../lib/private/compat';
import { newStack } from './helpers';

const FINDINGS: NagFinding[] = [
  { rule: 'AwsSolutions-IAM5', appliesTo: 'Resource::*', reason: 'the actions have no resource type' },
  { rule: 'AwsSolutions-SF1', reason: 'the execution input holds a presigned URL' },
];

/** A scope holding two CloudFormation resources, one of them with a suppression of its own. */
function scopeWithResources() {
  const stack = newStack();
  const scope = new Construct(stack, 'Scope');
  const role = new iam.Role(scope, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  (role.node.defaultChild as iam.CfnRole).addMetadata('cdk_nag', { rules_to_suppress: [{ id: 'AwsSolutions-IAM4', reason: 'own' }] });
  new iam.Role(stack, 'Outside', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return { stack, scope };
}

function nagMetadata(template: Template, logicalIdPrefix: string): unknown {
  const [resource] = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) => id.startsWith(logicalIdPrefix));
  return resource[1].Metadata?.cdk_nag;
}

describe('cdk-nag acknowledgements before aws-cdk-lib 2.252.0', () => {
  test('are written as cdk-nag 2 suppression metadata on every resource under the scope, keeping its own', () => {
    const { stack, scope } = scopeWithResources();
    acknowledgeWithNagMetadata(scope, FINDINGS);
    const template = Template.fromStack(stack);
    expect(nagMetadata(template, 'ScopeRole')).toEqual({
      rules_to_suppress: [
        { id: 'AwsSolutions-IAM4', reason: 'own' },
        { id: 'AwsSolutions-IAM5', reason: 'the actions have no resource type', applies_to: ['Resource::*'] },
        { id: 'AwsSolutions-SF1', reason: 'the execution input holds a presigned URL' },
      ],
    });
  });

  test('touch no resource outside the scope', () => {
    const { stack, scope } = scopeWithResources();
    acknowledgeWithNagMetadata(scope, FINDINGS);
    expect(nagMetadata(Template.fromStack(stack), 'Outside')).toBeUndefined();
  });
});

const cdkPackage = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf8')) as { version: string };

describe('cdk-nag acknowledgements with the installed aws-cdk-lib', () => {
  const hasAcknowledge = Number(cdkPackage.version.split('.')[1]) >= 252;

  test(`use ${hasAcknowledge ? 'Validations.acknowledge, not template metadata' : 'template metadata'} (aws-cdk-lib ${cdkPackage.version})`, () => {
    const { stack, scope } = scopeWithResources();
    acknowledgeNagFindings(scope, FINDINGS);
    const suppressed = (nagMetadata(Template.fromStack(stack), 'ScopeRole') as { rules_to_suppress: unknown[] }).rules_to_suppress;
    const acknowledged = scope.node.metadata.filter((entry) => entry.type === 'aws:cdk:acknowledged-rules');
    if (hasAcknowledge) {
      expect(suppressed).toHaveLength(1);
      expect(JSON.stringify(acknowledged)).toContain('AwsSolutions::AwsSolutions-IAM5[Resource::*]');
      expect(JSON.stringify(acknowledged)).toContain('AwsSolutions::AwsSolutions-SF1');
    } else {
      expect(suppressed).toHaveLength(3);
      expect(acknowledged).toEqual([]);
    }
  });
});

describe('cdk-nag acknowledgements where Validations.acknowledge refuses "::" inside brackets (e.g. aws-cdk-lib 2.263.0)', () => {
  /** Validations as those releases have it: one '::' at most, brackets or not. */
  function strictValidations(acknowledged: string[], failure?: Error): ValidationsApi {
    return {
      ACKNOWLEDGED_RULES_METADATA_KEY: 'aws:cdk:acknowledged-rules',
      of: () => ({
        acknowledge: ({ id }) => {
          if (failure) throw failure;
          if (id.split('::').length > 2) {
            throw Object.assign(new Error(`Invalid validation rule ID '${id}'. The '::' delimiter is reserved`), {
              name: 'ValidationError',
            });
          }
          acknowledged.push(id);
        },
      }),
    };
  }

  test('acknowledge what it accepts, and record the others under their bare finding id, which cdk-nag 3 compares', () => {
    const { scope } = scopeWithResources();
    const acknowledged: string[] = [];
    acknowledgeNagFindings(scope, FINDINGS, strictValidations(acknowledged));
    expect(acknowledged).toEqual(['AwsSolutions::AwsSolutions-SF1']);
    expect(scope.node.metadata.filter((entry) => entry.type === 'aws:cdk:acknowledged-rules').map((entry) => entry.data)).toEqual([
      { 'AwsSolutions-IAM5[Resource::*]': 'the actions have no resource type' },
    ]);
  });

  test('any other error of acknowledge still surfaces', () => {
    const { scope } = scopeWithResources();
    expect(() => acknowledgeNagFindings(scope, FINDINGS, strictValidations([], new Error('something else')))).toThrow('something else');
  });
});
