import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { PackageDissociation } from '../../lib';

// IAM's limits, counted without white space: all inline policies of a role together, and one managed policy.
const INLINE_LIMIT = 10_240;
const MANAGED_LIMIT = 6_144;
const size = (document: unknown) => JSON.stringify(document).replace(/\s/g, '').length;

test('200 PackageDissociation resources on 200 domains stay within IAM policy size limits', () => {
  const stack = new Stack(new App(), 'Large', { env: { account: '111111111111', region: 'ap-southeast-2' } });
  const arns: string[] = [];
  for (let i = 0; i < 200; i++) {
    // The longest domain names allowed (28 characters), in a long region name: the worst case.
    const name = `search-products-catalog-${String(i).padStart(4, '0')}`;
    expect(name).toHaveLength(28);
    const arn = `arn:aws:es:ap-southeast-2:111111111111:domain/${name}`;
    arns.push(arn);
    const domain = Domain.fromDomainAttributes(stack, `Domain${i}`, {
      domainArn: arn,
      domainEndpoint: `https://search-${name}-x.es.amazonaws.com`,
    });
    new PackageDissociation(stack, `Packages${i}`, { domain, packageIds: ['F1'] });
  }
  const template = Template.fromStack(stack);
  const [roleId] = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.includes('LifecycleProviderHandlerRole'));
  const attached = (resource: Record<string, unknown>) =>
    JSON.stringify((resource.Properties as { Roles?: unknown }).Roles) === JSON.stringify([{ Ref: roleId }]);

  const inline = Object.values(template.findResources('AWS::IAM::Policy')).filter(attached);
  const managed = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter(attached);
  expect(inline.length).toBe(1);
  expect(managed.length).toBeGreaterThan(0);
  expect(inline.reduce((total, policy) => total + size(policy.Properties.PolicyDocument), 0)).toBeLessThanOrEqual(INLINE_LIMIT);
  for (const policy of managed) {
    expect(size(policy.Properties.PolicyDocument)).toBeLessThanOrEqual(MANAGED_LIMIT);
  }

  // Every domain is granted exactly once, and nothing else is granted the package actions.
  const packageResources = [...inline, ...managed]
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string[]; Resource: string | string[] }>)
    .filter((statement) => [statement.Action].flat().includes('es:DissociatePackages'))
    .flatMap((statement) => [statement.Resource].flat());
  expect(packageResources.sort()).toEqual([...arns].sort());

  // The handlers start only once every policy of their role exists.
  const handlers = template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.onEvent' } });
  const dependsOn = Object.values(handlers)[0].DependsOn as string[];
  for (const [id] of Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([, p]) => attached(p))) {
    expect(dependsOn).toContain(id);
  }
});
