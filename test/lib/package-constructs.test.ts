import * as path from 'path';
import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AssociatedPackage, Package, PackageAssociation, PackageSource, PackageType } from '../../lib';
import { handlerGrants, handlerStatements, importedDomain, newStack, ownDomain } from './helpers';

// Pinned on purpose: changing a custom resource type replaces every deployed resource.
const PACKAGE_TYPE = 'Custom::OpenSearchPackage';
const ASSOCIATION_TYPE = 'Custom::OpenSearchPackageAssociation';
const SYNONYMS = path.join(__dirname, 'fixtures', 'synonyms.txt');
const MANAGEMENT_ACTIONS = [
  'es:CreatePackage',
  'es:UpdatePackage',
  'es:DeletePackage',
  'es:DescribePackages',
  'es:GetPackageVersionHistory',
  'es:ListDomainsForPackage',
];
const arnOf = (name: string) => `arn:aws:es:us-east-1:111111111111:domain/${name}`;

function bucketPackage(stack: ReturnType<typeof newStack>, id = 'Synonyms', extra: Partial<ConstructorParameters<typeof Package>[2]> = {}) {
  const bucket = s3.Bucket.fromBucketName(stack, `${id}Bucket`, 'my-packages');
  return new Package(stack, id, {
    packageName: 'synonyms',
    packageType: PackageType.TXT_DICTIONARY,
    source: PackageSource.fromBucket(bucket, 'dictionaries/synonyms-v1.txt'),
    ...extra,
  });
}

