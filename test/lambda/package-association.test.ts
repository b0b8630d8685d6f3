import { SeedDomain } from '../../emulator';
import { packageAssociationPhysicalId } from '../../lib/private/contracts/package-association';
import { onEvent } from '../../lambda';
import { STACK_ID, event, mutations, run, seed, useEmulator } from './harness';

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
const create = (packages: Entry[]) => event(ASSOCIATION, 'Create', props(packages));
const update = (packages: Entry[], old: Entry[], physicalResourceId = BASE_ID) =>
  event(ASSOCIATION, 'Update', props(packages), { physicalResourceId, oldProperties: props(old) });
const remove = (packages: Entry[], physicalResourceId = BASE_ID) => event(ASSOCIATION, 'Delete', props(packages), { physicalResourceId });

describe('PackageAssociation handler', () => {
  describe('Create', () => {
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

    test('a missing domain: fails naming it, no call', async () => {
      world();
      await expect(run(event(ASSOCIATION, 'Create', props([{ PackageId: 'F1' }], { DomainName: 'search-prodcuts' })))).rejects.toThrow(
        'Domain search-prodcuts not found in account 111111111111 in us-east-1; nothing was changed.',
      );
      expect(mutations(emulator())).toEqual([]);
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
      expect(
        emulator()
          .mutatingRequests()
          .map((r) => [r.operation, r.body]),
      ).toEqual([
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
      expect(
        emulator()
          .mutatingRequests()
          .map((r) => [r.operation, r.body]),
      ).toEqual([['AssociatePackages', { DomainName: DOMAIN, PackageList: [{ PackageID: id }] }]]);
      const listed = emulator().requests.filter((r) => r.operation === 'ListPackagesForDomain');
      expect(listed.length).toBeGreaterThan(0);
      expect(domainVersion(id)).toBe('v2');
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

    test('Update during a rollback: an adopted package the old list lacks stays; one this resource associated is dissociated', async () => {
      world([{ packageId: 'F1' }, { packageId: 'F2' }]);
      stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      const physicalId = `${BASE_ID}:adopted:F1`;
      await run(update([{ PackageId: 'F3' }], [{ PackageId: 'F1' }, { PackageId: 'F2' }, { PackageId: 'F3' }], physicalId));
      expect(on()).toEqual(['F1 ACTIVE', 'F3 ACTIVE']);
    });

    test('the same Delete outside a rollback dissociates every listed package', async () => {
      world([{ packageId: 'F1' }]);
      await run(remove([{ PackageId: 'F1' }], `${BASE_ID}:adopted:F1`));
      expect(on()).toEqual([]);
      expect(stack().calls.length).toBeGreaterThan(0);
    });
  });
});
