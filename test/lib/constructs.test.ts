import { App, CfnElement, CfnParameter, CfnResource, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../../lib';
import { ENV, importedDomain, newStack, ownDomain, policyLabel } from './helpers';
import { parseInboundConnectionProperties } from '../../lib/private/contracts/inbound-connection';

// Pinned on purpose: changing a custom resource type replaces every deployed resource.
const REJECTION_TYPE = 'Custom::OpenSearchInboundConnectionRejection';
const DELETION_TYPE = 'Custom::OpenSearchInboundConnectionDeletion';
const PACKAGE_TYPE = 'Custom::OpenSearchPackageDissociation';

/** What the one InboundConnectionDeletion of the template depends on, by policyLabel. */
function dependencyLabels(template: Template): string[] {
  const [resource] = Object.values(template.findResources(DELETION_TYPE));
  return ((resource.DependsOn ?? []) as string[]).map((id) => policyLabel(template, id));
}

describe('InboundConnectionRejection', () => {
  test('maps props to template properties', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', {
      connectionId: 'cc-pending-0001',
      domain: importedDomain(stack, 'logs-destination'),
      timeout: Duration.minutes(10),
    });
    Template.fromStack(stack).hasResourceProperties(REJECTION_TYPE, {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('CdkOpenSearchLifecycleProviderframeworkonEvent'), 'Arn'] },
      ConnectionId: 'cc-pending-0001',
      DomainName: 'logs-destination',
      TimeoutSeconds: 600,
      ServiceTimeout: '780',
    });
  });

  test("defaults: no domain, a 30 minute timeout (the handler's default, left out of the template), CloudFormation waits 33 minutes", () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    Template.fromStack(stack).hasResourceProperties(REJECTION_TYPE, {
      ConnectionId: 'cc-pending-0001',
      DomainName: Match.absent(),
      TimeoutSeconds: Match.absent(),
      ServiceTimeout: '1980',
    });
    expect(parseInboundConnectionProperties({ ConnectionId: 'cc-pending-0001' }).timeoutSeconds).toBe(30 * 60);
  });

  test('an explicit 30 minute timeout is the default, left out the same way', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001', timeout: Duration.minutes(30) });
    Template.fromStack(stack).hasResourceProperties(REJECTION_TYPE, { TimeoutSeconds: Match.absent(), ServiceTimeout: '1980' });
  });

  test("DeletionPolicy and UpdateReplacePolicy are left to CloudFormation's default (Delete)", () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    Template.fromStack(stack).hasResource(REJECTION_TYPE, { DeletionPolicy: Match.absent(), UpdateReplacePolicy: Match.absent() });
  });

  test("the longest timeout: CloudFormation waits 58 minutes, past the provider's 57, under its default hour", () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001', timeout: Duration.minutes(55) });
    Template.fromStack(stack).hasResourceProperties(REJECTION_TYPE, { TimeoutSeconds: 3300, ServiceTimeout: '3480' });
  });

  test('exposes the connection status attribute', () => {
    const stack = newStack();
    const rejection = new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    expect(stack.resolve(rejection.connectionStatus)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^Reject/), 'ConnectionStatus'],
    });
  });

  test('accepts a connection id that is a token, leaving it to the handler', () => {
    const stack = newStack();
    const connectionId = new CfnParameter(stack, 'ConnectionId').valueAsString;
    new InboundConnectionRejection(stack, 'Reject', { connectionId });
    Template.fromStack(stack).hasResourceProperties(REJECTION_TYPE, { ConnectionId: { Ref: 'ConnectionId' } });
  });
});

describe('InboundConnectionDeletion', () => {
  test('maps props to template properties', () => {
    const stack = newStack();
    new InboundConnectionDeletion(stack, 'Delete', {
      connectionId: 'cc-active-0001',
      domain: importedDomain(stack, 'logs-destination'),
      timeout: Duration.seconds(1),
    });
    Template.fromStack(stack).hasResourceProperties(DELETION_TYPE, {
      ConnectionId: 'cc-active-0001',
      DomainName: 'logs-destination',
      TimeoutSeconds: 1,
      ServiceTimeout: '181',
    });
  });

  test('exposes the connection status attribute', () => {
    const stack = newStack();
    const deletion = new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001' });
    expect(stack.resolve(deletion.connectionStatus)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Delete/), 'ConnectionStatus'] });
  });
});

describe('PackageDissociation', () => {
  test('maps props to template properties', () => {
    const stack = newStack();
    new PackageDissociation(stack, 'Packages', {
      domain: importedDomain(stack, 'search-products'),
      packageIds: ['F111111111', 'G222222222', 'pkg-0a1b2c3d'],
    });
    Template.fromStack(stack).hasResourceProperties(PACKAGE_TYPE, {
      DomainName: 'search-products',
      PackageIds: ['F111111111', 'G222222222', 'pkg-0a1b2c3d'],
      TimeoutSeconds: Match.absent(),
      ServiceTimeout: '1980',
    });
  });

  test('takes the name of a domain in the same stack from the domain resource', () => {
    const stack = newStack();
    const domain = ownDomain(stack);
    new PackageDissociation(stack, 'Packages', { domain, packageIds: ['F111111111'] });
    Template.fromStack(stack).hasResourceProperties(PACKAGE_TYPE, {
      DomainName: { Ref: stack.getLogicalId(domain.node.defaultChild as CfnElement) },
    });
  });
});

