import { OpenSearchEmulator, variantCases } from '../../emulator';
import { onEvent } from '../../lambda';
import { ownerMark, sourceCommitMessage } from '../../lib/private/contracts/package';
import { READ_LAG_GRACE_MS } from '../../lambda/package';
import { deletePackage } from '../../lambda/package-api';
import { CREATE_FAILED_MARKER, STACK_ID, aged, event, mutations, run, seed, useEmulator, useVariants } from './harness';

const { emulator } = useEmulator();
const PACKAGE = 'Custom::OpenSearchPackage';
const BUCKET = 'cdk-assets-bucket';
const MARK = ownerMark(STACK_ID, 'Resource');
const props = (extra: Record<string, unknown> = {}) => ({
  PackageName: 'synonyms',
  PackageType: 'TXT-DICTIONARY',
  S3BucketName: BUCKET,
  S3Key: 'v1.txt',
  TimeoutSeconds: 60,
  ...extra,
});
const physicalId = (name = 'synonyms') => `opensearch-package:${name}`;
const catalog = () =>
  emulator()
    .managedPackages()
    .map((p) => `${p.packageName} ${p.status} ${p.availableVersion ?? '-'}`);
/** The operations the emulator accepted, in order. */
const accepted = () =>
  emulator()
    .mutatingRequests()
    .map((r) => r.operation);

function world(em: OpenSearchEmulator = emulator()): void {
  seed(em, { domains: [{ domainName: 'search-products' }] });
  em.putObject(BUCKET, 'v1.txt', 'laptop, notebook');
  em.putObject(BUCKET, 'v2.txt', 'laptop, notebook, portable');
}

/** A package made by this resource earlier (its description carries the owner mark). */
async function created(): Promise<string> {
  const outcome = await run(event(PACKAGE, 'Create', props()));
  emulator().clearRequests();
  return outcome.data.PackageId;
}

const update = (newProps: Record<string, unknown>, oldProps: Record<string, unknown> = props()) =>
  event(PACKAGE, 'Update', newProps, { physicalResourceId: physicalId(String(oldProps.PackageName)), oldProperties: oldProps });

