import { SeedDomain, variantCases } from '../../emulator';
import { packageAssociationPhysicalId } from '../../lib/private/contracts/package-association';
import { onEvent } from '../../lambda';
import { STACK_ID, aged, event, mutations, passTime, run, seed, stackEvent, useEmulator, useVariants, virtualTime } from './harness';

const { emulator, stack } = useEmulator();
const ASSOCIATION = 'Custom::OpenSearchPackageAssociation';
const DOMAIN = 'search-products';
const BASE_ID = packageAssociationPhysicalId(DOMAIN, STACK_ID, 'Resource');

interface Entry {
  PackageId: string;
  PackageVersion?: string;
  PrerequisitePackageIds?: string[];
}
const props = (packages: Entry[], extra: Record<string, unknown> = {}) => ({
  DomainName: DOMAIN,
  Packages: packages,
  TimeoutSeconds: 60,
  ...extra,
});
const on = (domain = DOMAIN) =>
  emulator()
    .snapshot()
    .domains?.find((d) => d.domainName === domain)
    ?.packages?.map((p) => `${p.packageId} ${p.status}`);

/** A domain, and packages of the catalog: F1 and F2 dictionaries (F2 at v2), P1 a plugin. */
function world(domainPackages: SeedDomain['packages'] = [], extraDomains: SeedDomain[] = []): void {
  seed(emulator(), { domains: [{ domainName: DOMAIN, packages: domainPackages }, ...extraDomains] });
  emulator().addManagedPackage({ packageId: 'F1', packageName: 'synonyms' });
  emulator().addManagedPackage({ packageId: 'F2', packageName: 'stopwords', versions: ['v1', 'v2'] });
  emulator().addManagedPackage({ packageId: 'F3', packageName: 'stemming' });
  emulator().addManagedPackage({ packageId: 'F4', packageName: 'plugin', packageType: 'ZIP-PLUGIN', engineVersion: 'OpenSearch_2.17' });
}

const domainVersion = (packageId: string) =>
  emulator()
    .packages(DOMAIN)
    ?.find((p) => p.packageId === packageId)?.packageVersion;
/** The mutating calls the emulator answered, with their bodies. */
const callsMade = () =>
  emulator()
    .mutatingRequests()
    .map((r) => [r.operation, r.body]);
const create = (packages: Entry[]) => event(ASSOCIATION, 'Create', props(packages));
const update = (packages: Entry[], old: Entry[], physicalResourceId = BASE_ID) =>
  event(ASSOCIATION, 'Update', props(packages), { physicalResourceId, oldProperties: props(old) });
const remove = (packages: Entry[], physicalResourceId = BASE_ID) => event(ASSOCIATION, 'Delete', props(packages), { physicalResourceId });

