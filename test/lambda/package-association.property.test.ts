import { OpenSearchClient, UpdatePackageCommand } from '@aws-sdk/client-opensearch';
import * as fc from 'fast-check';
import { variantCases } from '../../emulator';
import { event, passTime, run, seed, stackEvent, useEmulator, useVariants, virtualTime } from './harness';

const { emulator, stack } = useEmulator();
const ASSOCIATION = 'Custom::OpenSearchPackageAssociation';
const DOMAIN = 'search-products';
const UNIVERSE = ['F1', 'F2', 'F3', 'F4', 'F5'];
/** A package of the domain no resource names: it must never be touched. */
const BYSTANDER = 'F9';

interface ListVersion {
  /** The listed packages, in order. */
  ids: string[];
  /** Prerequisite choices: entry i may name earlier entries (by index modulo i). */
  prerequisites: number[][];
  /** Packages that get a new version (UpdatePackage) before this step. */
  bumped: string[];
}

const listVersion = fc.record({
  ids: fc.shuffledSubarray(UNIVERSE, { minLength: 1 }),
  prerequisites: fc.array(fc.array(fc.nat(4), { maxLength: 2 }), { minLength: 5, maxLength: 5 }),
  bumped: fc.subarray(UNIVERSE),
});

let client: OpenSearchClient;
beforeAll(() => {
  client = new OpenSearchClient({
    endpoint: emulator().endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' },
  });
});
afterAll(() => client.destroy());

/** The same package ids, in any order; no list and an empty list are the same. */
const sameIds = (a: string[] | undefined, b: string[] | undefined) => [...(a ?? [])].sort().join(',') === [...(b ?? [])].sort().join(',');
const available = (id: string) => emulator().managedPackage(id)!.availableVersion!;
const onDomain = () => new Map((emulator().packages(DOMAIN) ?? []).map((p) => [p.packageId, p]));

/** The template's package list: each id at the package's current version, prerequisites among earlier entries. */
function entries(v: ListVersion): Array<Record<string, unknown>> {
  return v.ids.map((id, i) => {
    const prerequisites = i === 0 ? [] : [...new Set(v.prerequisites[i].map((n) => v.ids[n % i]))];
    return { PackageId: id, PackageVersion: available(id), ...(prerequisites.length > 0 ? { PrerequisitePackageIds: prerequisites } : {}) };
  });
}

async function bump(ids: string[]): Promise<void> {
  for (const id of ids) {
    const key = `${id}-${available(id)}-next.txt`;
    emulator().putObject('assets', key);
    await client.send(new UpdatePackageCommand({ PackageID: id, PackageSource: { S3BucketName: 'assets', S3Key: key } }));
  }
}

