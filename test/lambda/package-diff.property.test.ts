import * as fc from 'fast-check';
import { PACKAGES, event, run, seed, useEmulator } from './harness';

const { emulator, stack } = useEmulator();

const UNIVERSE = ['F1', 'F2', 'F3', 'G4', 'pkg-05', 'pkg-a6'];
const DOMAINS = ['search-alpha', 'search-beta'];

/** One deployed version of a PackageDissociation resource. */
interface Version {
  domainName: string;
  packageIds: string[];
}

const version = fc.record({
  domainName: fc.constantFrom(...DOMAINS),
  packageIds: fc.subarray(UNIVERSE, { minLength: 1 }),
});

/**
 * Plays a resource's life as CloudFormation would: Create, then Updates, then Delete. An Update
 * answered with a new physical id is a replacement: after the stack update, the old resource is
 * deleted. A stack update that fails elsewhere is rolled back: the update is sent back with old and
 * new swapped, and a resource the failed update created is deleted; the stack status says so, and
 * nothing the rollback takes out of a list, or deletes, is dissociated. Returns the packages that
 * left the list on each domain along the way, outside rollbacks.
 */
async function play(versions: Version[], rollbackAt: number | undefined): Promise<Map<string, Set<string>>> {
  const left = new Map(DOMAINS.map((d) => [d, new Set<string>()]));
  const props = (v: Version) => ({ DomainName: v.domainName, PackageIds: v.packageIds, TimeoutSeconds: 60 });
  const update = async (from: Version, to: Version, fromId: string) =>
    (await run(event(PACKAGES, 'Update', props(to), { physicalResourceId: fromId, oldProperties: props(from) }))).physicalResourceId;
  const remove = async (v: Version, id: string) => {
    await run(event(PACKAGES, 'Delete', props(v), { physicalResourceId: id }));
    if (!stack().status.includes('ROLLBACK')) v.packageIds.forEach((packageId) => left.get(v.domainName)!.add(packageId));
  };

  stack().status = 'CREATE_IN_PROGRESS';
  let current = versions[0];
  let physicalId = (await run(event(PACKAGES, 'Create', props(current)))).physicalResourceId;
  for (let i = 1; i < versions.length; i++) {
    const next = versions[i];
    const leaving = (from: Version, to: Version) => from.packageIds.filter((id) => !to.packageIds.includes(id));
    stack().status = 'UPDATE_IN_PROGRESS';
    const nextId = await update(current, next, physicalId);
    if (nextId === physicalId) {
      leaving(current, next).forEach((id) => left.get(current.domainName)!.add(id));
    }
    if (i === rollbackAt) {
      // Packages the failed update added leave the list again, but stay associated.
      stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      const backId = await update(next, current, nextId);
      expect(backId).toBe(physicalId);
      if (nextId !== physicalId) {
        stack().status = 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS';
        await remove(next, nextId);
      }
      continue;
    }
    if (nextId !== physicalId) {
      stack().status = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
      await remove(current, physicalId);
    }
    current = next;
    physicalId = nextId;
  }
  stack().status = 'DELETE_IN_PROGRESS';
  await remove(current, physicalId);
  return left;
}

test('the packages dissociated from each domain are exactly those that left the list on that domain', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(version, { minLength: 1, maxLength: 4 }),
      fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      async (versions, rollbackAt) => {
        seed(emulator(), {
          domains: DOMAINS.map((domainName) => ({ domainName, packages: UNIVERSE.map((packageId) => ({ packageId })) })),
        });
        const left = await play(versions, rollbackAt);
        for (const domainName of DOMAINS) {
          const remaining = (emulator().packages(domainName) ?? []).map((p) => p.packageId);
          expect(remaining).toEqual(UNIVERSE.filter((id) => !left.get(domainName)!.has(id)));
        }
        // Nothing is asked twice: each package is dissociated by at most one call.
        const asked = emulator()
          .mutatingRequests()
          .filter((r) => r.status === 200)
          .flatMap((r) =>
            ((r.body as { PackageList: string[]; DomainName: string }).PackageList ?? []).map(
              (id) => `${(r.body as { DomainName: string }).DomainName}/${id}`,
            ),
          );
        expect(new Set(asked).size).toBe(asked.length);
      },
    ),
    { numRuns: 60 },
  );
});