describe('the custom resource', () => {
  test("is the construct's default child, a CfnResource of its type, for escape hatches; its path metadata has no Default", () => {
    // The path metadata `cdk synth` writes by default.
    const stack = newStack('TestStack', new App({ context: { 'aws:cdk:enable-path-metadata': true } }));
    const deletion = new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001' });
    const resource = deletion.node.defaultChild as CfnResource;
    expect(resource).toBeInstanceOf(CfnResource);
    expect(resource.cfnResourceType).toBe(DELETION_TYPE);
    resource.addPropertyOverride('TimeoutSeconds', 600);
    const template = Template.fromStack(stack);
    template.hasResource(DELETION_TYPE, {
      Properties: { TimeoutSeconds: 600 },
      Metadata: { 'aws:cdk:path': 'TestStack/Delete/Resource' },
    });
  });

  test('keeps the logical id aws-cdk-lib CustomResource gives the same path, so an upgrade replaces nothing', () => {
    const ours = newStack('Ours');
    const deletion = new InboundConnectionDeletion(ours, 'Delete', { connectionId: 'cc-active-0001' });
    const theirs = newStack('Theirs');
    const wrapped = new CustomResource(new Construct(theirs, 'Delete'), 'Resource', {
      serviceToken: 'arn:aws:lambda:us-east-1:111111111111:function:f',
    });
    expect(ours.resolve((deletion.node.defaultChild as CfnResource).logicalId)).toBe(
      theirs.resolve((wrapped.node.defaultChild as CfnResource).logicalId),
    );
  });
});

describe('dependency on the domain', () => {
  test.each([
    [
      'InboundConnectionRejection',
      (stack: Stack, domain: IDomain) => new InboundConnectionRejection(stack, 'R', { connectionId: 'cc-pending-0001', domain }),
      REJECTION_TYPE,
    ],
    [
      'InboundConnectionDeletion',
      (stack: Stack, domain: IDomain) => new InboundConnectionDeletion(stack, 'R', { connectionId: 'cc-active-0001', domain }),
      DELETION_TYPE,
    ],
    [
      'PackageDissociation',
      (stack: Stack, domain: IDomain) => new PackageDissociation(stack, 'R', { domain, packageIds: ['F1'] }),
      PACKAGE_TYPE,
    ],
  ])('%s depends on a domain of the same stack', (_name, make, type) => {
    const stack = newStack();
    const domain = ownDomain(stack);
    make(stack, domain);
    const domainId = stack.getLogicalId(domain.node.defaultChild as CfnElement);
    Template.fromStack(stack).hasResource(type, { DependsOn: Match.arrayWith([domainId]) });
  });

  test('an imported domain adds no dependency', () => {
    const stack = newStack();
    new InboundConnectionDeletion(stack, 'R', { connectionId: 'cc-active-0001', domain: importedDomain(stack, 'logs-destination') });
    // Its only dependency is the policy that holds its grants (see grant-layout.test.ts).
    expect(dependencyLabels(Template.fromStack(stack))).toEqual(['LifecycleGrantsInboundConnectionDeletion']);
  });

  test('a domain of another stack adds no resource dependency', () => {
    const domainStack = newStack('DomainStack');
    const domain = ownDomain(domainStack);
    const stack = newStack('UserStack', domainStack.node.root as App);
    new InboundConnectionDeletion(stack, 'R', { connectionId: 'cc-active-0001', domain });
    expect(dependencyLabels(Template.fromStack(stack))).toEqual(['LifecycleGrantsInboundConnectionDeletion']);
  });
});

describe('the shared provider', () => {
  test('one provider per stack, whatever the number and kinds of constructs', () => {
    const first = newStack('First');
    const second = newStack('Second', first.node.root as App);
    for (const stack of [first, second]) {
      const domain = importedDomain(stack, 'search-products');
      for (let i = 0; i < 3; i++) {
        new InboundConnectionRejection(stack, `Reject${i}`, { connectionId: `cc-pending-000${i}` });
        new InboundConnectionDeletion(stack, `Delete${i}`, { connectionId: `cc-active-000${i}` });
        new PackageDissociation(stack, `Packages${i}`, { domain, packageIds: [`F${i}`] });
      }
    }
    for (const stack of [first, second]) {
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
      // onEvent + isComplete of ours, onEvent + isComplete + onTimeout of the framework.
      template.resourceCountIs('AWS::Lambda::Function', 5);
      template.resourceCountIs(REJECTION_TYPE, 3);
      template.resourceCountIs(DELETION_TYPE, 3);
      template.resourceCountIs(PACKAGE_TYPE, 3);
      const tokens = new Set(
        Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>)
          .filter((resource) => resource.Type.startsWith('Custom::'))
          .map((resource) => JSON.stringify(resource.Properties.ServiceToken)),
      );
      expect(tokens.size).toBe(1);
    }
  });

  test('handlers run the bundled asset', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    const template = Template.fromStack(stack);
    for (const handler of ['index.onEvent', 'index.isComplete']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: handler,
        Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('\\.zip$') },
      });
    }
  });

  test('the waiter outlasts the longest resource timeout, polling every 10 seconds', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    const [machine] = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    // 57 minutes = 55 (the longest timeout) + 2, in 10 second polls.
    expect(definition).toContain('\\"IntervalSeconds\\":10');
    expect(definition).toContain('\\"MaxAttempts\\":342');
  });
});

