import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Package, PackageDissociation, PackageSource, PackageType } from '../../lib';
import { DOMAIN_POLICY_BUCKETS, INLINE_POLICY_LIMIT, MANAGED_POLICY_LIMIT } from '../../lib/private/grants';
import { handlerPolicies } from './helpers';

// IAM's limits are counted without white space.
const size = (document: unknown) => JSON.stringify(document).replace(/\s/g, '').length;

/** N PackageDissociation resources spread over `domains` domains, with the longest names (the worst case). */
function dissociations(constructs: number, domains: number): { stack: Stack; arns: string[] } {
  const stack = new Stack(new App(), 'Large', { env: { account: '111111111111', region: 'ap-southeast-2' } });
  const arns: string[] = [];
  for (let i = 0; i < constructs; i++) {
    // The longest domain names allowed (28 characters), in a long region name.
    const name = `search-products-catalog-${String(i % domains).padStart(4, '0')}`;
    expect(name).toHaveLength(28);
    const arn = `arn:aws:es:ap-southeast-2:111111111111:domain/${name}`;
    if (!arns.includes(arn)) arns.push(arn);
    const domain = Domain.fromDomainAttributes(stack, `Domain${i}`, {
      domainArn: arn,
      domainEndpoint: `https://search-${name}-x.es.amazonaws.com`,
    });
    new PackageDissociation(stack, `Packages${i}`, { domain, packageIds: ['F1'] });
  }
  return { stack, arns };
}

describe.each([
  [200, 200],
  [200, 10],
])('%i PackageDissociation resources on %i domains', (constructs, domains) => {
  test('stay within IAM policy size limits, with every domain granted exactly once', () => {
    const { stack, arns } = dissociations(constructs, domains);
    const policies = handlerPolicies(Template.fromStack(stack));
    const inline = policies.filter(([, policy]) => policy.Type === 'AWS::IAM::Policy');
    const managed = policies.filter(([, policy]) => policy.Type === 'AWS::IAM::ManagedPolicy');
    expect(managed.length).toBeLessThanOrEqual(DOMAIN_POLICY_BUCKETS);
    expect(inline.reduce((total, [, policy]) => total + size(policy.Properties.PolicyDocument), 0)).toBeLessThanOrEqual(
      INLINE_POLICY_LIMIT,
    );
    for (const [, policy] of managed) {
      expect(size(policy.Properties.PolicyDocument)).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
    }
    const packageResources = policies
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => [statement.Action].flat().includes('es:DissociatePackages'))
      .flatMap((statement) => [statement.Resource].flat());
    expect(packageResources.sort()).toEqual([...arns].sort());
  });
});

test('grants that would pass the size of a managed policy fail at synth, saying how to split the stack', () => {
  const { stack } = dissociations(1000, 1000);
  expect(() => Template.fromStack(stack)).toThrow(
    /stack Large: the grants on \d+ domains in managed policy \d of 4 would take about \d+ characters \(IAM allows 6144 for a managed policy\)\. Split the constructs of this library across more stacks/,
  );
});

test("grants that would pass the role's inline policy limit fail at synth, saying how to split the stack", () => {
  const stack = new Stack(new App(), 'ManyPackages', { env: { account: '111111111111', region: 'us-east-1' } });
  const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'my-packages-with-a-long-bucket-name');
  for (let i = 0; i < 200; i++) {
    new Package(stack, `Package${i}`, {
      packageName: `synonyms-${i}`,
      packageType: PackageType.TXT_DICTIONARY,
      source: PackageSource.fromBucket(bucket, `dictionaries/synonyms-${String(i).padStart(4, '0')}.txt`),
    });
  }
  expect(() => Template.fromStack(stack)).toThrow(
    /stack ManyPackages: the handler role's inline policies would need up to \d+ characters while one is replaced \(IAM allows 10240 for a role\)\. Split/,
  );
});