describe('Package', () => {
  test('maps props to template properties', () => {
    const stack = newStack();
    bucketPackage(stack, 'Synonyms', { description: 'Product synonyms', timeout: Duration.minutes(10) });
    Template.fromStack(stack).hasResourceProperties(PACKAGE_TYPE, {
      PackageName: 'synonyms',
      PackageType: 'TXT-DICTIONARY',
      S3BucketName: 'my-packages',
      S3Key: 'dictionaries/synonyms-v1.txt',
      EngineVersion: Match.absent(),
      PackageDescription: 'Product synonyms',
      TimeoutSeconds: 600,
    });
  });

  test('a file asset: the bucket and key of the asset, which changes with the content', () => {
    const stack = newStack();
    new Package(stack, 'Synonyms', {
      packageName: 'synonyms',
      packageType: PackageType.TXT_DICTIONARY,
      source: PackageSource.fromAsset(SYNONYMS),
    });
    Template.fromStack(stack).hasResourceProperties(PACKAGE_TYPE, {
      S3BucketName: 'cdk-hnb659fds-assets-111111111111-us-east-1',
      S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.txt$'),
    });
  });

  test('a plugin with its engine version', () => {
    const stack = newStack();
    bucketPackage(stack, 'Plugin', {
      packageName: 'analysis-extra',
      packageType: PackageType.ZIP_PLUGIN,
      engineVersion: 'OpenSearch_2.17',
    });
    Template.fromStack(stack).hasResourceProperties(PACKAGE_TYPE, { PackageType: 'ZIP-PLUGIN', EngineVersion: 'OpenSearch_2.17' });
  });

  test('packageId and packageVersion are the resource attributes', () => {
    const stack = newStack();
    const pkg = bucketPackage(stack);
    const [logicalId] = Object.keys(Template.fromStack(stack).findResources(PACKAGE_TYPE));
    expect(stack.resolve(pkg.packageId)).toEqual({ 'Fn::GetAtt': [logicalId, 'PackageId'] });
    expect(stack.resolve(pkg.packageVersion)).toEqual({ 'Fn::GetAtt': [logicalId, 'PackageVersion'] });
  });

  test('fails when a plugin has no engine version', () => {
    const stack = newStack();
    expect(() => bucketPackage(stack, 'Plugin', { packageName: 'analysis-extra', packageType: PackageType.ZIP_PLUGIN })).toThrow(
      'engineVersion is required for a ZIP-PLUGIN package',
    );
  });

  test('fails when a dictionary has an engine version', () => {
    const stack = newStack();
    expect(() => bucketPackage(stack, 'Synonyms', { engineVersion: 'OpenSearch_2.17' })).toThrow(
      'engineVersion is only allowed for ZIP-PLUGIN packages; got "OpenSearch_2.17" for a TXT-DICTIONARY package',
    );
  });

  test.each([['ab'], ['Synonyms'], ['1synonyms'], ['a'.repeat(29)], ['syn_onyms']])('fails when the package name is %s', (name) => {
    const stack = newStack();
    expect(() => bucketPackage(stack, 'Synonyms', { packageName: name })).toThrow(
      'packageName must be 3-28 characters of lower-case letters, digits and hyphens, starting with a letter',
    );
  });

  test('fails when the engine version is malformed', () => {
    const stack = newStack();
    expect(() =>
      bucketPackage(stack, 'Plugin', { packageName: 'plugin', packageType: PackageType.ZIP_PLUGIN, engineVersion: '2.17' }),
    ).toThrow('engineVersion must look like OpenSearch_2.17 or Elasticsearch_7.10; got "2.17"');
  });

  test('fails when the description is too long', () => {
    const stack = newStack();
    expect(() => bucketPackage(stack, 'Synonyms', { description: 'x'.repeat(961) })).toThrow('description must be at most 960 characters');
  });

  test('a package file in a bucket of another Region fails at synth, naming the construct; the same Region is fine', () => {
    const stack = new Stack(new App(), 'Regions', { env: { account: '111111111111', region: 'eu-west-1' } });
    const elsewhere = s3.Bucket.fromBucketAttributes(stack, 'Elsewhere', { bucketName: 'packages-us', region: 'us-east-1' });
    expect(
      () =>
        new Package(stack, 'Synonyms', {
          packageName: 'synonyms',
          packageType: PackageType.TXT_DICTIONARY,
          source: PackageSource.fromBucket(elsewhere, 'synonyms.txt'),
        }),
    ).toThrow("Regions/Synonyms: the package file's bucket packages-us is in us-east-1, not in the stack's Region eu-west-1");
    const here = s3.Bucket.fromBucketAttributes(stack, 'Here', { bucketName: 'packages-eu', region: 'eu-west-1' });
    expect(
      () =>
        new Package(stack, 'Stopwords', {
          packageName: 'stopwords',
          packageType: PackageType.TXT_DICTIONARY,
          source: PackageSource.fromBucket(here, 'stopwords.txt'),
        }),
    ).not.toThrow();
  });

  test('IAM: package management on * and read access to exactly the source object', () => {
    const stack = newStack();
    bucketPackage(stack);
    expect(handlerGrants(Template.fromStack(stack))).toEqual(
      [
        ...MANAGEMENT_ACTIONS.map((action) => `${action} on *`),
        's3:GetObject on arn:aws:s3:::my-packages/dictionaries/synonyms-v1.txt',
      ].sort(),
    );
  });

  test('IAM: a stack without a region names the object with the partition of the deployment', () => {
    const stack = new Stack(new App());
    bucketPackage(stack as ReturnType<typeof newStack>);
    const read = handlerStatements(Template.fromStack(stack)).find((s) => s.Action === 's3:GetObject');
    expect(read?.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::my-packages/dictionaries/synonyms-v1.txt']],
    });
  });

  test('IAM: an asset source: read access to exactly the asset object', () => {
    const stack = newStack();
    new Package(stack, 'Synonyms', {
      packageName: 'synonyms',
      packageType: PackageType.TXT_DICTIONARY,
      source: PackageSource.fromAsset(SYNONYMS),
    });
    const read = handlerStatements(Template.fromStack(stack)).find((s) => s.Action === 's3:GetObject');
    expect(read?.Resource).toMatch(/^arn:aws:s3:::cdk-hnb659fds-assets-111111111111-us-east-1\/[0-9a-f]{64}\.txt$/);
  });

  test('IAM: two packages, one management statement, one read statement naming each object, nothing on the bucket', () => {
    const stack = newStack();
    bucketPackage(stack, 'A');
    bucketPackage(stack, 'B', {
      packageName: 'stopwords',
      source: PackageSource.fromBucket(s3.Bucket.fromBucketName(stack, 'Other', 'my-packages'), 'dictionaries/stopwords.txt'),
    });
    const statements = handlerStatements(Template.fromStack(stack));
    expect(statements.filter((s) => s.Resource === '*')).toHaveLength(1);
    const reads = statements.filter((s) => s.Action === 's3:GetObject');
    expect(reads).toHaveLength(1);
    expect(reads[0].Resource).toHaveLength(2);
    expect(JSON.stringify(statements)).not.toContain('my-packages/*');
    expect(JSON.stringify(statements)).not.toContain('s3:*');
  });

  test('one provider per stack, shared with the other constructs', () => {
    const stack = newStack();
    const pkg = bucketPackage(stack);
    new PackageAssociation(stack, 'Assoc', {
      domain: importedDomain(stack, 'search-products'),
      packages: [AssociatedPackage.fromPackage(pkg)],
    });
    const alone = newStack('Alone');
    bucketPackage(alone);
    const functions = Object.keys(Template.fromStack(alone).findResources('AWS::Lambda::Function')).length;
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', functions);
    Template.fromStack(stack).resourceCountIs(
      'AWS::IAM::Role',
      Object.keys(Template.fromStack(alone).findResources('AWS::IAM::Role')).length,
    );
  });
});