describe('synth-time validation', () => {
  const make = (props: Partial<{ connectionId: string; timeout: Duration }>) => () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001', ...props });
  };

  test.each([
    ['is too short', 'cc-short'],
    ['is too long', `c${'a'.repeat(256)}`],
    ['starts with a digit', '1c-pending-0001'],
    ['has upper-case letters', 'cc-Pending-0001'],
    ['has an underscore', 'cc_pending_0001'],
    ['is empty', ''],
  ])('fails when connectionId %s', (_case, connectionId) => {
    expect(make({ connectionId })).toThrow(
      /^TestStack\/Reject: connectionId must be 10-256 characters of lower-case letters, digits and hyphens, starting with a letter; got ".*"( \(\d+ characters\))?$/,
    );
  });

  test('fails when InboundConnectionDeletion gets a bad connectionId, naming it', () => {
    const stack = newStack();
    expect(() => new InboundConnectionDeletion(stack, 'D', { connectionId: 'Bad Id!' })).toThrow(
      'connectionId must be 10-256 characters of lower-case letters, digits and hyphens, starting with a letter; got "Bad Id!"',
    );
  });

  test.each([
    ['is zero', Duration.seconds(0), '0 seconds'],
    ['is under a second', Duration.millis(500), '500 millis'],
    ['is not whole seconds', Duration.millis(1500), '1 second 500 millis'],
    ['is over 55 minutes', Duration.minutes(56), '56 minutes'],
    ['is an hour', Duration.hours(1), '1 hour'],
  ])('fails when timeout %s', (_case, timeout, shown) => {
    expect(make({ timeout })).toThrow(`timeout must be a whole number of seconds from 1 second to 55 minutes; got ${shown}`);
  });

  test.each([
    ['is empty', [], /packageIds must name at least one package; got an empty list/],
    ['repeats an id', ['F111', 'F111'], /packageIds must not repeat a package id; "F111" appears twice/],
    ['has a bad id', ['F111', 'X222'], /packageIds\[1\] must be a package id like F123456789, G123456789 or pkg-0123abcd; got "X222"/],
    ['has a pkg id with upper-case hex', ['pkg-ABC'], /packageIds\[0\] must be a package id/],
    ['has more than 100 ids', Array.from({ length: 101 }, (_, i) => `F${i}`), /packageIds must name at most 100 packages; got 101/],
  ])('fails when packageIds %s', (_case, packageIds, message) => {
    const stack = newStack();
    expect(() => new PackageDissociation(stack, 'P', { domain: importedDomain(stack, 'search-products'), packageIds })).toThrow(message);
  });

  test('fails when packageIds repeats a literal id next to a token', () => {
    const stack = newStack();
    const token = new CfnParameter(stack, 'Package').valueAsString;
    expect(
      () => new PackageDissociation(stack, 'P', { domain: importedDomain(stack, 'search-products'), packageIds: [token, 'F1', 'F1'] }),
    ).toThrow(/"F1" appears twice/);
  });

  test('fails when packageIds has more than 100 ids, some of them tokens', () => {
    const stack = newStack();
    const token = new CfnParameter(stack, 'Package').valueAsString;
    const packageIds = [token, ...Array.from({ length: 100 }, (_, i) => `F${i}`)];
    expect(() => new PackageDissociation(stack, 'P', { domain: importedDomain(stack, 'search-products'), packageIds })).toThrow(
      'packageIds must name at most 100 packages; got 101',
    );
  });

  test('accepts package ids that are tokens', () => {
    const stack = newStack();
    const token = new CfnParameter(stack, 'Package').valueAsString;
    new PackageDissociation(stack, 'P', { domain: importedDomain(stack, 'search-products'), packageIds: [token, 'F1'] });
    Template.fromStack(stack).hasResourceProperties(PACKAGE_TYPE, { PackageIds: [{ Ref: 'Package' }, 'F1'] });
  });

  test.each([
    ['is too short', 'ab'],
    ['is too long', `d${'a'.repeat(28)}`],
    ['has upper-case letters', 'Search-Products'],
  ])('fails when the domain name %s', (_case, name) => {
    const stack = newStack();
    expect(() => new PackageDissociation(stack, 'P', { domain: importedDomain(stack, name), packageIds: ['F1'] })).toThrow(
      `domain.domainName must be 3-28 characters of lower-case letters, digits and hyphens, starting with a letter; got "${name}"`,
    );
  });

  test('the stack environment is explicit in these tests', () => {
    expect(newStack().region).toBe(ENV.region);
  });
});