describe('Package handler', () => {
  beforeEach(() => world());

  describe.each(variantCases('foreignPackageName', 'packageNotFound'))('Create, %s', (_label, variants) => {
    useVariants(emulator, variants);

    test('CreatePackage, then waits through COPYING and VALIDATING until AVAILABLE', async () => {
      emulator().setPackageTiming({ copyMs: Infinity, validateMs: Infinity });
      const seen: string[] = [];
      const outcome = await run(event(PACKAGE, 'Create', props({ PackageDescription: 'Product synonyms' })), {
        beforePoll: (e, poll) => {
          seen.push(emulator().managedPackages()[0].status);
          if (poll === 1) emulator().setPackageTiming({ copyMs: 0 });
          if (poll === 3) emulator().setPackageTiming({ validateMs: 0 });
          return e;
        },
      });
      expect(seen.slice(0, 4)).toEqual(['COPYING', 'COPYING', 'VALIDATING', 'VALIDATING']);
      expect(outcome.physicalResourceId).toBe(physicalId());
      expect(outcome.data).toEqual({ PackageId: expect.stringMatching(/^F\d+$/), PackageVersion: 'v1', PackageStatus: 'AVAILABLE' });
      expect(accepted()).toEqual(['CreatePackage']);
      expect(emulator().managedPackage(outcome.data.PackageId)?.description).toBe(`Product synonyms ${MARK}`);
    });

    test('a plugin: CreatePackage with its engine version', async () => {
      emulator().putObject(BUCKET, 'plugin.zip');
      await run(
        event(
          PACKAGE,
          'Create',
          props({ PackageName: 'analysis-extra', PackageType: 'ZIP-PLUGIN', S3Key: 'plugin.zip', EngineVersion: 'OpenSearch_2.17' }),
        ),
      );
      const body = emulator().requests.find((r) => r.operation === 'CreatePackage')?.body;
      expect(body).toMatchObject({ PackageType: 'ZIP-PLUGIN', EngineVersion: 'OpenSearch_2.17' });
    });

    test('COPY_FAILED (no such object): deletes the package it made, then fails with ErrorType and ErrorMessage', async () => {
      await expect(run(event(PACKAGE, 'Create', props({ S3Key: 'missing.txt' })))).rejects.toThrow(
        /^CreatePackage synonyms \(F\d+\) failed: COPY_FAILED: ClientException: Unable to copy the package source from S3: s3:\/\/cdk-assets-bucket\/missing.txt does not exist or is not readable\. The package this Create made was deleted\./,
      );
      expect(accepted()).toEqual(['CreatePackage', 'DeletePackage']);
      expect(catalog()).toEqual([]);
    });

    test('VALIDATION_FAILED: deletes the package it made, then fails with the service words', async () => {
      emulator().failPackageValidation('synonyms', 'InvalidDictionary', 'Line 2 is not a synonym rule');
      await expect(run(event(PACKAGE, 'Create', props()))).rejects.toThrow(
        'VALIDATION_FAILED: InvalidDictionary: Line 2 is not a synonym rule',
      );
      expect(catalog()).toEqual([]);
    });

    test("a file in an SSE-KMS bucket (a CDK asset): copied into the provider's SSE-S3 bucket, imported from there, the copy removed", async () => {
      emulator().putObject('cdk-staging', 'abc123.txt', 'laptop, notebook', 'aws:kms');
      const outcome = await run(
        event(PACKAGE, 'Create', props({ S3BucketName: 'cdk-staging', S3Key: 'abc123.txt', SourceCopyBucket: 'package-copies' })),
      );
      expect(outcome.data.PackageStatus).toBe('AVAILABLE');
      const create = emulator().requests.find((r) => r.operation === 'CreatePackage')!;
      expect(create.body).toMatchObject({ PackageSource: { S3BucketName: 'package-copies', S3Key: 'synonyms/abc123.txt' } });
      expect(emulator().s3Requests.map((r) => `${r.operation} ${r.bucket}/${r.key} ${r.status}`)).toEqual([
        'CopyObject package-copies/synonyms/abc123.txt 200',
        'DeleteObject package-copies/synonyms/abc123.txt 204',
      ]);
      expect(emulator().s3Requests[0]).toMatchObject({ copySource: 'cdk-staging/abc123.txt', encryption: 'AES256' });
      expect(emulator().hasObject('package-copies', 'synonyms/abc123.txt')).toBe(false);
      expect(emulator().hasObject('cdk-staging', 'abc123.txt')).toBe(true);
    });

    test('the same file without the copy: the service cannot read it (COPY_FAILED), which is why fromAsset copies', async () => {
      emulator().putObject('cdk-staging', 'abc123.txt', 'laptop, notebook', 'aws:kms');
      await expect(run(event(PACKAGE, 'Create', props({ S3BucketName: 'cdk-staging', S3Key: 'abc123.txt' })))).rejects.toThrow(
        'COPY_FAILED: ClientException: Unable to copy the package source from S3: s3://cdk-staging/abc123.txt is encrypted with an AWS KMS key',
      );
    });

    test('the asset is missing: fails saying the copy failed and what to check; nothing made', async () => {
      await expect(
        run(event(PACKAGE, 'Create', props({ S3BucketName: 'cdk-staging', S3Key: 'gone.txt', SourceCopyBucket: 'package-copies' }))),
      ).rejects.toThrow(
        "Copying the package file s3://cdk-staging/gone.txt to the provider's bucket failed: NoSuchKey: The specified key does not exist. Check that the asset was published",
      );
      expect(catalog()).toEqual([]);
    });

    test('a name taken by a package this resource did not make: fails naming its id, touches nothing', async () => {
      emulator().addManagedPackage({ packageId: 'F777777777', packageName: 'synonyms', description: 'made by hand' });
      await expect(run(event(PACKAGE, 'Create', props()))).rejects.toThrow(
        'Package name synonyms is taken by package F777777777 (owner self), which this resource did not make; it is left as it is (CreatePackage: ResourceAlreadyExistsException',
      );
      // CreatePackage alone says whether a name is taken; the service refused it.
      expect(
        emulator()
          .requests.filter((r) => r.operation === 'CreatePackage')
          .map((r) => r.status),
      ).toEqual([409]);
      expect(catalog()).toEqual(['synonyms AVAILABLE v1']);
    });

    test('AWS-owned and partner packages of the same name, listed first: the name is ours if CreatePackage says so', async () => {
      emulator().addManagedPackage({ packageId: 'G253805861', packageName: 'synonyms', description: 'AWS-owned' });
      emulator().addManagedPackage({ packageId: 'pkg-0a1b2c', packageName: 'synonyms', packageOwner: 'partner-vendor' });
      const attempt = run(event(PACKAGE, 'Create', props()));
      if (variants.foreignPackageName === 'allowed') {
        const outcome = await attempt;
        expect(outcome.data.PackageId).toMatch(/^F/);
        expect(emulator().managedPackage(outcome.data.PackageId)?.description).toBe(MARK);
      } else {
        await expect(attempt).rejects.toThrow(
          'Package name synonyms is taken by package G253805861 (owner AWS), package pkg-0a1b2c (owner partner-vendor), which this resource did not make',
        );
      }
      expect(catalog()).toEqual(expect.arrayContaining(['synonyms AVAILABLE v1']));
      expect(emulator().managedPackage('G253805861')?.status).toBe('AVAILABLE');
    });

    test('CreatePackage says "already exists" but nothing of that name is shown: waits a while, then fails with the service\'s words', async () => {
      // A package being deleted outside the stack still holds the name; DescribePackages does not show DELETED ones.
      emulator().addManagedPackage({ packageId: 'F888888888', packageName: 'synonyms', status: 'DELETED', versions: [] });
      let polls = 0;
      await expect(
        run(event(PACKAGE, 'Create', props({ TimeoutSeconds: 600 })), {
          beforePoll: (e, poll) => {
            polls = poll;
            return poll < 2 ? e : aged(READ_LAG_GRACE_MS)(e);
          },
        }),
      ).rejects.toThrow(
        'CreatePackage synonyms failed: ResourceAlreadyExistsException: Package with name synonyms already exists, yet DescribePackages shows no package of that name',
      );
      expect(polls).toBe(2);
    });

    test('a package with the name and the mark of another resource is not taken over', async () => {
      emulator().addManagedPackage({ packageId: 'F777777777', packageName: 'synonyms', description: ownerMark(STACK_ID, 'Other') });
      await expect(run(event(PACKAGE, 'Create', props()))).rejects.toThrow('taken by package F777777777');
    });

    test('crash point: onEvent runs again for the same request after CreatePackage was accepted: no second package', async () => {
      emulator().setPackageTiming({ copyMs: Infinity });
      const request = event(PACKAGE, 'Create', props());
      await onEvent(request); // the answer is lost: the process died
      emulator().setPackageTiming({ copyMs: 0 });
      const outcome = await run(request);
      expect(accepted()).toEqual(['CreatePackage']);
      expect(catalog()).toEqual(['synonyms AVAILABLE v1']);
      expect(outcome.data.PackageVersion).toBe('v1');
    });

    test('a package left by an earlier failed attempt of this resource (CREATE_FAILED, never deleted) is taken up, not made twice', async () => {
      emulator().addManagedPackage({ packageId: 'F555555555', packageName: 'synonyms', description: MARK });
      const outcome = await run(event(PACKAGE, 'Create', props()));
      expect(outcome.data.PackageId).toBe('F555555555');
      expect(accepted()).toEqual([]);
    });

    test('a throttled CreatePackage is retried by the SDK: one package', async () => {
      emulator().injectFault({ operation: 'CreatePackage', kind: 'throttle', times: 2 });
      await run(event(PACKAGE, 'Create', props()));
      expect(catalog()).toEqual(['synonyms AVAILABLE v1']);
    });

    test('bad input: a plugin without engine version fails with a short reason and no call', async () => {
      await expect(run(event(PACKAGE, 'Create', props({ PackageType: 'ZIP-PLUGIN' })))).rejects.toThrow(
        'EngineVersion is required for a ZIP-PLUGIN package',
      );
      expect(emulator().requests).toEqual([]);
    });

    test('bad input: an engine version on a dictionary fails with no call', async () => {
      await expect(run(event(PACKAGE, 'Create', props({ EngineVersion: 'OpenSearch_2.17' })))).rejects.toThrow(
        'EngineVersion is only allowed for ZIP-PLUGIN packages',
      );
      expect(emulator().requests).toEqual([]);
    });
  });

  describe.each(variantCases('versionHistoryOrder', 'sameSourceUpdate', 'packageNotFound'))('Update, %s', (_label, variants) => {
    useVariants(emulator, variants);

    test('a new source: UpdatePackage, then waits until AVAILABLE; the version moves on', async () => {
      const id = await created();
      emulator().setPackageTiming({ copyMs: Infinity });
      const outcome = await run(update(props({ S3Key: 'v2.txt' })), {
        beforePoll: (e, poll) => {
          if (poll === 1) emulator().setPackageTiming({ copyMs: 0 });
          return e;
        },
      });
      // Poll 0 still sees COPYING; the copy is released before poll 1.
      expect(outcome.polls).toBe(1);
      expect(outcome.physicalResourceId).toBe(physicalId());
      expect(outcome.data).toEqual({ PackageId: id, PackageVersion: 'v2', PackageStatus: 'AVAILABLE' });
      expect(accepted()).toEqual(['UpdatePackage']);
      expect(
        emulator()
          .managedPackage(id)
          ?.versions.map((v) => v.commitMessage),
      ).toEqual([undefined, sourceCommitMessage(BUCKET, 'v2.txt')]);
    });

    test('crash point: the Update runs again after UpdatePackage was accepted: one new version, not two', async () => {
      await created();
      const request = update(props({ S3Key: 'v2.txt' }));
      await run(request);
      const again = await run(request);
      expect(again.data.PackageVersion).toBe('v2');
      expect(accepted()).toEqual(['UpdatePackage']);
    });

    test('back to an earlier source: UpdatePackage again (a third version)', async () => {
      await created();
      await run(update(props({ S3Key: 'v2.txt' })));
      const back = await run(update(props(), props({ S3Key: 'v2.txt' })));
      expect(back.data.PackageVersion).toBe('v3');
    });

    test('a package busy with another import (ConflictException) is waited out', async () => {
      const id = await created();
      emulator().injectFault({ operation: 'UpdatePackage', kind: 'conflict', times: 1 });
      const outcome = await run(update(props({ S3Key: 'v2.txt' })));
      expect(outcome.data).toMatchObject({ PackageId: id, PackageVersion: 'v2' });
    });

    test('a new source that does not exist: fails with COPY_FAILED; the package keeps its version', async () => {
      const id = await created();
      await expect(run(update(props({ S3Key: 'v9.txt' })))).rejects.toThrow(
        `UpdatePackage synonyms (${id}) failed: COPY_FAILED: ClientException: Unable to copy the package source from S3: s3://cdk-assets-bucket/v9.txt does not exist or is not readable. The package keeps version v1.`,
      );
      expect(emulator().managedPackage(id)?.availableVersion).toBe('v1');
    });

    test('description only: one UpdatePackage, done once AVAILABLE with the description (a new version if the service imports again)', async () => {
      const id = await created();
      emulator().setPackageTiming({ copyMs: 20 });
      const outcome = await run(update(props({ PackageDescription: 'Now with a description' })));
      const version = variants.sameSourceUpdate === 'new-version' ? 'v2' : 'v1';
      expect(outcome.data).toEqual({ PackageId: id, PackageVersion: version, PackageStatus: 'AVAILABLE' });
      expect(accepted()).toEqual(['UpdatePackage']);
      expect(emulator().managedPackage(id)?.description).toBe(`Now with a description ${MARK}`);
      expect(
        emulator()
          .managedPackage(id)
          ?.versions.map((v) => v.version),
      ).toEqual(version === 'v2' ? ['v1', 'v2'] : ['v1']);
    });

    test('description only, and the source object has gone since: a COPY_FAILED import is reported, not missed', async () => {
      const id = await created();
      emulator().removeObject(BUCKET, 'v1.txt');
      const attempt = run(update(props({ PackageDescription: 'Now with a description' })));
      if (variants.sameSourceUpdate === 'new-version') {
        await expect(attempt).rejects.toThrow(`UpdatePackage synonyms (${id}) failed: COPY_FAILED`);
      } else {
        expect((await attempt).data.PackageStatus).toBe('AVAILABLE');
      }
    });

    test("a poll that does not show onEvent's UpdatePackage yet (a stale read): waits, never a second UpdatePackage", async () => {
      const id = await created();
      const stale = { packageId: id, packageName: 'synonyms', description: MARK, versions: ['v1'] };
      const fresh = { ...stale, versions: ['v1', { version: 'v2', commitMessage: sourceCommitMessage(BUCKET, 'v2.txt') }] };
      const updates: unknown[] = [];
      const outcome = await run(update(props({ S3Key: 'v2.txt' })), {
        beforePoll: (e, poll) => {
          // Polls 0 and 1 read the package as it was before the update: AVAILABLE at v1.
          // (Resetting clears the request log: what was asked is kept first.)
          updates.push(...emulator().requests.filter((r) => r.operation === 'UpdatePackage'));
          if (poll <= 2) {
            emulator().reset({ domains: [] });
            emulator().addManagedPackage(poll < 2 ? stale : fresh);
          }
          return e;
        },
      });
      expect(outcome.polls).toBe(2);
      expect(outcome.data).toEqual({ PackageId: id, PackageVersion: 'v2', PackageStatus: 'AVAILABLE' });
      updates.push(...emulator().requests.filter((r) => r.operation === 'UpdatePackage'));
      // onEvent's one call only.
      expect(updates).toHaveLength(1);
    });

    test('a history longer than one page, in either order: the entry of the available version decides', async () => {
      const id = await created();
      emulator().reset({ domains: [] });
      emulator().putObject(BUCKET, 'v2.txt');
      // v2.txt's commit is on version 65 of 130, neither first nor last: the available version (v130) does not carry it.
      const versions = Array.from({ length: 130 }, (_, i) =>
        i === 64 ? { version: 'v65', commitMessage: sourceCommitMessage(BUCKET, 'v2.txt') } : `v${i + 1}`,
      );
      emulator().addManagedPackage({ packageId: id, packageName: 'synonyms', description: MARK, versions });
      const outcome = await run(update(props({ S3Key: 'v2.txt' })));
      expect(outcome.data.PackageVersion).toBe('v131');
      // Run again (CloudFormation may): v131 carries the commit now, in whichever place of the history it is.
      const again = await run(update(props({ S3Key: 'v2.txt' })));
      expect(again.data.PackageVersion).toBe('v131');
      expect(accepted()).toEqual(['UpdatePackage']);
    });

    test('only the timeout: no call, the attributes are returned again', async () => {
      const id = await created();
      const outcome = await run(update(props({ TimeoutSeconds: 120 })));
      expect(outcome.data).toEqual({ PackageId: id, PackageVersion: 'v1', PackageStatus: 'AVAILABLE' });
      expect(accepted()).toEqual([]);
    });

    test('the upgrade that leaves the default timeout out of the template (1800, then absent): no call', async () => {
      const id = await created();
      const outcome = await run(update(props({ TimeoutSeconds: undefined }), props({ TimeoutSeconds: 1800 })));
      expect(outcome.physicalResourceId).toBe(physicalId());
      expect(outcome.data).toEqual({ PackageId: id, PackageVersion: 'v1', PackageStatus: 'AVAILABLE' });
      expect(accepted()).toEqual([]);
    });

    test('a new name: a replacement, a new package under a new physical id', async () => {
      await created();
      const outcome = await run(update(props({ PackageName: 'synonyms-next' })));
      expect(outcome.physicalResourceId).toBe(physicalId('synonyms-next'));
      expect(catalog()).toEqual(['synonyms AVAILABLE v1', 'synonyms-next AVAILABLE v1']);
    });

    test('a new type with the same name: fails saying a new name is needed; nothing changes', async () => {
      emulator().putObject(BUCKET, 'plugin.zip');
      await created();
      await expect(
        run(update(props({ PackageType: 'ZIP-PLUGIN', EngineVersion: 'OpenSearch_2.17', S3Key: 'plugin.zip' }))),
      ).rejects.toThrow(
        "Package synonyms: the service cannot change a package's type or engine version, and package names are unique. Give the package a new packageName as well",
      );
      expect(accepted()).toEqual([]);
    });

    test('the package was deleted outside CloudFormation: fails saying what to do', async () => {
      const id = await created();
      emulator().reset({ domains: [] });
      await expect(run(update(props({ S3Key: 'v2.txt' })))).rejects.toThrow(
        'Package synonyms not found: it was deleted outside CloudFormation.',
      );
      expect(emulator().managedPackage(id)).toBeUndefined();
    });
  });

  describe.each(variantCases('packageNotFound', 'domainsForPackageLagReads'))('Delete, %s', (_label, variants) => {
    useVariants(emulator, variants);

    test('DeletePackage, then waits until it is gone', async () => {
      await created();
      emulator().setPackageTiming({ deletePackageMs: Infinity });
      const outcome = await run(event(PACKAGE, 'Delete', props(), { physicalResourceId: physicalId() }), {
        beforePoll: (e, poll) => {
          expect(catalog()).toEqual(poll < 2 ? ['synonyms DELETING v1'] : expect.anything());
          if (poll === 1) emulator().setPackageTiming({ deletePackageMs: 0 });
          return e;
        },
      });
      expect(outcome.polls).toBe(1);
      expect(accepted()).toEqual(['DeletePackage']);
      expect(catalog()).toEqual([]);
    });

    test('still associated with a domain: waits a while for the reads to catch up, then fails naming the domains; deletes nothing', async () => {
      const id = await created();
      await run(
        event('Custom::OpenSearchPackageAssociation', 'Create', {
          DomainName: 'search-products',
          Packages: [{ PackageId: id }],
        }),
      );
      emulator().clearRequests();
      let polls = 0;
      await expect(
        run(event(PACKAGE, 'Delete', props(), { physicalResourceId: physicalId() }), {
          beforePoll: (e, poll) => {
            polls = poll;
            return poll < 3 ? e : aged(READ_LAG_GRACE_MS)(e);
          },
        }),
      ).rejects.toThrow(`Package synonyms (${id}) is still associated (search-products ACTIVE) after 2 minutes; dissociate it first`);
      expect(polls).toBe(3);
      expect(accepted()).toEqual([]);
    });

    test("right after the association's Delete, ListDomainsForPackage may still list the domain: the Delete waits and succeeds", async () => {
      const id = await created();
      const association = { DomainName: 'search-products', Packages: [{ PackageId: id }] };
      const made = await run(event('Custom::OpenSearchPackageAssociation', 'Create', association));
      await run(event('Custom::OpenSearchPackageAssociation', 'Delete', association, { physicalResourceId: made.physicalResourceId }));
      emulator().clearRequests();
      const outcome = await run(event(PACKAGE, 'Delete', props(), { physicalResourceId: physicalId() }));
      expect(outcome.polls).toBeGreaterThanOrEqual((variants.domainsForPackageLagReads ?? 0) > 0 ? 1 : 0);
      expect(accepted()).toEqual(['DeletePackage']);
      expect(catalog()).toEqual([]);
    });

    test('DeletePackage answered "not found" (either form, as after a stale look-up): gone, not a failure', async () => {
      // Called directly: within one step the look-up and DeletePackage cannot be pulled apart by the emulator.
      await expect(deletePackage('F123456789')).resolves.toBe(false);
      expect(emulator().requests.map((r) => `${r.operation} ${r.status} ${r.errorType}`)).toEqual([
        variants.packageNotFound === 'ValidationException'
          ? 'DeletePackage 400 ValidationException'
          : 'DeletePackage 409 ResourceNotFoundException',
      ]);
    });

    test('already gone: done, no call', async () => {
      await run(event(PACKAGE, 'Delete', props(), { physicalResourceId: physicalId() }));
      expect(accepted()).toEqual([]);
    });

    test('a package of the name that this resource did not make is left as it is', async () => {
      emulator().addManagedPackage({ packageId: 'F777777777', packageName: 'synonyms' });
      await run(event(PACKAGE, 'Delete', props(), { physicalResourceId: physicalId() }));
      expect(accepted()).toEqual([]);
      expect(catalog()).toEqual(['synonyms AVAILABLE v1']);
    });

    test('after a failed Create (CREATE_FAILED marker): the framework never reaches us, nothing is deleted', async () => {
      emulator().addManagedPackage({ packageId: 'F555555555', packageName: 'synonyms', description: MARK });
      await run(event(PACKAGE, 'Delete', props(), { physicalResourceId: CREATE_FAILED_MARKER }));
      expect(accepted()).toEqual([]);
    });

    test('rollback of a Create: the package this resource made is removed', async () => {
      await created();
      // A rollback Delete is an ordinary Delete for a Package: it always made what it holds.
      await run(event(PACKAGE, 'Delete', props(), { physicalResourceId: physicalId() }));
      expect(catalog()).toEqual([]);
    });
  });

  test('the calls made, in order, for a whole life', async () => {
    await run(event(PACKAGE, 'Create', props()));
    await run(update(props({ S3Key: 'v2.txt' })));
    await run(event(PACKAGE, 'Delete', props({ S3Key: 'v2.txt' }), { physicalResourceId: physicalId() }));
    expect(accepted()).toEqual(['CreatePackage', 'UpdatePackage', 'DeletePackage']);
    expect(mutations(emulator()).length).toBe(3);
  });
});