describe('PackageAssociation', () => {
  test('maps a Package to its id and version attributes, and depends on it', () => {
    const stack = newStack();
    const pkg = bucketPackage(stack);
    new PackageAssociation(stack, 'Assoc', {
      domain: importedDomain(stack, 'search-products'),
      packages: [AssociatedPackage.fromPackage(pkg)],
      timeout: Duration.minutes(5),
    });
    const template = Template.fromStack(stack);
    const packageLogicalId = stack.getLogicalId(pkg.node.defaultChild as CfnElement);
    template.hasResourceProperties(ASSOCIATION_TYPE, {
      DomainName: 'search-products',
      Packages: [
        {
          PackageId: { 'Fn::GetAtt': [packageLogicalId, 'PackageId'] },
          PackageVersion: { 'Fn::GetAtt': [packageLogicalId, 'PackageVersion'] },
          PrerequisitePackageIds: Match.absent(),
        },
      ],
      TimeoutSeconds: 300,
    });
    template.hasResource(ASSOCIATION_TYPE, { DependsOn: Match.arrayWith([packageLogicalId]) });
  });

  test('package ids with prerequisites, in order', () => {
    const stack = newStack();
    const plugin = AssociatedPackage.fromPackageId('pkg-0a1b2c');
    const license = AssociatedPackage.fromPackageId('F222222222', { prerequisites: [plugin] });
    new PackageAssociation(stack, 'Assoc', {
      domain: importedDomain(stack, 'search-products'),
      packages: [plugin, license, AssociatedPackage.fromPackageId('G333333333')],
    });
    Template.fromStack(stack).hasResourceProperties(ASSOCIATION_TYPE, {
      Packages: [
        { PackageId: 'pkg-0a1b2c' },
        { PackageId: 'F222222222', PrerequisitePackageIds: ['pkg-0a1b2c'] },
        { PackageId: 'G333333333' },
      ],
    });
  });

  test('a domain of the same stack: depends on it', () => {
    const stack = newStack();
    const domain = ownDomain(stack);
    new PackageAssociation(stack, 'Assoc', { domain, packages: [AssociatedPackage.fromPackageId('F1')] });
    const domainId = stack.getLogicalId(domain.node.defaultChild as CfnElement);
    Template.fromStack(stack).hasResource(ASSOCIATION_TYPE, { DependsOn: Match.arrayWith([domainId]) });
  });

  test('IAM: associate, dissociate, list and describe on the domain ARN only, one statement for every domain', () => {
    const stack = newStack();
    new PackageAssociation(stack, 'Assoc', {
      domain: importedDomain(stack, 'search-products'),
      packages: [AssociatedPackage.fromPackageId('F1')],
    });
    new PackageAssociation(stack, 'Other', {
      domain: importedDomain(stack, 'search-logs'),
      packages: [AssociatedPackage.fromPackageId('F2')],
    });
    new PackageAssociation(stack, 'Again', {
      domain: importedDomain(stack, 'search-logs', 'SameDomainAgain'),
      packages: [AssociatedPackage.fromPackageId('F3')],
    });
    const associationActions = ['es:AssociatePackages', 'es:DissociatePackages', 'es:ListPackagesForDomain', 'es:DescribeDomain'];
    expect(handlerGrants(Template.fromStack(stack))).toEqual(
      [
        ...['search-products', 'search-logs'].flatMap((domain) => associationActions.map((action) => `${action} on ${arnOf(domain)}`)),
        // To tell a rollback, which leaves alone what was ACTIVE before, from a real removal; and in
        // a rollback Update, when the failed update started (what it found ACTIVE is left too).
        'cloudformation:DescribeStacks on {"Ref":"AWS::StackId"}',
        'cloudformation:DescribeStackEvents on {"Ref":"AWS::StackId"}',
      ].sort(),
    );
  });

  test('IAM: the domains of 21 associations share one statement per domain policy, each domain named once', () => {
    const stack = newStack();
    for (let i = 0; i < 21; i++) {
      new PackageAssociation(stack, `Assoc${i}`, {
        domain: importedDomain(stack, `search-${i}`),
        packages: [AssociatedPackage.fromPackageId('F1')],
      });
    }
    const statements = handlerStatements(Template.fromStack(stack)).filter(
      (s) => ![s.Action].flat().includes('cloudformation:DescribeStacks'),
    );
    expect(statements.flatMap((s) => [s.Resource].flat()).sort()).toEqual(
      Array.from({ length: 21 }, (_, i) => arnOf(`search-${i}`)).sort(),
    );
    expect(statements.length).toBeLessThanOrEqual(4);
  });

  test('fails when the list is empty', () => {
    const stack = newStack();
    expect(() => new PackageAssociation(stack, 'Assoc', { domain: importedDomain(stack, 'search-products'), packages: [] })).toThrow(
      'packages must name at least one package; got an empty list',
    );
  });

  test('fails when a package id repeats', () => {
    const stack = newStack();
    expect(
      () =>
        new PackageAssociation(stack, 'Assoc', {
          domain: importedDomain(stack, 'search-products'),
          packages: [AssociatedPackage.fromPackageId('F1'), AssociatedPackage.fromPackageId('F1')],
        }),
    ).toThrow('packages must not repeat a package; "F1" appears twice');
  });

  test('fails when a Package is listed twice', () => {
    const stack = newStack();
    const pkg = bucketPackage(stack);
    expect(
      () =>
        new PackageAssociation(stack, 'Assoc', {
          domain: importedDomain(stack, 'search-products'),
          packages: [AssociatedPackage.fromPackage(pkg), AssociatedPackage.fromPackage(pkg)],
        }),
    ).toThrow('packages must not repeat a package; packages[1] appears twice');
  });

  test('fails when a prerequisite is not in the list', () => {
    const stack = newStack();
    const plugin = AssociatedPackage.fromPackageId('pkg-0a1b2c');
    expect(
      () =>
        new PackageAssociation(stack, 'Assoc', {
          domain: importedDomain(stack, 'search-products'),
          packages: [AssociatedPackage.fromPackageId('F2', { prerequisites: [plugin] })],
        }),
    ).toThrow('packages[0] names a prerequisite that is not one of the other packages of this association');
  });

  test('fails when a package id is malformed', () => {
    const stack = newStack();
    expect(
      () =>
        new PackageAssociation(stack, 'Assoc', {
          domain: importedDomain(stack, 'search-products'),
          packages: [AssociatedPackage.fromPackageId('X1')],
        }),
    ).toThrow('packages[0].PackageId must be a package id like F123456789, G123456789 or pkg-0123abcd; got "X1"');
  });
});