describe('PackageAssociation handler', () => {
  describe.each(variantCases('awsPackageOtherEngine'))('AWS-owned package ids of another engine version, %s', (_label, variants) => {
    useVariants(emulator, variants);
    /** analysis-icu as AWS publishes it per engine version: G7 for 2.17 (the domain's old engine), G8 for 2.19. */
    const awsOwned = () => {
      emulator().addManagedPackage({
        packageId: 'G7',
        packageName: 'analysis-icu',
        packageType: 'ZIP-PLUGIN',
        engineVersion: 'OpenSearch_2.17',
      });
      emulator().addManagedPackage({
        packageId: 'G8',
        packageName: 'analysis-icu',
        packageType: 'ZIP-PLUGIN',
        engineVersion: 'OpenSearch_2.19',
      });
    };

    test('an id of another engine (an upgrade changed it): fails at once saying to give the id for the domain engine, nothing associated', async () => {
      world([]);
      awsOwned();
      let polls = 0;
      await expect(
        run(create([{ PackageId: 'F1' }, { PackageId: 'G7' }]), {
          beforePoll: (e, poll) => {
            polls = poll + 1;
            return e;
          },
        }),
      ).rejects.toThrow(
        `AssociatePackages on domain ${DOMAIN} failed: ${variants.awsPackageOtherEngine}: Package G7 is not compatible with the engine version OpenSearch_2.19 of domain ${DOMAIN}. ` +
          'Check that every package is AVAILABLE and built for the engine version of the domain. ' +
          "AWS-owned package ids (G7) are per engine version and change when the domain's engine is upgraded: give the id DescribePackages lists for the domain's engine version.",
      );
      expect(polls).toBe(0);
      expect(on()).toEqual([]);
    });

    test("the id for the domain's engine is associated", async () => {
      world([]);
      awsOwned();
      await run(create([{ PackageId: 'G8' }]));
      expect(on()).toEqual(['G8 ACTIVE']);
    });

    test('Delete after an upgrade moved the association to a new id: done, the new id left as it is and said so', async () => {
      world([{ packageId: 'F1' }, { packageId: 'G8' }]);
      awsOwned();
      const outcome = await run(remove([{ PackageId: 'F1' }, { PackageId: 'G7' }]));
      expect(on()).toEqual(['G8 ACTIVE']);
      expect(outcome.data.Note).toBe(
        `AWS-owned packages G7 are not associated with domain ${DOMAIN}; an engine upgrade gives AWS-owned packages new ids, and any the domain shows under a new id are left as they are`,
      );
    });
  });

  describe('Create', () => {
    test('a denied first listing fails at once: only onEvent can record what was ACTIVE before, so it is not left to a poll', async () => {
      world([]);
      emulator().injectFault({ operation: 'ListPackagesForDomain', kind: 'access-denied', times: 1 });
      await expect(onEvent(create([{ PackageId: 'F1' }]))).rejects.toThrow(
        /^ListPackagesForDomain search-products failed: AccessDeniedException: .* es:ListPackagesForDomain should be granted by the policy LifecycleGrantsPackageAssociation…/,
      );
      expect(mutations(emulator())).toEqual([]);
    });

    test('one AssociatePackages call for every listed package, then waits until all are ACTIVE', async () => {
      world([{ packageId: 'F9' }]);
      emulator().setTiming({ associateMs: Infinity });
      const outcome = await run(
        create([
          { PackageId: 'F1', PackageVersion: 'v1' },
          { PackageId: 'F2', PackageVersion: 'v2' },
        ]),
        {
          beforePoll: (e, poll) => {
            if (poll === 1) emulator().setTiming({ associateMs: 0 });
            return e;
          },
        },
      );
      expect(outcome.polls).toBe(1);
      expect(outcome.physicalResourceId).toBe(BASE_ID);
      expect(emulator().mutatingRequests()[0].body).toEqual({
        DomainName: DOMAIN,
        PackageList: [{ PackageID: 'F1' }, { PackageID: 'F2' }],
      });
      expect(emulator().packages(DOMAIN)).toEqual([
        { packageId: 'F9', status: 'ACTIVE' },
        { packageId: 'F1', status: 'ACTIVE', packageVersion: 'v1' },
        { packageId: 'F2', status: 'ACTIVE', packageVersion: 'v2' },
      ]);
    });

    test('a package already ACTIVE is adopted: not in the call, and remembered in the physical id', async () => {
      world([{ packageId: 'F1' }]);
      const outcome = await run(create([{ PackageId: 'F1' }, { PackageId: 'F3' }]));
      expect(
        emulator()
          .mutatingRequests()
          .map((r) => r.body),
      ).toEqual([{ DomainName: DOMAIN, PackageList: [{ PackageID: 'F3' }] }]);
      expect(outcome.physicalResourceId).toBe(`${BASE_ID}:adopted:F1`);
    });

    test('everything already ACTIVE: no call at all', async () => {
      world([{ packageId: 'F1' }, { packageId: 'G5' }]);
      const outcome = await run(create([{ PackageId: 'F1' }, { PackageId: 'G5' }]));
      expect(mutations(emulator())).toEqual([]);
      expect(outcome.physicalResourceId).toBe(`${BASE_ID}:adopted:F1,G5`);
    });

    test('a plugin with a prerequisite: one call with the prerequisite list; the blue/green takes long and is waited for', async () => {
      world();
      emulator().setTiming({ pluginAssociateMs: Infinity });
      const outcome = await run(create([{ PackageId: 'F4' }, { PackageId: 'F1', PrerequisitePackageIds: ['F4'] }]), {
        beforePoll: (e, poll) => {
          if (poll === 3) emulator().setTiming({ pluginAssociateMs: 0 });
          return e;
        },
      });
      expect(outcome.polls).toBe(3);
      expect(
        emulator()
          .mutatingRequests()
          .map((r) => r.body),
      ).toEqual([{ DomainName: DOMAIN, PackageList: [{ PackageID: 'F4' }, { PackageID: 'F1', PrerequisitePackageIDList: ['F4'] }] }]);
      expect(on()).toEqual(['F4 ACTIVE', 'F1 ACTIVE']);
    });

    test('"already in desired state" (ConflictException) is success after a re-read', async () => {
      world();
      emulator().injectFault({ operation: 'AssociatePackages', kind: 'conflict', times: 1 });
      await run(create([{ PackageId: 'F1' }]));
      expect(on()).toEqual(['F1 ACTIVE']);
    });

    test('a busy domain (a change in progress) is waited out', async () => {
      world([], []);
      emulator().setProcessing(DOMAIN, true);
      await run(create([{ PackageId: 'F1' }]), {
        beforePoll: (e, poll) => {
          if (poll === 2) emulator().setProcessing(DOMAIN, false);
          return e;
        },
      });
      expect(on()).toEqual(['F1 ACTIVE']);
      expect(
        emulator()
          .mutatingRequests()
          .filter((r) => r.status === 200),
      ).toHaveLength(1);
    });

    test('ASSOCIATION_FAILED: dissociates what this Create associated (not what it adopted), then fails with ErrorType and ErrorMessage', async () => {
      world([{ packageId: 'F3' }, { packageId: 'F9' }]);
      emulator().failAssociation(DOMAIN, 'F2', 'PluginConflict', 'The dictionary clashes with an installed analyzer');
      await expect(run(create([{ PackageId: 'F1' }, { PackageId: 'F2' }, { PackageId: 'F3' }]))).rejects.toThrow(
        'AssociatePackages on domain search-products failed: F2: PluginConflict: The dictionary clashes with an installed analyzer. What this Create associated (F1, F2) is being dissociated.',
      );
      expect(on()).toEqual(['F3 ACTIVE', 'F9 ACTIVE']);
    });

    describe.each(variantCases('dissociateAssociationFailed'))('ASSOCIATION_FAILED, %s', (_label, variants) => {
      useVariants(emulator, variants);
      const refused = variants.dissociateAssociationFailed !== 'accepted';

      test('the failed entry is dissociated, or left and said so; the Create fails at once either way', async () => {
        world([{ packageId: 'F3' }]);
        emulator().failAssociation(DOMAIN, 'F2', 'PluginConflict', 'The dictionary clashes with an installed analyzer');
        await expect(run(create([{ PackageId: 'F1' }, { PackageId: 'F2' }, { PackageId: 'F3' }]))).rejects.toThrow(
          'AssociatePackages on domain search-products failed: F2: PluginConflict: The dictionary clashes with an installed analyzer. ' +
            (refused
              ? 'What this Create associated (F1) is being dissociated. The service refused to dissociate F2, which never became ACTIVE: left on the domain, without effect. '
              : 'What this Create associated (F1, F2) is being dissociated. ') +
            "Check the package and the domain's engine version, then retry.",
        );
        expect(on()).toEqual(refused ? ['F3 ACTIVE', 'F2 ASSOCIATION_FAILED'] : ['F3 ACTIVE']);
      });
    });

    test('a missing domain: fails naming it, no call', async () => {
      world();
      await expect(run(event(ASSOCIATION, 'Create', props([{ PackageId: 'F1' }], { DomainName: 'search-prodcuts' })))).rejects.toThrow(
        'Domain search-prodcuts not found in account 111111111111 in us-east-1; nothing was changed.',
      );
      expect(mutations(emulator())).toEqual([]);
    });

    test("another account's package: fails with the service's not-found, nothing associated", async () => {
      world();
      emulator().addManagedPackage({ packageId: 'F5', packageName: 'theirs', ownerId: '333333333333' });
      await expect(run(create([{ PackageId: 'F1' }, { PackageId: 'F5' }]))).rejects.toThrow(
        `AssociatePackages on domain ${DOMAIN} failed: ResourceNotFoundException: Package not found: F5.`,
      );
      expect(
        emulator()
          .mutatingRequests()
          .map((r) => `${r.operation} ${r.status}`),
      ).toEqual(['AssociatePackages 409']);
      expect(on()).toEqual([]);
    });

    test('crash point: onEvent runs again while its association is ASSOCIATING: no second call, not taken for adopted', async () => {
      world();
      emulator().setTiming({ associateMs: Infinity });
      const request = create([{ PackageId: 'F1' }]);
      await onEvent(request); // the answer is lost: the process died
      const outcome = await run(request, {
        beforePoll: (e) => {
          emulator().setTiming({ associateMs: 0 });
          return e;
        },
      });
      expect(emulator().mutatingRequests()).toHaveLength(1);
      expect(outcome.physicalResourceId).toBe(BASE_ID);
    });

    test('crash point: onEvent runs again after its association is already ACTIVE: no second call; taken for adopted (the safe side: a rollback leaves it)', async () => {
      world();
      const request = create([{ PackageId: 'F1' }]);
      await onEvent(request); // the answer is lost: the process died
      const outcome = await run(request);
      expect(emulator().mutatingRequests()).toHaveLength(1);
      expect(outcome.physicalResourceId).toBe(`${BASE_ID}:adopted:F1`);
    });

    test('bad input: a prerequisite outside the list fails with a short reason and no call', async () => {
      world();
      await expect(run(create([{ PackageId: 'F1', PrerequisitePackageIds: ['F4'] }]))).rejects.toThrow(
        'Packages[0] (F1) may only name other packages of the list as prerequisites; got "F4"',
      );
      expect(emulator().requests).toEqual([]);
    });
  });

  describe('Update', () => {
    test('added, removed and new-version packages: one DissociatePackages, then one AssociatePackages; other packages untouched', async () => {
      world([{ packageId: 'F1' }, { packageId: 'F3' }, { packageId: 'F9' }]);
      // F2 runs v1 on the domain; the package is at v2 now.
      await run(event(ASSOCIATION, 'Create', props([{ PackageId: 'F3' }])));
      emulator().addDomain({ domainName: 'search-other' });
      emulator().clearRequests();
      const old = [{ PackageId: 'F1', PackageVersion: 'v1' }, { PackageId: 'F3' }];
      const next = [
        { PackageId: 'F1', PackageVersion: 'v1' },
        { PackageId: 'F2', PackageVersion: 'v2' },
      ];
      await run(update(next, old));
      expect(callsMade()).toEqual([
        ['DissociatePackages', { DomainName: DOMAIN, PackageList: ['F3'] }],
        ['AssociatePackages', { DomainName: DOMAIN, PackageList: [{ PackageID: 'F2' }] }],
      ]);
      expect(on()).toEqual(['F1 ACTIVE', 'F9 ACTIVE', 'F2 ACTIVE']);
    });

    test('the upgrade that leaves the default timeout out of the template (1800, then absent): no call', async () => {
      world();
      const packages = [{ PackageId: 'F1', PackageVersion: 'v1' }];
      const created = await run(create(packages));
      emulator().clearRequests();
      const outcome = await run(
        event(ASSOCIATION, 'Update', props(packages, { TimeoutSeconds: undefined }), {
          physicalResourceId: created.physicalResourceId,
          oldProperties: props(packages, { TimeoutSeconds: 1800 }),
        }),
      );
      expect(outcome.physicalResourceId).toBe(created.physicalResourceId);
      expect(mutations(emulator())).toEqual([]);
      expect(on()).toEqual(['F1 ACTIVE']);
    });

    test('a package with a new version is associated again, and the domain moves to it', async () => {
      world();
      emulator().putObject('assets', 'v1.txt');
      emulator().putObject('assets', 'v2.txt');
      const packageProps = (key: string) => ({
        PackageName: 'products',
        PackageType: 'TXT-DICTIONARY',
        S3BucketName: 'assets',
        S3Key: key,
      });
      const pkg = await run(event('Custom::OpenSearchPackage', 'Create', packageProps('v1.txt'), { logicalResourceId: 'Dictionary' }));
      const id = pkg.data.PackageId;
      await run(create([{ PackageId: id, PackageVersion: 'v1' }]));
      const updated = await run(
        event('Custom::OpenSearchPackage', 'Update', packageProps('v2.txt'), {
          logicalResourceId: 'Dictionary',
          physicalResourceId: pkg.physicalResourceId,
          oldProperties: packageProps('v1.txt'),
        }),
      );
      expect(updated.data.PackageVersion).toBe('v2');
      expect(emulator().snapshot().domains?.[0].packages).toEqual([expect.objectContaining({ packageId: id, status: 'ACTIVE' })]);
      emulator().clearRequests();
      await run(update([{ PackageId: id, PackageVersion: 'v2' }], [{ PackageId: id, PackageVersion: 'v1' }]));
      expect(callsMade()).toEqual([['AssociatePackages', { DomainName: DOMAIN, PackageList: [{ PackageID: id }] }]]);
      const listed = emulator().requests.filter((r) => r.operation === 'ListPackagesForDomain');
      expect(listed.length).toBeGreaterThan(0);
      expect(domainVersion(id)).toBe('v2');
    });

    test('only the prerequisites change: the package is associated again with the new ones; nothing else is touched', async () => {
      world([{ packageId: 'F9' }]);
      const old = [{ PackageId: 'F4' }, { PackageId: 'F3' }, { PackageId: 'F1', PrerequisitePackageIds: ['F4'] }];
      await run(create(old));
      emulator().clearRequests();
      const next = [{ PackageId: 'F4' }, { PackageId: 'F3' }, { PackageId: 'F1', PrerequisitePackageIds: ['F4', 'F3'] }];
      await run(update(next, old));
      expect(callsMade()).toEqual([
        ['AssociatePackages', { DomainName: DOMAIN, PackageList: [{ PackageID: 'F1', PrerequisitePackageIDList: ['F4', 'F3'] }] }],
      ]);
      expect(emulator().packages(DOMAIN)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ packageId: 'F1', status: 'ACTIVE', prerequisitePackageIds: ['F4', 'F3'] }),
          { packageId: 'F9', status: 'ACTIVE' },
        ]),
      );

      // Prerequisites dropped: associated again without any.
      emulator().clearRequests();
      const without = [{ PackageId: 'F4' }, { PackageId: 'F3' }, { PackageId: 'F1' }];
      await run(update(without, next));
      expect(
        emulator()
          .mutatingRequests()
          .map((r) => r.body),
      ).toEqual([{ DomainName: DOMAIN, PackageList: [{ PackageID: 'F1' }] }]);
      expect(
        emulator()
          .packages(DOMAIN)
          ?.find((p) => p.packageId === 'F1'),
      ).toEqual({
        packageId: 'F1',
        status: 'ACTIVE',
        packageVersion: 'v1',
      });
    });

    test('the same prerequisites in another order: no call', async () => {
      world();
      const old = [{ PackageId: 'F4' }, { PackageId: 'F3' }, { PackageId: 'F1', PrerequisitePackageIds: ['F4', 'F3'] }];
      await run(create(old));
      emulator().clearRequests();
      await run(update([{ PackageId: 'F4' }, { PackageId: 'F3' }, { PackageId: 'F1', PrerequisitePackageIds: ['F3', 'F4'] }], old));
      expect(mutations(emulator())).toEqual([]);
    });

    test('a new domain: a replacement that associates on the new domain', async () => {
      world([], [{ domainName: 'search-next' }]);
      await run(create([{ PackageId: 'F1' }]));
      const outcome = await run(
        event(ASSOCIATION, 'Update', props([{ PackageId: 'F1' }], { DomainName: 'search-next' }), {
          physicalResourceId: BASE_ID,
          oldProperties: props([{ PackageId: 'F1' }]),
        }),
      );
      expect(outcome.physicalResourceId).toBe(packageAssociationPhysicalId('search-next', STACK_ID, 'Resource'));
      expect(on('search-next')).toEqual(['F1 ACTIVE']);
      expect(on()).toEqual(['F1 ACTIVE']);
    });

    test('a domain busy with a blue/green (ConflictException) is waited out within the deadline', async () => {
      world([{ packageId: 'F1' }]);
      emulator().injectFault({ operation: 'AssociatePackages', kind: 'conflict', times: 3 });
      await run(update([{ PackageId: 'F1' }, { PackageId: 'F2' }], [{ PackageId: 'F1' }]));
      expect(on()).toEqual(['F1 ACTIVE', 'F2 ACTIVE']);
    });
  });

  describe.each(variantCases('prerequisitesEchoed', 'reassociateActive'))('prerequisites and re-association, %s', (_label, variants) => {
    useVariants(emulator, variants);
    const accepted = (operation: string) =>
      emulator()
        .mutatingRequests()
        .filter((r) => r.operation === operation && r.status === 200);
    const prerequisitesOf = (id: string) =>
      emulator()
        .packages(DOMAIN)
        ?.find((p) => p.packageId === id)?.prerequisitePackageIds ?? [];

    test('a plugin, and a dictionary that needs it: done once both are ACTIVE, whether or not the domain echoes the list', async () => {
      world();
      const outcome = await run(create([{ PackageId: 'F4' }, { PackageId: 'F1', PrerequisitePackageIds: ['F4'] }]));
      expect(outcome.polls).toBeLessThanOrEqual(2);
      expect(accepted('AssociatePackages')).toHaveLength(1);
      expect(prerequisitesOf('F1')).toEqual(['F4']);
    });

    test('only the prerequisites change: associated again at most once, and done; the domain has the new ones unless the service refuses', async () => {
      world();
      const old = [{ PackageId: 'F4' }, { PackageId: 'F3' }, { PackageId: 'F1', PrerequisitePackageIds: ['F4'] }];
      await run(create(old));
      emulator().clearRequests();
      const next = [{ PackageId: 'F4' }, { PackageId: 'F3' }, { PackageId: 'F1', PrerequisitePackageIds: ['F4', 'F3'] }];
      const outcome = await run(update(next, old));
      expect(outcome.polls).toBeLessThanOrEqual(2);
      expect(accepted('AssociatePackages').length).toBeLessThanOrEqual(1);
      expect(prerequisitesOf('F1')).toEqual(variants.reassociateActive === 'always-refused' ? ['F4'] : ['F4', 'F3']);
    });

    test('crash point: the same Create runs again once everything is ACTIVE: nothing associated again when the domain says which prerequisites it has; at most once otherwise', async () => {
      world();
      const request = create([{ PackageId: 'F4' }, { PackageId: 'F1', PrerequisitePackageIds: ['F4'] }]);
      await run(request);
      emulator().clearRequests();
      await run(request);
      expect(accepted('AssociatePackages').length).toBeLessThanOrEqual(variants.prerequisitesEchoed === 'echoed' ? 0 : 1);
      expect(prerequisitesOf('F1')).toEqual(['F4']);
    });

    test("polls that do not show onEvent's association yet (stale reads): wait, never a second AssociatePackages", async () => {
      world();
      const associations: unknown[] = [];
      const outcome = await run(create([{ PackageId: 'F1' }]), {
        beforePoll: (e, poll) => {
          // Polls 0 and 1 read the domain as it was before onEvent's call; poll 2 sees it ACTIVE.
          // (Seeding clears the request log: what was asked is kept first.)
          associations.push(...emulator().requests.filter((r) => r.operation === 'AssociatePackages'));
          if (poll <= 2) {
            seed(emulator(), { domains: [{ domainName: DOMAIN, packages: poll < 2 ? [] : [{ packageId: 'F1' }] }] });
            emulator().addManagedPackage({ packageId: 'F1', packageName: 'synonyms' });
          }
          return e;
        },
      });
      expect(outcome.polls).toBe(2);
      associations.push(...emulator().requests.filter((r) => r.operation === 'AssociatePackages'));
      // onEvent's one call only.
      expect(associations).toHaveLength(1);
    });

    test('a listed package stuck in DISSOCIATION_FAILED: fails at once with its ErrorDetails instead of waiting until the deadline', async () => {
      world([{ packageId: 'F1', status: 'DISSOCIATION_FAILED', errorType: 'InUse', errorMessage: 'An index uses it' }]);
      let polls = 0;
      await expect(
        run(create([{ PackageId: 'F1' }, { PackageId: 'F3' }]), {
          beforePoll: (e, poll) => {
            polls = poll + 1;
            return e;
          },
        }),
      ).rejects.toThrow(`Packages of domain ${DOMAIN} are DISSOCIATION_FAILED (F1: InUse: An index uses it)`);
      expect(polls).toBe(0);
    });

    test('a package an Update adds that is ACTIVE already, with other prerequisites: taken as it is, so a rollback can tell', async () => {
      world([{ packageId: 'F4' }, { packageId: 'F1' }]);
      await run(create([{ PackageId: 'F4' }]));
      emulator().clearRequests();
      await run(update([{ PackageId: 'F4' }, { PackageId: 'F1', PrerequisitePackageIds: ['F4'] }], [{ PackageId: 'F4' }]));
      expect(accepted('AssociatePackages')).toEqual([]);
      expect(prerequisitesOf('F1')).toEqual([]);
    });
  });

  describe('Delete', () => {
    test('one DissociatePackages call for the listed packages still associated, then waits until gone; others untouched', async () => {
      world([{ packageId: 'F1' }, { packageId: 'F2' }, { packageId: 'F9' }]);
      emulator().setTiming({ dissociateMs: Infinity });
      const outcome = await run(remove([{ PackageId: 'F1' }, { PackageId: 'F2' }, { PackageId: 'F3' }]), {
        beforePoll: (e, poll) => {
          if (poll === 1) emulator().setTiming({ dissociateMs: 0 });
          return e;
        },
      });
      expect(outcome.polls).toBe(1);
      expect(
        emulator()
          .mutatingRequests()
          .map((r) => r.body),
      ).toEqual([{ DomainName: DOMAIN, PackageList: ['F1', 'F2'] }]);
      expect(on()).toEqual(['F9 ACTIVE']);
    });

    test('adopted packages are dissociated too when it is not a rollback: the user listed them', async () => {
      world([{ packageId: 'F1' }]);
      await run(remove([{ PackageId: 'F1' }], `${BASE_ID}:adopted:F1`));
      expect(on()).toEqual([]);
    });

    test('the domain is gone: done, no call', async () => {
      world();
      emulator().removeDomain(DOMAIN);
      await run(remove([{ PackageId: 'F1' }]));
      expect(mutations(emulator())).toEqual([]);
    });

    test('a physical id this handler did not make: nothing to do', async () => {
      world([{ packageId: 'F1' }]);
      await run(remove([{ PackageId: 'F1' }], 'made-up-by-cloudformation'));
      expect(on()).toEqual(['F1 ACTIVE']);
    });
  });

  describe('rollback (the driver reads the stack status)', () => {
    test('Delete during a rollback: what was ACTIVE before the resource is left; what it associated is dissociated', async () => {
      world([{ packageId: 'F1' }]);
      const created = await run(create([{ PackageId: 'F1' }, { PackageId: 'F2' }]));
      stack().status = 'ROLLBACK_IN_PROGRESS';
      emulator().clearRequests();
      const outcome = await run(remove([{ PackageId: 'F1' }, { PackageId: 'F2' }], created.physicalResourceId));
      expect(outcome.data.Note).toBe(
        'stack is rolling back (ROLLBACK_IN_PROGRESS): packages F1 were ACTIVE before this resource and are left as they are',
      );
      expect(
        emulator()
          .mutatingRequests()
          .map((r) => r.body),
      ).toEqual([{ DomainName: DOMAIN, PackageList: ['F2'] }]);
      expect(on()).toEqual(['F1 ACTIVE']);
    });

    test('Delete during a rollback with only adopted packages: no call at all', async () => {
      world([{ packageId: 'F1' }]);
      stack().status = 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS';
      const outcome = await run(remove([{ PackageId: 'F1' }], `${BASE_ID}:adopted:F1`));
      expect(outcome.data.Note).toContain('packages F1 were ACTIVE before this resource and are left as they are');
      expect(mutations(emulator())).toEqual([]);
      expect(on()).toEqual(['F1 ACTIVE']);
    });

    /**
     * The life of a stack update that fails elsewhere: the resource was created (adopting F1), F2 is
     * associated by someone else, then the update adds F2 (ACTIVE: adopted, and the physical id
     * cannot say so) and F4 (associated by it). Returns the physical id the rollback gets.
     */
    async function forwardUpdateThatFails(): Promise<{ physicalId: string; old: Entry[]; next: Entry[]; callsBefore: number }> {
      world([{ packageId: 'F1' }, { packageId: 'F9' }]);
      const original = [{ PackageId: 'F1' }, { PackageId: 'F3' }];
      stack().status = 'CREATE_IN_PROGRESS';
      const created = await run(create(original));
      expect(created.physicalResourceId).toBe(`${BASE_ID}:adopted:F1`);
      passTime(60_000);
      await run(event(ASSOCIATION, 'Create', props([{ PackageId: 'F2' }]), { logicalResourceId: 'ElsewhereInTheAccount' }));
      passTime(60_000);
      const startedAt = virtualTime();
      stack().status = 'UPDATE_IN_PROGRESS';
      stack().events = [
        stackEvent('HandlerTest', 'UPDATE_IN_PROGRESS', startedAt - 5),
        stackEvent('Resource', 'UPDATE_IN_PROGRESS', startedAt),
      ];
      const grown = [...original, { PackageId: 'F2' }, { PackageId: 'F4' }];
      await run(update(grown, original, created.physicalResourceId));
      expect(on()).toEqual(['F1 ACTIVE', 'F9 ACTIVE', 'F3 ACTIVE', 'F2 ACTIVE', 'F4 ACTIVE']);
      passTime(60_000);
      stack().events.push(
        stackEvent('Resource', 'UPDATE_COMPLETE', virtualTime() - 3),
        stackEvent('SomethingElse', 'UPDATE_FAILED', virtualTime() - 2),
        stackEvent('HandlerTest', 'UPDATE_ROLLBACK_IN_PROGRESS', virtualTime() - 1),
        stackEvent('Resource', 'UPDATE_IN_PROGRESS', virtualTime()),
      );
      stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      emulator().clearRequests();
      return { physicalId: created.physicalResourceId, old: grown, next: original, callsBefore: stack().calls.length };
    }

    test('Update during a rollback: a package ACTIVE before the failed update stays; one that update associated is dissociated', async () => {
      const { physicalId, old, next, callsBefore } = await forwardUpdateThatFails();
      const outcome = await run(update(next, old, physicalId));
      expect(mutations(emulator())).toEqual([`DissociatePackages ${DOMAIN} [F4]`]);
      expect(on()).toEqual(['F1 ACTIVE', 'F9 ACTIVE', 'F3 ACTIVE', 'F2 ACTIVE']);
      expect(outcome.physicalResourceId).toBe(physicalId);
      expect(outcome.data.Note).toBe(
        'stack is rolling back (UPDATE_ROLLBACK_IN_PROGRESS): packages F2 were ACTIVE before the update that failed and are left as they are',
      );
      expect(
        stack()
          .calls.slice(callsBefore)
          .map((c) => c.action),
      ).toEqual(['DescribeStacks', 'DescribeStackEvents']);
    });

    test('Update during a rollback: the start of the failed update is found past the first page of events, not that of an earlier update', async () => {
      const { physicalId, old, next } = await forwardUpdateThatFails();
      const [stackStart, resourceStart, ...after] = stack().events;
      // An earlier update of the resource, itself rolled back, long before F2 was associated.
      const earlier = virtualTime() - 1_000_000;
      const busy = Array.from({ length: 150 }, (_, i) => stackEvent(`Other${i}`, 'UPDATE_COMPLETE', resourceStart.timestamp + 1));
      stack().events = [
        stackEvent('Resource', 'UPDATE_IN_PROGRESS', earlier),
        stackEvent('HandlerTest', 'UPDATE_ROLLBACK_IN_PROGRESS', earlier + 1),
        stackEvent('Resource', 'UPDATE_IN_PROGRESS', earlier + 2),
        stackStart,
        resourceStart,
        ...busy,
        ...after,
      ];
      await run(update(next, old, physicalId));
      expect(mutations(emulator())).toEqual([`DissociatePackages ${DOMAIN} [F4]`]);
      expect(stack().calls.filter((c) => c.action === 'DescribeStackEvents')).toHaveLength(2);
    });

    test('Update during a rollback: adopted at Create and before the failed update, both stay, and the Note names both', async () => {
      const { physicalId, old } = await forwardUpdateThatFails();
      const outcome = await run(update([{ PackageId: 'F3' }], old, physicalId));
      expect(mutations(emulator())).toEqual([`DissociatePackages ${DOMAIN} [F4]`]);
      expect(on()).toEqual(['F1 ACTIVE', 'F9 ACTIVE', 'F3 ACTIVE', 'F2 ACTIVE']);
      expect(outcome.data.Note).toBe(
        'stack is rolling back (UPDATE_ROLLBACK_IN_PROGRESS): packages F1 were ACTIVE before this resource and are left as they are; ' +
          'packages F2 were ACTIVE before the update that failed and are left as they are',
      );
    });

    test('Update during a rollback, the stack events unreadable: nothing is dissociated, and the Note says why', async () => {
      const { physicalId, old, next } = await forwardUpdateThatFails();
      stack().fault = (_n, action) =>
        action === 'DescribeStackEvents'
          ? { httpStatus: 403, code: 'AccessDenied', message: 'not authorized to perform: cloudformation:DescribeStackEvents' }
          : undefined;
      const outcome = await run(update(next, old, physicalId));
      expect(mutations(emulator())).toEqual([]);
      expect(on()).toEqual(['F1 ACTIVE', 'F9 ACTIVE', 'F3 ACTIVE', 'F2 ACTIVE', 'F4 ACTIVE']);
      expect(outcome.data.Note).toBe(
        'stack is rolling back (UPDATE_ROLLBACK_IN_PROGRESS): packages F2, F4 are left as they are: when the update that failed started ' +
          'could not be read (DescribeStackEvents failed: AccessDenied: not authorized to perform: cloudformation:DescribeStackEvents), ' +
          'so whether it associated them is unknown; dissociate them by hand if it did',
      );
    });

    test('Update during a rollback, the stack events faulting for a while: read again at the next poll, then settled as usual', async () => {
      const { physicalId, old, next } = await forwardUpdateThatFails();
      let failures = 6;
      stack().fault = (_n, action) =>
        action === 'DescribeStackEvents' && failures-- > 0
          ? { httpStatus: 503, code: 'ServiceUnavailable', message: 'Service is unavailable' }
          : undefined;
      const outcome = await run(update(next, old, physicalId));
      expect(outcome.polls).toBeGreaterThan(0);
      expect(mutations(emulator())).toEqual([`DissociatePackages ${DOMAIN} [F4]`]);
      expect(on()).toEqual(['F1 ACTIVE', 'F9 ACTIVE', 'F3 ACTIVE', 'F2 ACTIVE']);
      expect(outcome.data.Note).toBe(
        'stack is rolling back (UPDATE_ROLLBACK_IN_PROGRESS): packages F2 were ACTIVE before the update that failed and are left as they are',
      );
    });

    test('Update during a rollback, the stack events still faulting at the deadline: nothing is dissociated, and the Note says why', async () => {
      const { physicalId, old, next } = await forwardUpdateThatFails();
      stack().fault = (_n, action) =>
        action === 'DescribeStackEvents' ? { httpStatus: 503, code: 'ServiceUnavailable', message: 'Service is unavailable' } : undefined;
      const outcome = await run(update(next, old, physicalId), { beforePoll: (e, poll) => (poll === 1 ? aged(61_000)(e) : e) });
      expect(mutations(emulator())).toEqual([]);
      expect(on()).toEqual(['F1 ACTIVE', 'F9 ACTIVE', 'F3 ACTIVE', 'F2 ACTIVE', 'F4 ACTIVE']);
      expect(outcome.data.Note).toContain(
        'packages F2, F4 are left as they are: when the update that failed started could not be read (DescribeStackEvents failed: ServiceUnavailable',
      );
    });

    test('Update during a rollback, no update of this resource in the stack events: nothing is dissociated, and the Note says why', async () => {
      const { physicalId, old, next } = await forwardUpdateThatFails();
      stack().events = stack().events.filter((e) => e.logicalResourceId !== 'Resource');
      const outcome = await run(update(next, old, physicalId));
      expect(mutations(emulator())).toEqual([]);
      expect(outcome.data.Note).toContain(
        'packages F2, F4 are left as they are: when the update that failed started could not be read ' +
          '(the stack events show no UPDATE_IN_PROGRESS of Resource before the rollback)',
      );
    });

    test('Update during a rollback: the packages the failed update added are gone already: no call, no events read', async () => {
      world([{ packageId: 'F1' }]);
      stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      const outcome = await run(update([{ PackageId: 'F1' }], [{ PackageId: 'F1' }, { PackageId: 'F2' }]));
      expect(mutations(emulator())).toEqual([]);
      expect(outcome.data.Note).toBeUndefined();
      expect(stack().calls.map((c) => c.action)).toEqual(['DescribeStacks']);
    });

    test('Update during a rollback to an older package version: no call (association cannot go back), the domain keeps the version it runs', async () => {
      world();
      await run(create([{ PackageId: 'F2', PackageVersion: 'v2' }]));
      expect(domainVersion('F2')).toBe('v2');
      stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      emulator().clearRequests();
      const outcome = await run(update([{ PackageId: 'F2', PackageVersion: 'v1' }], [{ PackageId: 'F2', PackageVersion: 'v2' }]));
      expect(mutations(emulator())).toEqual([]);
      expect(domainVersion('F2')).toBe('v2');
      expect(outcome.polls).toBe(0);
    });

    test('the same Delete outside a rollback dissociates every listed package', async () => {
      world([{ packageId: 'F1' }]);
      await run(remove([{ PackageId: 'F1' }], `${BASE_ID}:adopted:F1`));
      expect(on()).toEqual([]);
      expect(stack().calls.length).toBeGreaterThan(0);
    });
  });
});
