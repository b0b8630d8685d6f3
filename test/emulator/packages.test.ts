/**
 * The emulator's package catalog and S3 view, through the real SDK client.
 */
import {
  AssociatePackageCommand,
  AssociatePackagesCommand,
  CreatePackageCommand,
  DeletePackageCommand,
  DescribeDomainCommand,
  DescribePackagesCommand,
  DissociatePackageCommand,
  DissociatePackagesCommand,
  GetPackageVersionHistoryCommand,
  ListDomainsForPackageCommand,
  ListPackagesForDomainCommand,
  OpenSearchClient,
  UpdatePackageCommand,
} from '@aws-sdk/client-opensearch';
import { OpenSearchEmulator, VARIANT_CHOICES, variantCases } from '../../emulator';
import { EmulatorClients } from './clients';

const T0 = 1_700_000_000_000;
let now = T0;
const clock = () => now;
let emulator: OpenSearchEmulator;
let client: OpenSearchClient;

const DOMAIN = 'search-products';
const source = (key = 'synonyms-1.txt') => ({ S3BucketName: 'assets-bucket', S3Key: key });

beforeAll(async () => {
  emulator = await OpenSearchEmulator.start({ clock });
  client = new OpenSearchClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await emulator.stop();
});
beforeEach(() => {
  now = T0;
  emulator.reset({ domains: [{ domainName: DOMAIN }] });
  emulator.putObject('assets-bucket', 'synonyms-1.txt', 'a, b');
  emulator.putObject('assets-bucket', 'synonyms-2.txt', 'a, b, c');
});

async function create(name = 'synonyms', extra: Record<string, unknown> = {}): Promise<string> {
  const { PackageDetails } = await client.send(
    new CreatePackageCommand({ PackageName: name, PackageType: 'TXT-DICTIONARY', PackageSource: source(), ...extra }),
  );
  return PackageDetails!.PackageID!;
}
const status = async (id: string) =>
  (await client.send(new DescribePackagesCommand({ Filters: [{ Name: 'PackageID', Value: [id] }] }))).PackageDetailsList?.[0];

