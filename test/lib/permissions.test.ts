import { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  AssociatedPackage,
  InboundConnectionDeletion,
  InboundConnectionRejection,
  PackageAssociation,
  PackageDissociation,
  RoleMembership,
  SecurityRole,
} from '../../lib';
import { LifecycleProvider } from '../../lib/private/lifecycle-provider';
import { handlerStatements, importedDomain, newStack, ownDomain } from './helpers';

const PACKAGE_ACTIONS = ['es:DissociatePackages', 'es:ListPackagesForDomain', 'es:DescribeDomain'];
const arnOf = (name: string) => `arn:aws:es:us-east-1:111111111111:domain/${name}`;
/** The stack status read (rollback detection): DescribeStacks on the stack's own id, nothing wider. */
const STACK_STATUS_READ = { Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } };

describe('handler permissions', () => {
  test('InboundConnectionRejection alone: describe and reject on *, its stack status, nothing else', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    expect(handlerStatements(Template.fromStack(stack))).toEqual([
      { Effect: 'Allow', Action: ['es:DescribeInboundConnections', 'es:RejectInboundConnection'], Resource: '*' },
      STACK_STATUS_READ,
    ]);
  });

  test('InboundConnectionDeletion alone: describe, reject and delete on *, its stack status, nothing else', () => {
    const stack = newStack();
    new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001' });
    expect(handlerStatements(Template.fromStack(stack))).toEqual([
      {
        Effect: 'Allow',
        Action: ['es:DescribeInboundConnections', 'es:RejectInboundConnection', 'es:DeleteInboundConnection'],
        Resource: '*',
      },
      STACK_STATUS_READ,
    ]);
  });

  test('PackageDissociation alone: package actions on the named domains only, once each; its stack status once', () => {
    const stack = newStack();
    const products = importedDomain(stack, 'search-products');
    new PackageDissociation(stack, 'A', { domain: products, packageIds: ['F1'] });
    new PackageDissociation(stack, 'B', { domain: products, packageIds: ['F2'] });
    new PackageDissociation(stack, 'C', { domain: importedDomain(stack, 'search-logs'), packageIds: ['F3'] });
    expect(handlerStatements(Template.fromStack(stack))).toEqual([
      { Effect: 'Allow', Action: PACKAGE_ACTIONS, Resource: [arnOf('search-products'), arnOf('search-logs')] },
      STACK_STATUS_READ,
    ]);
  });

  const securityPaths = (arn: string) =>
    ['_plugins', '_opendistro'].flatMap((root) => [`${arn}/${root}/_security/api/roles/*`, `${arn}/${root}/_security/api/rolesmapping/*`]);
  const SECURITY_ACTIONS = ['es:ESHttpGet', 'es:ESHttpPut', 'es:ESHttpPatch', 'es:ESHttpDelete'];

  test('SecurityRole alone: the HTTP actions on the security API paths of its domain, nothing else (no stack status)', () => {
    const stack = newStack();
    new SecurityRole(stack, 'Role', { domain: importedDomain(stack, 'secure-logs'), roleName: 'readers' });
    expect(handlerStatements(Template.fromStack(stack))).toEqual([
      { Effect: 'Allow', Action: SECURITY_ACTIONS, Resource: securityPaths(arnOf('secure-logs')) },
    ]);
  });

  test('RoleMembership on two domains: the security API paths of each, once; its stack status once', () => {
    const stack = newStack();
    const logs = importedDomain(stack, 'secure-logs');
    new RoleMembership(stack, 'A', { domain: logs, role: 'readall', users: ['a'] });
    new RoleMembership(stack, 'B', { domain: logs, role: 'readers', users: ['b'] });
    new RoleMembership(stack, 'C', { domain: importedDomain(stack, 'secure-archive'), role: 'readall', users: ['c'] });
    expect(handlerStatements(Template.fromStack(stack))).toEqual([
      {
        Effect: 'Allow',
        Action: SECURITY_ACTIONS,
        Resource: [...securityPaths(arnOf('secure-logs')), ...securityPaths(arnOf('secure-archive'))],
      },
      STACK_STATUS_READ,
    ]);
  });

  test('a domain of the same stack is named by its ARN attribute', () => {
    const stack = newStack();
    const domain = ownDomain(stack);
    new PackageDissociation(stack, 'A', { domain, packageIds: ['F1'] });
    const domainId = stack.getLogicalId(domain.node.defaultChild as CfnElement);
    expect(handlerStatements(Template.fromStack(stack))).toEqual([
      { Effect: 'Allow', Action: PACKAGE_ACTIONS, Resource: { 'Fn::GetAtt': [domainId, 'Arn'] } },
      STACK_STATUS_READ,
    ]);
  });

  test('all three together: connection actions on *, package actions scoped, no es:*', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001' });
    new PackageDissociation(stack, 'Packages', { domain: importedDomain(stack, 'search-products'), packageIds: ['F1'] });
    const statements = handlerStatements(Template.fromStack(stack));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['es:DescribeInboundConnections', 'es:RejectInboundConnection', 'es:DeleteInboundConnection'],
        Resource: '*',
      },
      STACK_STATUS_READ,
      { Effect: 'Allow', Action: PACKAGE_ACTIONS, Resource: arnOf('search-products') },
    ]);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  test('the handler role may write only to its own log group, and has no managed policy', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    const template = Template.fromStack(stack);
    const [logGroupId] = Object.keys(template.findResources('AWS::Logs::LogGroup')).filter((id) => id.includes('HandlerLogs'));
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
          { Effect: 'Allow', Action: ['es:DescribeInboundConnections', 'es:RejectInboundConnection'], Resource: '*' },
          STACK_STATUS_READ,
        ],
      },
    });
    const handlerRoles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) =>
      id.includes('LifecycleProviderHandlerRole'),
    );
    expect(handlerRoles).toHaveLength(1);
    expect(handlerRoles[0][1].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('the stack status read is granted only when asked for, and names the stack of the provider', () => {
    const without = newStack('Without');
    LifecycleProvider.of(without);
    expect(handlerStatements(Template.fromStack(without))).toEqual([]);
    const stack = newStack('With');
    LifecycleProvider.of(stack).allowStackStatusRead();
    LifecycleProvider.of(stack).allowStackStatusRead();
    expect(handlerStatements(Template.fromStack(stack))).toEqual([STACK_STATUS_READ]);
  });

  test('PackageAssociation adds the stack events read to the same statement, on the stack of the provider only, once', () => {
    const stack = newStack();
    new PackageDissociation(stack, 'Dissociation', { domain: importedDomain(stack, 'search-products'), packageIds: ['F1'] });
    new PackageAssociation(stack, 'A', { domain: importedDomain(stack, 'search-logs'), packages: [AssociatedPackage.fromPackageId('F2')] });
    new PackageAssociation(stack, 'B', {
      domain: importedDomain(stack, 'search-logs', 'Again'),
      packages: [AssociatedPackage.fromPackageId('F3')],
    });
    const stackReads = handlerStatements(Template.fromStack(stack)).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('cloudformation:')),
    );
    expect(stackReads).toEqual([
      {
        Effect: 'Allow',
        Action: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents'],
        Resource: { Ref: 'AWS::StackId' },
      },
    ]);
  });
});