describe.each(variantCases('prerequisitesEchoed', 'reassociateActive'))('%s', (_label, variants) => {
  useVariants(emulator, variants);
  /** Whether the service lets an ACTIVE package at its version be associated again for other prerequisites. */
  const prerequisitesMove = variants.reassociateActive !== 'always-refused';
  /**
   * Whether the handler can tell which prerequisites an association has: when the domain does not
   * say, a change of them may take a re-association of each ACTIVE entry, one at a time.
   */
  const onePerKind = prerequisitesMove && variants.prerequisitesEchoed === 'echoed';

  test('across versions and prerequisites: the domain runs exactly the list at the newest versions with the listed prerequisites, with one call per kind of change', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(listVersion, { minLength: 1, maxLength: 4 }), fc.subarray(UNIVERSE), async (versions, activeBefore) => {
        seed(emulator(), { domains: [{ domainName: DOMAIN, packages: [{ packageId: BYSTANDER }] }] });
        emulator().putObject('assets', 'v1');
        UNIVERSE.forEach((id, i) => emulator().addManagedPackage({ packageId: id, packageName: `dictionary-${i}` }));
        if (activeBefore.length > 0) {
          // Associated before the resource exists, at v1.
          await run(
            event(
              ASSOCIATION,
              'Create',
              { DomainName: DOMAIN, Packages: activeBefore.map((id) => ({ PackageId: id })) },
              { logicalResourceId: 'Earlier' },
            ),
          );
        }

        let previous: Array<Record<string, unknown>> | undefined;
        let physicalId = '';
        for (const version of versions) {
          // Deployments are apart in time (a change within the same millisecond is not a real case).
          passTime(1_000);
          await bump(version.bumped);
          const before = onDomain();
          const next = entries(version);
          emulator().clearRequests();
          const props = { DomainName: DOMAIN, Packages: next, TimeoutSeconds: 60 };
          const outcome = previous
            ? await run(
                event(ASSOCIATION, 'Update', props, {
                  physicalResourceId: physicalId,
                  oldProperties: { DomainName: DOMAIN, Packages: previous },
                }),
              )
            : await run(event(ASSOCIATION, 'Create', props));
          physicalId = outcome.physicalResourceId;

          const calls = emulator()
            .mutatingRequests()
            .filter((r) => r.status === 200);
          const associated = calls.filter((r) => r.operation === 'AssociatePackages');
          const dissociated = calls.filter((r) => r.operation === 'DissociatePackages');
          expect(associated.length).toBeLessThanOrEqual(onePerKind ? 1 : next.length);
          expect(dissociated.length).toBeLessThanOrEqual(1);
          // Associated: exactly the listed packages not ACTIVE at their version with their prerequisites
          // before (a change of prerequisites alone is associated again), with their prerequisites;
          // except that a package an Update adds to the list and finds ACTIVE at its version is taken
          // as it is, so that a rollback can tell it from what the update associated.
          const activeAtVersion = (e: Record<string, unknown>) =>
            before.get(e.PackageId as string)?.status === 'ACTIVE' &&
            before.get(e.PackageId as string)?.packageVersion === e.PackageVersion;
          // ... and one the service refuses to associate again ("already in desired state") keeps its prerequisites.
          const addedActive = (e: Record<string, unknown>) =>
            activeAtVersion(e) && ((previous !== undefined && !previous.some((p) => p.PackageId === e.PackageId)) || !prerequisitesMove);
          const stale = next.filter(
            (e) =>
              before.get(e.PackageId as string)?.packageVersion !== e.PackageVersion ||
              before.get(e.PackageId as string)?.status !== 'ACTIVE' ||
              (!addedActive(e) &&
                !sameIds(before.get(e.PackageId as string)?.prerequisitePackageIds, e.PrerequisitePackageIds as string[] | undefined)),
          );
          const expected = stale.map((e) => ({
            PackageID: e.PackageId,
            ...(e.PrerequisitePackageIds ? { PrerequisitePackageIDList: e.PrerequisitePackageIds } : {}),
          }));
          const packagesWithoutVersion = next.filter(
            (e) =>
              before.get(e.PackageId as string)?.status === 'ACTIVE' && before.get(e.PackageId as string)?.packageVersion === undefined,
          );
          if (packagesWithoutVersion.length === 0 && onePerKind) {
            expect(associated.map((r) => (r.body as { PackageList: unknown[] }).PackageList)).toEqual(
              expected.length > 0 ? [expected] : [],
            );
          }
          // Dissociated: exactly what left the list.
          const removed = (previous ?? []).map((e) => e.PackageId).filter((id) => !next.some((e) => e.PackageId === id));
          expect(dissociated.map((r) => [...(r.body as { PackageList: string[] }).PackageList].sort())).toEqual(
            removed.length > 0 ? [[...removed].sort()] : [],
          );

          const after = onDomain();
          for (const e of next) {
            expect(after.get(e.PackageId as string)?.status).toBe('ACTIVE');
            const wanted = addedActive(e) ? before.get(e.PackageId as string)?.prerequisitePackageIds : e.PrerequisitePackageIds;
            expect(sameIds(after.get(e.PackageId as string)?.prerequisitePackageIds, wanted as string[] | undefined)).toBe(true);
            if (!packagesWithoutVersion.includes(e)) expect(after.get(e.PackageId as string)?.packageVersion).toBe(e.PackageVersion);
          }
          for (const id of removed) expect(after.has(id as string)).toBe(false);
          expect(after.get(BYSTANDER)?.status).toBe('ACTIVE');
          previous = next;
        }

        await run(
          event(ASSOCIATION, 'Delete', { DomainName: DOMAIN, Packages: previous, TimeoutSeconds: 60 }, { physicalResourceId: physicalId }),
        );
        const leftOver = [...onDomain().keys()].sort();
        const untouchedEarlier = activeBefore.filter((id) => !versions.some((v) => v.ids.includes(id)));
        expect(leftOver).toEqual([BYSTANDER, ...untouchedEarlier].sort());
      }),
      { numRuns: variants.prerequisitesEchoed === 'echoed' && variants.reassociateActive === 'refused-if-unchanged' ? 25 : 10 },
    );
  });

  test('a rollback Update dissociates exactly what the failed update associated; what it found ACTIVE as listed stays', async () => {
    await fc.assert(
      fc.asyncProperty(listVersion, listVersion, fc.subarray(UNIVERSE), fc.subarray(UNIVERSE), async (original, failed, earlier, later) => {
        seed(emulator(), { domains: [{ domainName: DOMAIN, packages: [{ packageId: BYSTANDER }] }] });
        UNIVERSE.forEach((id, i) => emulator().addManagedPackage({ packageId: id, packageName: `dictionary-${i}` }));
        const associateElsewhere = async (ids: string[], logicalResourceId: string) => {
          if (ids.length === 0) return;
          const props = { DomainName: DOMAIN, Packages: ids.map((id) => ({ PackageId: id })) };
          await run(event(ASSOCIATION, 'Create', props, { logicalResourceId }));
        };
        const withoutVersions = (v: ListVersion) => entries(v).map(({ PackageVersion: _, ...rest }) => rest);
        // Someone else's packages: some before the resource, some between its creation and the update.
        await associateElsewhere(earlier, 'Earlier');
        stack().status = 'CREATE_IN_PROGRESS';
        const old = withoutVersions(original);
        const created = await run(event(ASSOCIATION, 'Create', { DomainName: DOMAIN, Packages: old, TimeoutSeconds: 60 }));
        passTime(1_000);
        await associateElsewhere(
          later.filter((id) => !onDomain().has(id)),
          'Later',
        );
        passTime(1_000);
        stack().events = [
          stackEvent('HandlerTest', 'UPDATE_IN_PROGRESS', virtualTime() - 1),
          stackEvent('Resource', 'UPDATE_IN_PROGRESS', virtualTime()),
        ];
        stack().status = 'UPDATE_IN_PROGRESS';
        const before = onDomain();
        const grown = withoutVersions(failed);
        const forward = { DomainName: DOMAIN, Packages: grown, TimeoutSeconds: 60 };
        await run(
          event(ASSOCIATION, 'Update', forward, {
            physicalResourceId: created.physicalResourceId,
            oldProperties: { DomainName: DOMAIN, Packages: old },
          }),
        );
        passTime(1_000);
        stack().events.push(
          stackEvent('HandlerTest', 'UPDATE_ROLLBACK_IN_PROGRESS', virtualTime() - 1),
          stackEvent('Resource', 'UPDATE_IN_PROGRESS', virtualTime()),
        );
        stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
        emulator().clearRequests();

        const back = await run(
          event(
            ASSOCIATION,
            'Update',
            { DomainName: DOMAIN, Packages: old, TimeoutSeconds: 60 },
            { physicalResourceId: created.physicalResourceId, oldProperties: forward },
          ),
        );

        expect(back.physicalResourceId).toBe(created.physicalResourceId);
        const removed = failed.ids.filter((id) => !original.ids.includes(id));
        // What the failed update found ACTIVE it left as it was (whatever prerequisites it lists: a
        // package an Update adds is never associated again for them), and the rollback leaves it.
        const keptByRollback = removed.filter((id) => before.get(id)?.status === 'ACTIVE');
        const calls = emulator()
          .mutatingRequests()
          .filter((r) => r.status === 200);
        const dissociated = calls
          .filter((r) => r.operation === 'DissociatePackages')
          .map((r) => [...(r.body as { PackageList: string[] }).PackageList].sort());
        const ours = removed.filter((id) => !keptByRollback.includes(id)).sort();
        expect(dissociated).toEqual(ours.length > 0 ? [ours] : []);
        expect(calls.filter((r) => r.operation === 'AssociatePackages').length).toBeLessThanOrEqual(onePerKind ? 1 : old.length);
        const after = onDomain();
        for (const e of old) {
          expect(after.get(e.PackageId as string)?.status).toBe('ACTIVE');
          // Unless the service refuses to associate an ACTIVE package again: then one found ACTIVE keeps what it had.
          const foundActive = earlier.includes(e.PackageId as string) || later.includes(e.PackageId as string);
          if (prerequisitesMove || !foundActive) {
            expect(
              sameIds(after.get(e.PackageId as string)?.prerequisitePackageIds, e.PrerequisitePackageIds as string[] | undefined),
            ).toBe(true);
          }
        }
        for (const id of keptByRollback) expect(after.get(id)?.status).toBe('ACTIVE');
        for (const id of ours) expect(after.has(id)).toBe(false);
        expect(after.get(BYSTANDER)?.status).toBe('ACTIVE');
      }),
      { numRuns: variants.prerequisitesEchoed === 'echoed' && variants.reassociateActive === 'refused-if-unchanged' ? 25 : 10 },
    );
  });
});