describe('package catalog', () => {
  test('CreatePackage: COPYING, then VALIDATING, then AVAILABLE with version v1', async () => {
    emulator.setPackageTiming({ copyMs: 100, validateMs: 100 });
    const id = await create();
    expect((await status(id))?.PackageStatus).toBe('COPYING');
    now += 100;
    expect((await status(id))?.PackageStatus).toBe('VALIDATING');
    now += 100;
    const details = await status(id);
    expect(details).toMatchObject({ PackageStatus: 'AVAILABLE', AvailablePackageVersion: 'v1', PackageName: 'synonyms' });
  });

  test('a source object that does not exist: COPY_FAILED with ErrorDetails', async () => {
    const id = await create('missing', { PackageSource: source('nope.txt') });
    const details = await status(id);
    expect(details?.PackageStatus).toBe('COPY_FAILED');
    expect(details?.ErrorDetails?.ErrorMessage).toContain('s3://assets-bucket/nope.txt does not exist');
    expect(details?.AvailablePackageVersion).toBeUndefined();
  });

  test('failPackageValidation: VALIDATION_FAILED with the given details', async () => {
    emulator.failPackageValidation('synonyms', 'InvalidFile', 'The dictionary has a malformed line 3');
    const id = await create();
    expect(await status(id)).toMatchObject({ PackageStatus: 'VALIDATION_FAILED', ErrorDetails: { ErrorType: 'InvalidFile' } });
  });

  test('CreatePackage refuses a taken name, a plugin without engine version, an engine version on a dictionary', async () => {
    await create();
    await expect(create()).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
    await expect(create('plugin', { PackageType: 'ZIP-PLUGIN' })).rejects.toThrow('EngineVersion is a required parameter');
    await expect(create('dict', { EngineVersion: 'OpenSearch_2.17' })).rejects.toThrow('only be specified for package type ZIP-PLUGIN');
  });

  test('UpdatePackage: a new version, with its commit message in the history, newest first', async () => {
    const id = await create();
    await status(id);
    await client.send(new UpdatePackageCommand({ PackageID: id, PackageSource: source('synonyms-2.txt'), CommitMessage: 'second' }));
    expect((await status(id))?.AvailablePackageVersion).toBe('v2');
    const history = await client.send(new GetPackageVersionHistoryCommand({ PackageID: id }));
    expect(history.PackageVersionHistoryList?.map((v) => [v.PackageVersion, v.CommitMessage])).toEqual([
      ['v2', 'second'],
      ['v1', undefined],
    ]);
  });

  test('UpdatePackage with the same source and a new description: no new version, no copy', async () => {
    emulator.setPackageTiming({ copyMs: 100 });
    const id = await create();
    now += 100;
    const { PackageDetails } = await client.send(
      new UpdatePackageCommand({ PackageID: id, PackageSource: source(), PackageDescription: 'new' }),
    );
    expect(PackageDetails).toMatchObject({ PackageStatus: 'AVAILABLE', AvailablePackageVersion: 'v1', PackageDescription: 'new' });
  });

  test('UpdatePackage while COPYING: ValidationException "in progress" (ConflictException is not among its modeled errors)', async () => {
    emulator.setPackageTiming({ copyMs: Infinity });
    const id = await create();
    await expect(client.send(new UpdatePackageCommand({ PackageID: id, PackageSource: source('synonyms-2.txt') }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('in progress'),
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('association follows versions: same version is "already in desired state", a new version re-associates', async () => {
    const id = await create();
    await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: id }] }));
    let [association] = (await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN }))).DomainPackageDetailsList!;
    expect(association).toMatchObject({ DomainPackageStatus: 'ACTIVE', PackageVersion: 'v1' });
    await expect(client.send(new AssociatePackageCommand({ PackageID: id, DomainName: DOMAIN }))).rejects.toThrow(
      'Package is already in desired state',
    );
    await client.send(new UpdatePackageCommand({ PackageID: id, PackageSource: source('synonyms-2.txt') }));
    await status(id);
    await client.send(new AssociatePackageCommand({ PackageID: id, DomainName: DOMAIN }));
    [association] = (await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN }))).DomainPackageDetailsList!;
    expect(association).toMatchObject({ DomainPackageStatus: 'ACTIVE', PackageVersion: 'v2' });
  });

  test('association records its prerequisites; other prerequisites re-associate, the same ones in any order are "already in desired state"', async () => {
    const plugin = await create('plugin', { PackageType: 'ZIP-PLUGIN', EngineVersion: 'OpenSearch_2.17' });
    const stems = await create('stems');
    const dictionary = await create();
    await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: plugin }, { PackageID: stems }] }));
    await client.send(
      new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: dictionary, PrerequisitePackageIDList: [plugin] }] }),
    );
    const entry = async () =>
      (await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN }))).DomainPackageDetailsList!.find(
        (p) => p.PackageID === dictionary,
      );
    expect(await entry()).toMatchObject({ DomainPackageStatus: 'ACTIVE', PrerequisitePackageIDList: [plugin] });
    await expect(
      client.send(
        new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: dictionary, PrerequisitePackageIDList: [plugin] }] }),
      ),
    ).rejects.toThrow('Package is already in desired state');
    await client.send(
      new AssociatePackagesCommand({
        DomainName: DOMAIN,
        PackageList: [{ PackageID: dictionary, PrerequisitePackageIDList: [plugin, stems] }],
      }),
    );
    expect(await entry()).toMatchObject({ DomainPackageStatus: 'ACTIVE', PrerequisitePackageIDList: [plugin, stems] });
    expect(emulator.packages(DOMAIN)?.find((p) => p.packageId === dictionary)?.prerequisitePackageIds).toEqual([plugin, stems]);
    await expect(
      client.send(
        new AssociatePackagesCommand({
          DomainName: DOMAIN,
          PackageList: [{ PackageID: dictionary, PrerequisitePackageIDList: [stems, plugin] }],
        }),
      ),
    ).rejects.toThrow('Package is already in desired state');
    await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: dictionary }] }));
    expect((await entry())?.PrerequisitePackageIDList).toEqual([]);
  });

  test('a package not yet available cannot be associated', async () => {
    emulator.setPackageTiming({ copyMs: Infinity });
    const id = await create();
    await expect(client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: id }] }))).rejects.toThrow(
      'has no available version yet',
    );
  });

  test('a plugin association takes pluginAssociateMs, the domain is processing, and a second change is a ConflictException', async () => {
    emulator.setTiming({ pluginAssociateMs: 1000 });
    const plugin = await create('plugin', { PackageType: 'ZIP-PLUGIN', EngineVersion: 'OpenSearch_2.17' });
    const dictionary = await create();
    await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: plugin }] }));
    expect((await client.send(new DescribeDomainCommand({ DomainName: DOMAIN }))).DomainStatus?.Processing).toBe(true);
    await expect(
      client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: dictionary }] })),
    ).rejects.toMatchObject({
      name: 'ConflictException',
    });
    now += 1000;
    expect(emulator.packages(DOMAIN)?.map((p) => p.status)).toEqual(['ACTIVE']);
    expect((await client.send(new DescribeDomainCommand({ DomainName: DOMAIN }))).DomainStatus?.Processing).toBe(false);
  });

  test('ListDomainsForPackage, and DeletePackage refused while associated, then DELETING and gone', async () => {
    emulator.setPackageTiming({ deletePackageMs: 50 });
    const id = await create();
    await client.send(new AssociatePackageCommand({ PackageID: id, DomainName: DOMAIN }));
    const domains = await client.send(new ListDomainsForPackageCommand({ PackageID: id }));
    expect(domains.DomainPackageDetailsList?.map((d) => d.DomainName)).toEqual([DOMAIN]);
    await expect(client.send(new DeletePackageCommand({ PackageID: id }))).rejects.toThrow(`associated with domains: ${DOMAIN}`);
    await client.send(new DissociatePackageCommand({ PackageID: id, DomainName: DOMAIN }));
    expect(emulator.packages(DOMAIN)).toEqual([]);
    const { PackageDetails } = await client.send(new DeletePackageCommand({ PackageID: id }));
    expect(PackageDetails?.PackageStatus).toBe('DELETING');
    now += 50;
    expect(await status(id)).toBeUndefined();
    await expect(client.send(new DeletePackageCommand({ PackageID: id }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test('an AWS-owned package cannot be deleted', async () => {
    await expect(client.send(new DeletePackageCommand({ PackageID: 'G123456789' }))).rejects.toThrow('This package cannot be deleted');
  });

  test('DescribePackages filters by name and pages', async () => {
    await create('alpha');
    await create('beta');
    await create('gamma');
    const byName = await client.send(new DescribePackagesCommand({ Filters: [{ Name: 'PackageName', Value: ['beta'] }] }));
    expect(byName.PackageDetailsList?.map((p) => p.PackageName)).toEqual(['beta']);
    const first = await client.send(new DescribePackagesCommand({ MaxResults: 2 }));
    const second = await client.send(new DescribePackagesCommand({ MaxResults: 2, NextToken: first.NextToken }));
    expect([...first.PackageDetailsList!, ...second.PackageDetailsList!].map((p) => p.PackageName)).toEqual(['alpha', 'beta', 'gamma']);
    expect(second.NextToken).toBeUndefined();
  });

  test('faults hit package operations by name', async () => {
    emulator.injectFault({ operation: 'CreatePackage', kind: 'throttle', times: 1 });
    await expect(create()).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(emulator.managedPackages()).toEqual([]);
    await create();
    expect(emulator.mutatingRequests().map((r) => r.operation)).toEqual(['CreatePackage']);
  });

  describe('packages belong to their account and region', () => {
    const clients = new EmulatorClients(() => emulator.endpoint);
    const clientOf = (accessKeyId: string, region: string) => clients.of(accessKeyId, region);
    afterAll(() => clients.destroyAll());
    const notFound = (id: string) => ({
      name: 'ResourceNotFoundException',
      message: `Package not found: ${id}`,
      $metadata: { httpStatusCode: 409 },
    });

    test('another account does not see, change, delete or associate a package; its owner does', async () => {
      const id = await create();
      const stranger = clientOf('AKIALOCAL333333333333', 'us-east-1');
      emulator.addDomain({ domainName: 'search-stranger', ownerId: '333333333333' });
      const describe = (who: OpenSearchClient) =>
        who.send(new DescribePackagesCommand({ Filters: [{ Name: 'PackageID', Value: [id] }] })).then((r) => r.PackageDetailsList);
      expect(await describe(stranger)).toEqual([]);
      await expect(
        stranger.send(new UpdatePackageCommand({ PackageID: id, PackageSource: source('synonyms-2.txt') })),
      ).rejects.toMatchObject(notFound(id));
      await expect(stranger.send(new GetPackageVersionHistoryCommand({ PackageID: id }))).rejects.toMatchObject(notFound(id));
      await expect(stranger.send(new ListDomainsForPackageCommand({ PackageID: id }))).rejects.toMatchObject(notFound(id));
      await expect(stranger.send(new DeletePackageCommand({ PackageID: id }))).rejects.toMatchObject(notFound(id));
      await expect(
        stranger.send(new AssociatePackagesCommand({ DomainName: 'search-stranger', PackageList: [{ PackageID: id }] })),
      ).rejects.toMatchObject(notFound(id));
      await expect(stranger.send(new AssociatePackageCommand({ PackageID: id, DomainName: 'search-stranger' }))).rejects.toMatchObject(
        notFound(id),
      );
      expect(emulator.packages('search-stranger')).toEqual([]);
      // Nothing changed, and the owner still has it all.
      expect(emulator.managedPackage(id)).toMatchObject({
        ownerId: '111111111111',
        region: 'us-east-1',
        status: 'AVAILABLE',
        availableVersion: 'v1',
      });
      expect((await describe(client))?.map((p) => p.PackageID)).toEqual([id]);
      await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: id }] }));
      expect(emulator.packages(DOMAIN)).toEqual([{ packageId: id, status: 'ACTIVE', packageVersion: 'v1' }]);
    });

    test('another region of the same account does not see it either; a prerequisite of another account is not found', async () => {
      const id = await create();
      const elsewhere = clientOf('AKIALOCAL111111111111', 'eu-west-1');
      expect((await elsewhere.send(new DescribePackagesCommand({}))).PackageDetailsList).toEqual([]);
      await expect(elsewhere.send(new GetPackageVersionHistoryCommand({ PackageID: id }))).rejects.toMatchObject(notFound(id));
      emulator.addManagedPackage({ packageId: 'F222222222', packageName: 'theirs', ownerId: '333333333333' });
      await expect(
        client.send(
          new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: id, PrerequisitePackageIDList: ['F222222222'] }] }),
        ),
      ).rejects.toMatchObject(notFound('F222222222'));
      expect(emulator.packages(DOMAIN)).toEqual([]);
    });

    test('names are unique per account and region: another account may take the same name', async () => {
      const mine = await create('synonyms');
      const stranger = clientOf('AKIALOCAL333333333333', 'us-east-1');
      const { PackageDetails } = await stranger.send(
        new CreatePackageCommand({ PackageName: 'synonyms', PackageType: 'TXT-DICTIONARY', PackageSource: source() }),
      );
      expect(PackageDetails?.PackageID).not.toBe(mine);
      expect(emulator.managedPackage(PackageDetails!.PackageID!)).toMatchObject({ ownerId: '333333333333', region: 'us-east-1' });
      await expect(create('synonyms')).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
    });

    test("an AWS-owned package (G…) is seen and associable by every account, and ListDomainsForPackage shows only the caller's domains", async () => {
      emulator.addManagedPackage({
        packageId: 'G123456789',
        packageName: 'analysis-icu',
        packageType: 'ZIP-PLUGIN',
        engineVersion: 'OpenSearch_2.19',
      });
      const stranger = clientOf('AKIALOCAL333333333333', 'us-east-1');
      emulator.addDomain({ domainName: 'search-stranger', ownerId: '333333333333' });
      const seen = await stranger.send(new DescribePackagesCommand({ Filters: [{ Name: 'PackageID', Value: ['G123456789'] }] }));
      expect(seen.PackageDetailsList).toEqual([expect.objectContaining({ PackageID: 'G123456789', PackageOwner: 'AWS' })]);
      await stranger.send(new AssociatePackagesCommand({ DomainName: 'search-stranger', PackageList: [{ PackageID: 'G123456789' }] }));
      await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: 'G123456789' }] }));
      const domainsOf = async (who: OpenSearchClient) =>
        (await who.send(new ListDomainsForPackageCommand({ PackageID: 'G123456789' }))).DomainPackageDetailsList?.map((d) => d.DomainName);
      expect(await domainsOf(stranger)).toEqual(['search-stranger']);
      expect(await domainsOf(client)).toEqual([DOMAIN]);
      await expect(stranger.send(new DeletePackageCommand({ PackageID: 'G123456789' }))).rejects.toThrow('This package cannot be deleted');
    });
  });

  test('reset empties the catalog and S3', async () => {
    await create();
    emulator.reset({});
    expect(emulator.managedPackages()).toEqual([]);
    expect(emulator.hasObject('assets-bucket', 'synonyms-1.txt')).toBe(false);
  });
});

