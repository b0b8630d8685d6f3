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
import { handlerGrants, handlerPolicies, handlerStatements, importedDomain, newStack, ownDomain, policyLabel } from './helpers';

const PACKAGE_ACTIONS = ['es:DescribeDomain', 'es:DissociatePackages', 'es:ListPackagesForDomain'];
const arnOf = (name: string) => `arn:aws:es:us-east-1:111111111111:domain/${name}`;
/** The stack status read (rollback detection): DescribeStacks on the stack's own id, nothing wider. */
const STACK_STATUS_READ = { Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } };

const STACK = JSON.stringify({ Ref: 'AWS::StackId' });
const packageGrants = (...domains: string[]) =>
  domains.flatMap((domain) => PACKAGE_ACTIONS.map((action) => `${action} on ${domain.startsWith('{') ? domain : arnOf(domain)}`));

describe('handler permissions', () => {
  test('InboundConnectionRejection alone: describe and reject on *, its stack status, nothing else', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    expect(handlerGrants(Template.fromStack(stack))).toEqual([
      `cloudformation:DescribeStacks on ${STACK}`,
      'es:DescribeInboundConnections on *',
      'es:RejectInboundConnection on *',
    ]);
  });

  test('InboundConnectionDeletion alone: describe, reject and delete on *, its stack status, nothing else', () => {
    const stack = newStack();
    new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001' });
    expect(handlerGrants(Template.fromStack(stack))).toEqual([
      `cloudformation:DescribeStacks on ${STACK}`,
      'es:DeleteInboundConnection on *',
      'es:DescribeInboundConnections on *',
      'es:RejectInboundConnection on *',
    ]);
  });

  test('PackageDissociation alone: package actions on the named domains only, once each; its stack status once', () => {
    const stack = newStack();
    const products = importedDomain(stack, 'search-products');
    new PackageDissociation(stack, 'A', { domain: products, packageIds: ['F1'] });
    new PackageDissociation(stack, 'B', { domain: products, packageIds: ['F2'] });
    new PackageDissociation(stack, 'C', { domain: importedDomain(stack, 'search-logs'), packageIds: ['F3'] });
    expect(handlerGrants(Template.fromStack(stack))).toEqual(
      [`cloudformation:DescribeStacks on ${STACK}`, ...packageGrants('search-products', 'search-logs')].sort(),
    );
  });

  const securityPaths = (arn: string) =>
    ['_plugins', '_opendistro'].flatMap((root) => [`${arn}/${root}/_security/api/roles/*`, `${arn}/${root}/_security/api/rolesmapping/*`]);
  const SECURITY_ACTIONS = ['es:ESHttpGet', 'es:ESHttpPut', 'es:ESHttpPatch', 'es:ESHttpDelete'];

  const securityGrants = (...domains: string[]) =>
    domains.flatMap((domain) => SECURITY_ACTIONS.flatMap((action) => securityPaths(arnOf(domain)).map((path) => `${action} on ${path}`)));

  test('SecurityRole alone: the HTTP actions on the security API paths of its domain, nothing else (no stack status)', () => {
    const stack = newStack();
    new SecurityRole(stack, 'Role', { domain: importedDomain(stack, 'secure-logs'), roleName: 'readers' });
    expect(handlerGrants(Template.fromStack(stack))).toEqual(securityGrants('secure-logs').sort());
  });

  test('RoleMembership on two domains: the security API paths of each, once; its stack status once', () => {
    const stack = newStack();
    const logs = importedDomain(stack, 'secure-logs');
    new RoleMembership(stack, 'A', { domain: logs, role: 'readall', users: ['a'] });
    new RoleMembership(stack, 'B', { domain: logs, role: 'readers', users: ['b'] });
    new RoleMembership(stack, 'C', { domain: importedDomain(stack, 'secure-archive'), role: 'readall', users: ['c'] });
    const grants = handlerGrants(Template.fromStack(stack));
    expect(grants).toEqual([`cloudformation:DescribeStacks on ${STACK}`, ...securityGrants('secure-logs', 'secure-archive')].sort());
    expect(new Set(grants).size).toBe(grants.length);
  });

  test('a domain of the same stack is named by its ARN attribute', () => {
    const stack = newStack();
    const domain = ownDomain(stack);
    new PackageDissociation(stack, 'A', { domain, packageIds: ['F1'] });
    const domainId = stack.getLogicalId(domain.node.defaultChild as CfnElement);
    expect(handlerGrants(Template.fromStack(stack))).toEqual(
      [`cloudformation:DescribeStacks on ${STACK}`, ...packageGrants(JSON.stringify({ 'Fn::GetAtt': [domainId, 'Arn'] }))].sort(),
    );
  });

  test('all three together: connection actions on *, package actions scoped, no es:*', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001' });
    new PackageDissociation(stack, 'Packages', { domain: importedDomain(stack, 'search-products'), packageIds: ['F1'] });
    const grants = handlerGrants(Template.fromStack(stack));
    expect([...new Set(grants)]).toEqual(
      [
        `cloudformation:DescribeStacks on ${STACK}`,
        'es:DeleteInboundConnection on *',
        'es:DescribeInboundConnections on *',
        'es:RejectInboundConnection on *',
        ...packageGrants('search-products'),
      ].sort(),
    );
    expect(grants.filter((grant) => grant.split(' on ')[0].includes('*'))).toEqual([]);
  });

  test('the handler role may write only to its own log group, and has no AWS managed policy', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    const template = Template.fromStack(stack);
    const [logGroupId] = Object.keys(template.findResources('AWS::Logs::LogGroup')).filter((id) => id.includes('HandlerLogs'));
    const logs = handlerPolicies(template)
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('logs:')));
    expect(logs).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
    ]);
    const handlerRoles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([id]) =>
      id.includes('LifecycleProviderHandlerRole'),
    );
    expect(handlerRoles).toHaveLength(1);
    expect(handlerRoles[0][1].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('the stack status read is granted only to kinds that read it, and names the stack of the provider', () => {
    const without = newStack('Without');
    LifecycleProvider.of(without);
    expect(handlerGrants(Template.fromStack(without))).toEqual([]);
    const stack = newStack('With');
    new PackageDissociation(stack, 'A', { domain: importedDomain(stack, 'search-products'), packageIds: ['F1'] });
    new PackageDissociation(stack, 'B', { domain: importedDomain(stack, 'search-products', 'Again'), packageIds: ['F2'] });
    const reads = handlerStatements(Template.fromStack(stack)).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('cloudformation:')),
    );
    expect(reads).toEqual([STACK_STATUS_READ]);
  });

  test('PackageAssociation adds the stack events read to the same statement of its policy, on the stack of the provider only, once', () => {
    const stack = newStack();
    new PackageDissociation(stack, 'Dissociation', { domain: importedDomain(stack, 'search-products'), packageIds: ['F1'] });
    new PackageAssociation(stack, 'A', { domain: importedDomain(stack, 'search-logs'), packages: [AssociatedPackage.fromPackageId('F2')] });
    new PackageAssociation(stack, 'B', {
      domain: importedDomain(stack, 'search-logs', 'Again'),
      packages: [AssociatedPackage.fromPackageId('F3')],
    });
    const template = Template.fromStack(stack);
    const stackReads = handlerPolicies(template).flatMap(([id, policy]) =>
      policy.Properties.PolicyDocument.Statement.filter((statement) =>
        [statement.Action].flat().some((action) => action.startsWith('cloudformation:')),
      ).map((statement) => [policyLabel(template, id), statement]),
    );
    expect(stackReads.sort(([a], [b]) => (String(a) < String(b) ? -1 : 1))).toEqual([
      [
        'LifecycleGrantsPackageAssociation',
        {
          Effect: 'Allow',
          Action: ['cloudformation:DescribeStackEvents', 'cloudformation:DescribeStacks'],
          Resource: { Ref: 'AWS::StackId' },
        },
      ],
      ['LifecycleGrantsPackageDissociation', STACK_STATUS_READ],
    ]);
  });
});
