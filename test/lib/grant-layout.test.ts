import { CustomResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AssociatedPackage, InboundConnectionDeletion, OutboundConnection, PackageAssociation, PackageDissociation } from '../../lib';
import { LifecycleProvider } from '../../lib/private/lifecycle-provider';
import { handlerPolicies, importedDomain, newStack } from './helpers';

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

const withoutHash = (id: string) => id.replace(/[0-9A-F]{8}$/, '');

describe('grant layout', () => {
  test('each custom resource depends on the policy of its kind and the policy of its domain, which hold all its grants', () => {
    const stack = newStack();
    new PackageDissociation(stack, 'Dissociation', { domain: importedDomain(stack, 'search-products'), packageIds: ['F1'] });
    new InboundConnectionDeletion(stack, 'Deletion', { connectionId: 'cc-active-0001' });
    const template = Template.fromStack(stack);
    const dependencies = grantDependencies(template);
    const [dissociation] = Object.keys(dependencies).filter((id) => id.startsWith('Dissociation'));
    const [deletion] = Object.keys(dependencies).filter((id) => id.startsWith('Deletion'));
    expect(dependencies[dissociation].map(withoutHash)).toHaveLength(2);
    expect(dependencies[dissociation].map(withoutHash)[1]).toBe('LifecycleGrantsPackageDissociation');
    expect(dependencies[dissociation].map(withoutHash)[0]).toMatch(/^LifecycleDomainGrants[0-3]$/);
    expect(dependencies[deletion].map(withoutHash)).toEqual(['LifecycleGrantsInboundConnectionDeletion']);
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
        .map(([id]) => withoutHash(id))
        .sort(),
    ).toEqual(
      [
        withoutHash(dependencies[dissociation][0]),
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
    const kind = (ids: string[]) => ids.find((id) => id.startsWith('LifecycleGrants'));
    const domain = (ids: string[]) => ids.find((id) => id.startsWith('LifecycleDomainGrants'));
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
    const domainPolicy = (ids: string[]) => ids.find((id) => id.startsWith('LifecycleDomainGrants'))!;
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
    expect(dependencies.map(withoutHash)[1]).toBe('LifecycleGrantsThing');
    expect(statementsOf(template, dependencies[1])).toEqual([{ Effect: 'Allow', Action: 'es:ListThings', Resource: '*' }]);
    expect(statementsOf(template, dependencies[0])).toEqual([{ Effect: 'Allow', Action: 'es:ESHttpGet', Resource: `${domainArn}/*` }]);
  });
});
