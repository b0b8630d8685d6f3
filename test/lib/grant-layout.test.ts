import { CustomResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import * as path from 'path';
import {
  AssociatedPackage,
  DomainVpcEndpoint,
  InboundConnectionAcceptance,
  InboundConnectionDeletion,
  InboundConnectionRejection,
  OutboundConnection,
  Package,
  PackageAssociation,
  PackageDissociation,
  PackageSource,
  PackageType,
  RoleMembership,
  SecurityRole,
  VpcEndpointAccess,
} from '../../lib';
import { kindPolicyNameOf } from '../../lib/private/contracts/grant-policies';
import { LifecycleProvider } from '../../lib/private/lifecycle-provider';
import { handlerPolicies, importedDomain, newStack, policyLabel } from './helpers';

type Resources = Record<string, { Type: string; DependsOn?: string[]; Properties?: Record<string, unknown> }>;

/** The policies of the handler role each custom resource depends on, by the resource's logical id. */
function grantDependencies(template: Template): Record<string, string[]> {
  const policyIds = new Set(handlerPolicies(template).map(([id]) => id));
  const resources = template.toJSON().Resources as Resources;
  return Object.fromEntries(
    Object.entries(resources)
      .filter(([, resource]) => resource.Type.startsWith('Custom::'))
      .map(([id, resource]) => [id, (resource.DependsOn ?? []).filter((dependency) => policyIds.has(dependency)).sort()]),
  );
}

/** The statements of one policy. */
function statementsOf(template: Template, policyId: string): unknown[] {
  const resources = template.toJSON().Resources as Resources;
  return (resources[policyId].Properties!.PolicyDocument as { Statement: unknown[] }).Statement;
}

/** The labels (policyLabel) of the policies with these logical ids. */
const labels = (template: Template, ids: string[]) => ids.map((id) => policyLabel(template, id));

describe('grant layout', () => {
  test('each custom resource depends on the policy of its kind and the policy of its domain, which hold all its grants', () => {
    const stack = newStack();
    new PackageDissociation(stack, 'Dissociation', { domain: importedDomain(stack, 'search-products'), packageIds: ['F1'] });
    new InboundConnectionDeletion(stack, 'Deletion', { connectionId: 'cc-active-0001' });
    const template = Template.fromStack(stack);
    const dependencies = grantDependencies(template);
    const [dissociation] = Object.keys(dependencies).filter((id) => id.startsWith('Dissociation'));
    const [deletion] = Object.keys(dependencies).filter((id) => id.startsWith('Deletion'));
    expect(labels(template, dependencies[dissociation])).toEqual(['DomainGrants', 'LifecycleGrantsPackageDissociation']);
    expect(labels(template, dependencies[deletion])).toEqual(['LifecycleGrantsInboundConnectionDeletion']);
    // The domain's policy holds the package actions on that domain; the kind's, its stack status read.
    expect(statementsOf(template, dependencies[dissociation][0])).toEqual([
      {
        Effect: 'Allow',
        Action: ['es:DescribeDomain', 'es:DissociatePackages', 'es:ListPackagesForDomain'],
        Resource: 'arn:aws:es:us-east-1:111111111111:domain/search-products',
      },
    ]);
    expect(statementsOf(template, dependencies[dissociation][1])).toEqual([
      { Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } },
    ]);
    // The handler role's grants are exactly those of its default policy (logs) and these policies.
    expect(
      handlerPolicies(template)
        .map(([id]) => policyLabel(template, id))
        .sort(),
    ).toEqual(
      [
        'DomainGrants',
        'CdkOpenSearchLifecycleProviderHandlerRoleDefaultPolicy',
        'LifecycleGrantsInboundConnectionDeletion',
        'LifecycleGrantsPackageDissociation',
      ].sort(),
    );
  });

  test('a policy is named after its grants: moving a construct to another domain makes a new domain policy, the kind policy stays', () => {
    const synth = (domainName: string) => {
      const stack = newStack();
      new PackageDissociation(stack, 'Dissociation', { domain: importedDomain(stack, domainName), packageIds: ['F1'] });
      return grantDependencies(Template.fromStack(stack));
    };
    const before = Object.values(synth('search-c'))[0];
    const after = Object.values(synth('search-d'))[0];
    const kind = (ids: string[]) => ids.find((id) => id.startsWith('Grants'));
    const domain = (ids: string[]) => ids.find((id) => id.startsWith('DomainGrants'));
    expect(kind(before)).toBeDefined();
    expect(domain(before)).toBeDefined();
    expect(kind(after)).toBe(kind(before));
    expect(domain(after)).not.toBe(domain(before));
  });

  test('a kind leaving a domain another kind stays on makes a new domain policy, so the old one outlives the removed resource', () => {
    const synth = (withAssociation: boolean) => {
      const stack = newStack();
      const domain = importedDomain(stack, 'search-products');
      new PackageDissociation(stack, 'Dissociation', { domain, packageIds: ['F1'] });
      if (withAssociation) {
        new PackageAssociation(stack, 'Association', { domain, packages: [AssociatedPackage.fromPackageId('F2')] });
      }
      return grantDependencies(Template.fromStack(stack));
    };
    const before = synth(true);
    const after = synth(false);
    const dissociationBefore = Object.entries(before).find(([id]) => id.startsWith('Dissociation'))![1];
    const associationBefore = Object.entries(before).find(([id]) => id.startsWith('Association'))![1];
    const dissociationAfter = Object.entries(after).find(([id]) => id.startsWith('Dissociation'))![1];
    const domainPolicy = (ids: string[]) => ids.find((id) => id.startsWith('DomainGrants'))!;
    // Both shared one domain policy before; after, the dissociation has a new one, and the
    // removed association's (with AssociatePackages) is deleted after it, in the cleanup.
    expect(domainPolicy(associationBefore)).toBe(domainPolicy(dissociationBefore));
    expect(domainPolicy(dissociationAfter)).not.toBe(domainPolicy(dissociationBefore));
  });

  test('adding a construct of another kind on another domain leaves the policies of the others as they are', () => {
    const synth = (withOutbound: boolean) => {
      const stack = newStack();
      new InboundConnectionDeletion(stack, 'Deletion', { connectionId: 'cc-active-0001' });
      if (withOutbound) {
        new OutboundConnection(stack, 'Outbound', {
          localDomain: importedDomain(stack, 'logs-source'),
          remoteDomain: importedDomain(stack, 'logs-destination'),
          connectionAlias: 'a1',
        });
      }
      return grantDependencies(Template.fromStack(stack));
    };
    const deletion = (dependencies: Record<string, string[]>) => Object.entries(dependencies).find(([id]) => id.startsWith('Deletion'))![1];
    expect(deletion(synth(true))).toEqual(deletion(synth(false)));
  });

  test('grantFor: a new kind puts its statements in its own policy, or in its domain policy, and its resource depends on them', () => {
    const stack = newStack();
    const provider = LifecycleProvider.of(stack);
    const resource = new CustomResource(stack, 'Thing', { serviceToken: provider.serviceToken, resourceType: 'Custom::Thing' });
    const domainArn = 'arn:aws:es:us-east-1:111111111111:domain/search-things';
    provider.grantFor(resource, 'Thing', undefined, [new iam.PolicyStatement({ actions: ['es:ListThings'], resources: ['*'] })]);
    provider.grantFor(resource, 'Thing', domainArn, [
      new iam.PolicyStatement({ actions: ['es:ESHttpGet'], resources: [`${domainArn}/*`] }),
    ]);
    const template = Template.fromStack(stack);
    const dependencies = grantDependencies(template)[Object.keys(grantDependencies(template))[0]];
    expect(labels(template, dependencies)).toEqual(['DomainGrants', 'LifecycleGrantsThing']);
    expect(statementsOf(template, dependencies[1])).toEqual([{ Effect: 'Allow', Action: 'es:ListThings', Resource: '*' }]);
    expect(statementsOf(template, dependencies[0])).toEqual([{ Effect: 'Allow', Action: 'es:ESHttpGet', Resource: `${domainArn}/*` }]);
  });

  test("every kind's handler names, when AWS denies it, the inline policy its construct really makes", () => {
    const stack = newStack();
    const remote = Domain.fromDomainAttributes(stack, 'Remote', {
      domainArn: 'arn:aws:es:us-east-1:222222222222:domain/orders',
      domainEndpoint: 'https://vpc-orders-abc123.us-east-1.es.amazonaws.com',
    });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0a1b2c3d',
      availabilityZones: ['us-east-1a'],
      privateSubnetIds: ['subnet-0aaa1111'],
    });
    const local = importedDomain(stack, 'logs-local');
    new InboundConnectionRejection(stack, 'Rejection', { connectionId: 'cc-reject-0001' });
    new InboundConnectionDeletion(stack, 'Deletion', { connectionId: 'cc-delete-0001' });
    new InboundConnectionAcceptance(stack, 'Acceptance', { connectionId: 'cc-accept-0001', domain: local });
    new OutboundConnection(stack, 'Outbound', { localDomain: local, remoteDomain: remote, connectionAlias: 'to-orders' });
    new Package(stack, 'Package', {
      packageName: 'synonyms',
      packageType: PackageType.TXT_DICTIONARY,
      source: PackageSource.fromAsset(path.join(__dirname, 'fixtures', 'synonyms.txt')),
    });
    new PackageAssociation(stack, 'Association', { domain: local, packages: [AssociatedPackage.fromPackageId('F2')] });
    new PackageDissociation(stack, 'Dissociation', { domain: local, packageIds: ['F1'] });
    new DomainVpcEndpoint(stack, 'Endpoint', { domain: remote, vpc });
    new VpcEndpointAccess(stack, 'Access', { domain: local, account: '333333333333' });
    const role = new SecurityRole(stack, 'Role', { domain: local, roleName: 'readers' });
    new RoleMembership(stack, 'Membership', { domain: local, role, users: ['reader'] });
    const template = Template.fromStack(stack);
    const resources = template.toJSON().Resources as Resources;
    const inlinePolicyNames = (ids: string[]) =>
      ids.filter((id) => resources[id].Type === 'AWS::IAM::Policy').map((id) => String(resources[id].Properties!.PolicyName));
    const named = Object.entries(grantDependencies(template)).map(([id, dependencies]) => {
      const [policyName] = inlinePolicyNames(dependencies);
      const messagePrefix = kindPolicyNameOf(resources[id].Type, '');
      return { type: resources[id].Type, named: policyName === undefined || policyName.startsWith(messagePrefix) };
    });
    expect(named).toHaveLength(11);
    expect(named.filter((entry) => !entry.named)).toEqual([]);
  });
});