describe('variants: the answers AWS does not document, one switch each', () => {
  afterEach(() => emulator.setVariants(Object.fromEntries(Object.entries(VARIANT_CHOICES).map(([k, v]) => [k, v[0]]))));

  test('variantCases lists every combination, labelled', () => {
    expect(variantCases('versionHistoryOrder', 'packageNotFound').map(([label]) => label)).toEqual([
      'versionHistoryOrder=newest-first, packageNotFound=ResourceNotFoundException',
      'versionHistoryOrder=newest-first, packageNotFound=ValidationException',
      'versionHistoryOrder=oldest-first, packageNotFound=ResourceNotFoundException',
      'versionHistoryOrder=oldest-first, packageNotFound=ValidationException',
    ]);
    expect(() => emulator.setVariants({ versionHistoryOrder: 'sideways' as never })).toThrow(
      'Variant versionHistoryOrder must be one of newest-first, oldest-first',
    );
    expect(() => emulator.setVariants({ unknown: 1 } as never)).toThrow("Unknown variant 'unknown'");
  });

  test('the variants outlive reset', () => {
    emulator.setVariants({ versionHistoryOrder: 'oldest-first' });
    emulator.reset({});
    expect(emulator.variants().versionHistoryOrder).toBe('oldest-first');
  });

  test.each(VARIANT_CHOICES.versionHistoryOrder)('versionHistoryOrder %s', async (order) => {
    emulator.setVariants({ versionHistoryOrder: order });
    const id = await create();
    await client.send(new UpdatePackageCommand({ PackageID: id, PackageSource: source('synonyms-2.txt'), CommitMessage: 'second' }));
    const history = await client.send(new GetPackageVersionHistoryCommand({ PackageID: id }));
    const versions = history.PackageVersionHistoryList?.map((v) => v.PackageVersion);
    expect(versions).toEqual(order === 'newest-first' ? ['v2', 'v1'] : ['v1', 'v2']);
  });

  test.each(VARIANT_CHOICES.packageNotFound)('packageNotFound %s', async (answer) => {
    emulator.setVariants({ packageNotFound: answer });
    const failure = client.send(new DeletePackageCommand({ PackageID: 'F404' }));
    await expect(failure).rejects.toMatchObject({
      name: answer,
      message: 'Package not found: F404',
      $metadata: { httpStatusCode: answer === 'ValidationException' ? 400 : 409 },
    });
  });

  test.each(VARIANT_CHOICES.sameSourceUpdate)('sameSourceUpdate %s', async (variant) => {
    emulator.setVariants({ sameSourceUpdate: variant });
    const id = await create();
    const updated = await client.send(
      new UpdatePackageCommand({ PackageID: id, PackageSource: source(), PackageDescription: 'new words' }),
    );
    expect(updated.PackageDetails?.PackageStatus).toBe(variant === 'description-only' ? 'AVAILABLE' : 'COPYING');
    expect((await status(id))?.AvailablePackageVersion).toBe(variant === 'description-only' ? 'v1' : 'v2');
  });

  test.each(VARIANT_CHOICES.dissociateAssociationFailed)('dissociateAssociationFailed %s', async (variant) => {
    emulator.setVariants({ dissociateAssociationFailed: variant });
    emulator.reset({ domains: [{ domainName: DOMAIN, packages: [{ packageId: 'F1', status: 'ASSOCIATION_FAILED' }] }] });
    const attempt = client.send(new DissociatePackagesCommand({ DomainName: DOMAIN, PackageList: ['F1'] }));
    if (variant === 'accepted') {
      expect((await attempt).DomainPackageDetailsList?.map((p) => p.DomainPackageStatus)).toEqual(['DISSOCIATING']);
      return;
    }
    await expect(attempt).rejects.toMatchObject({
      name: variant,
      message: `Package F1 cannot be dissociated from domain ${DOMAIN} in status ASSOCIATION_FAILED`,
      $metadata: { httpStatusCode: variant === 'ConflictException' ? 409 : 400 },
    });
  });

  test.each(VARIANT_CHOICES.awsPackageOtherEngine)('awsPackageOtherEngine %s: an AWS-owned id per engine version', async (answer) => {
    emulator.setVariants({ awsPackageOtherEngine: answer });
    emulator.reset({ domains: [{ domainName: DOMAIN, engineVersion: 'OpenSearch_2.17' }] });
    emulator.addManagedPackage({
      packageId: 'G7',
      packageName: 'analysis-icu',
      packageType: 'ZIP-PLUGIN',
      engineVersion: 'OpenSearch_2.17',
    });
    emulator.addManagedPackage({
      packageId: 'G8',
      packageName: 'analysis-icu',
      packageType: 'ZIP-PLUGIN',
      engineVersion: 'OpenSearch_2.19',
    });
    expect((await client.send(new DescribeDomainCommand({ DomainName: DOMAIN }))).DomainStatus?.EngineVersion).toBe('OpenSearch_2.17');
    await expect(
      client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: 'G8' }] })),
    ).rejects.toMatchObject({
      name: answer,
      message: `Package G8 is not compatible with the engine version OpenSearch_2.17 of domain ${DOMAIN}`,
    });
    await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: 'G7' }] }));
  });

  test.each(VARIANT_CHOICES.foreignPackageName)('foreignPackageName %s: AWS-owned and partner packages share names', async (variant) => {
    emulator.setVariants({ foreignPackageName: variant });
    emulator.addManagedPackage({ packageId: 'G253805861', packageName: 'analysis-nori' });
    emulator.addManagedPackage({ packageId: 'pkg-0a1b', packageName: 'rni', packageOwner: 'partner-vendor' });
    const listed = await client.send(new DescribePackagesCommand({ Filters: [{ Name: 'PackageName', Value: ['rni'] }] }));
    expect(listed.PackageDetailsList?.map((p) => [p.PackageID, p.PackageOwner])).toEqual([['pkg-0a1b', 'partner-vendor']]);
    for (const name of ['analysis-nori', 'rni']) {
      const attempt = create(name);
      if (variant === 'allowed') await expect(attempt).resolves.toMatch(/^F/);
      else await expect(attempt).rejects.toThrow(`Package with name ${name} already exists`);
    }
  });

  test.each(VARIANT_CHOICES.domainsForPackageLagReads)('domainsForPackageLagReads %s', async (reads) => {
    emulator.setVariants({ domainsForPackageLagReads: reads });
    const id = await create();
    await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: id }] }));
    await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN }));
    await client.send(new DissociatePackageCommand({ DomainName: DOMAIN, PackageID: id }));
    const listings: number[] = [];
    for (let i = 0; i < 5; i++) {
      listings.push((await client.send(new ListDomainsForPackageCommand({ PackageID: id }))).DomainPackageDetailsList!.length);
    }
    expect(listings).toEqual(reads === 0 ? [0, 0, 0, 0, 0] : [1, 1, 1, 0, 0]);
    // DeletePackage itself is not fooled by the lag.
    await expect(client.send(new DeletePackageCommand({ PackageID: id }))).resolves.toBeDefined();
  });

  test.each(VARIANT_CHOICES.packageInUse)('packageInUse %s: DissociatePackages of a dictionary an index uses', async (answer) => {
    emulator.setVariants({ packageInUse: answer });
    const id = await create();
    await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: id }] }));
    await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN }));
    emulator.markInUse(DOMAIN, id);
    await expect(client.send(new DissociatePackageCommand({ DomainName: DOMAIN, PackageID: id }))).rejects.toMatchObject({
      name: answer,
      message: expect.stringContaining('currently in use'),
    });
    emulator.markInUse(DOMAIN, id, false);
    await expect(client.send(new DissociatePackageCommand({ DomainName: DOMAIN, PackageID: id }))).resolves.toBeDefined();
  });

  test.each(VARIANT_CHOICES.reassociateActive)('reassociateActive %s', async (variant) => {
    emulator.setVariants({ reassociateActive: variant });
    const id = await create();
    const associate = (prerequisites?: string[]) =>
      client.send(
        new AssociatePackagesCommand({
          DomainName: DOMAIN,
          PackageList: [{ PackageID: id, ...(prerequisites ? { PrerequisitePackageIDList: prerequisites } : {}) }],
        }),
      );
    await associate();
    await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN }));
    const same = associate();
    if (variant === 'accepted') await expect(same).resolves.toBeDefined();
    else await expect(same).rejects.toThrow('Package is already in desired state');
    await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN }));
    const other = associate(['G1']);
    if (variant === 'always-refused') await expect(other).rejects.toThrow('Package is already in desired state');
    else await expect(other).resolves.toBeDefined();
  });

  test.each(VARIANT_CHOICES.prerequisitesEchoed)('prerequisitesEchoed %s', async (variant) => {
    emulator.setVariants({ prerequisitesEchoed: variant });
    emulator.addManagedPackage({ packageId: 'G1', packageName: 'analysis-icu' });
    const id = await create();
    await client.send(
      new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: id, PrerequisitePackageIDList: ['G1'] }] }),
    );
    const listed = (await client.send(new ListPackagesForDomainCommand({ DomainName: DOMAIN }))).DomainPackageDetailsList?.[0];
    expect(listed?.PrerequisitePackageIDList).toEqual(variant === 'echoed' ? ['G1'] : undefined);
  });
});
