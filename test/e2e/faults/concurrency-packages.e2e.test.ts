/**
 * Concurrency: 20 PackageDissociation resources on ONE domain, deleted at once as CloudFormation
 * deletes independent resources (in parallel). The service runs one package operation per
 * domain at a time and refuses the others with ConflictException; each handler keeps asking at
 * its polls until its turn comes. All 20 succeed within their 30-minute timeouts, each with one
 * accepted DissociatePackages naming only its own package.
 *
 * Virtual time is discrete-event: however long a round of 40 processes takes in real time, the
 * rounds stay 10 virtual seconds apart, so the deadlines are met on any machine.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { PackageDissociation } from '../../../lib';
import { packageDissociationPhysicalId } from '../../../lib/private/contracts/package-dissociation';
import type { World } from '../../../emulator';
import { Runner, importedDomain, synth } from '../helpers';
import { acceptedMutations, emulatorAcceptedMutations, expectDeletedInParallel, expectInvariants, startFaultRunner } from './helpers';

// 20 resources polled every 10 virtual seconds: every poll round starts 40 processes, which on a
// loaded 2-core machine takes minutes of real time (a hang guard, not a pace).
jest.setTimeout(600_000);

const STACK = 'ConcurrentPackagesE2E';
const DOMAIN = 'shared-domain';
const COUNT = 20;
const packageId = (index: number) => `F${String(1_000_000_000 + index)}`;

const WORLD: World = {
  domains: [
    {
      domainName: DOMAIN,
      packages: [...Array.from({ length: COUNT }, (_, index) => ({ packageId: packageId(index) })), { packageId: 'F999999999' }],
    },
  ],
};

describe(`${COUNT} PackageDissociation resources on one domain, deleted at once`, () => {
  const stack = synth(STACK, (scope: Stack) => {
    const domain = importedDomain(scope, DOMAIN);
    return Object.fromEntries(
      Array.from({ length: COUNT }, (_, index) => [
        `p${index}`,
        new PackageDissociation(scope, `Packages${index}`, { domain, packageIds: [packageId(index)], timeout: Duration.minutes(30) }),
      ]),
    );
  });
  const ids = Object.values(stack.ids);
  let runner: Runner;
  let seed: World;

  beforeAll(async () => {
    runner = await startFaultRunner(WORLD, { dissociateMs: 3_000 }, 30);
    seed = runner.run.emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());

  test('all succeed; each makes one accepted call for its own package; conflicts were met and waited out', async () => {
    const { run } = runner;
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, failed: [], status: 'CREATE_COMPLETE' });
    const stackId = run.stackId(STACK)!;
    Object.entries(stack.ids).forEach(([key, id]) => {
      expect(run.resources[id].physicalResourceId).toBe(packageDissociationPhysicalId(DOMAIN, stackId, id));
      expect(key).toMatch(/^p\d+$/);
    });
    const before = run.emulator.snapshot();

    expect(await run.destroy(STACK)).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    expectDeletedInParallel(run, ids);

    // The service refused concurrent operations; the handlers waited their turn.
    const conflicts = run.serviceCalls.filter((call) => call.operation === 'DissociatePackages' && call.errorType === 'ConflictException');
    expect(conflicts.length).toBeGreaterThan(0);
    Object.values(stack.ids).forEach((id, index) => {
      expect(acceptedMutations(run, id)).toEqual([`DissociatePackages ${DOMAIN} [${packageId(index)}]`]);
    });
    expect(emulatorAcceptedMutations(run)).toHaveLength(COUNT);
    expect(expectInvariants(runner, before)).toEqual(
      Array.from({ length: COUNT }, (_, index) => `package ${DOMAIN}/${packageId(index)}: ACTIVE -> gone`),
    );
    expect(run.emulator.packages(DOMAIN)).toEqual([{ packageId: 'F999999999', status: 'ACTIVE' }]);
    expectInvariants(runner, seed);
  });
});
