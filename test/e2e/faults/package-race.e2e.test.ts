/**
 * A package that stops being associated between the handler's ListPackagesForDomain and its
 * DissociatePackages call: someone else's dissociation has just finished, or (the same thing,
 * seen from the service) an earlier attempt of ours landed but its answer was lost and the SDK
 * retried after the dissociation was over. The service answers ValidationException "Package is
 * not associated to this domain". The package is gone, as the Delete wants, so the Delete must
 * succeed, as it does when the package is already gone at the lookup (and as the connection
 * handlers do when a refused call finds the connection already ended).
 *
 * (This failed before the handler read the domain again after a refused DissociatePackages: the
 * refusal was reported as FAILED and the stack ended DELETE_FAILED.)
 */
import { Stack } from 'aws-cdk-lib';
import { PackageDissociation } from '../../../lib';
import type { DeployResult } from '../../../tools/local-deploy';
import type { OpenSearchEmulator, World } from '../../../emulator';
import { Runner, importedDomain, lastEvent, synth } from '../helpers';
import { expectInvariants, startFaultRunner } from './helpers';

const STACK = 'PackageRaceE2E';
const DOMAIN = 'race-domain';

describe('a package dissociated by someone else between the lookup and the call', () => {
  const stack = synth(STACK, (scope: Stack) => ({
    packages: new PackageDissociation(scope, 'Packages', { domain: importedDomain(scope, DOMAIN), packageIds: ['F111111111'] }),
  }));
  const id = stack.ids.packages;
  let runner: Runner;
  let emulator: OpenSearchEmulator;
  let before: World;
  let result: DeployResult;

  beforeAll(async () => {
    runner = await startFaultRunner(
      { domains: [{ domainName: DOMAIN, packages: [{ packageId: 'F111111111' }, { packageId: 'F999999999' }] }] },
      {},
      60,
      {
        onServiceRequest: (call) => {
          if (call.operation !== 'DissociatePackages') return;
          // Just before our call reaches the service, someone else's dissociation of F111111111 ends.
          const domain = emulator.snapshot().domains!.find((candidate) => candidate.domainName === DOMAIN)!;
          emulator.removeDomain(DOMAIN);
          emulator.addDomain({ ...domain, packages: domain.packages!.filter((pkg) => pkg.packageId !== 'F111111111') });
        },
      },
    );
    emulator = runner.run.emulator;
    expect(await runner.run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    before = emulator.snapshot();
    result = await runner.run.destroy(STACK);
  });
  afterAll(() => runner?.run.stop());

  test('the race happened: the lookup saw the package, the call was refused, the package is gone', () => {
    const calls = runner.run.serviceCalls.filter((call) => call.logicalId === id && call.requestType === 'Delete');
    expect(calls.map((call) => `${call.operation} ${call.status} ${call.errorType ?? ''}`.trim())).toContain(
      'DissociatePackages 400 ValidationException',
    );
    expect(emulator.packages(DOMAIN)).toEqual([{ packageId: 'F999999999', status: 'ACTIVE' }]);
  });

  test('the Delete succeeds: the package is gone, as it wants', () => {
    expect(lastEvent(runner.run, id, 'DELETE_FAILED')?.reason).toBeUndefined();
    expect(result).toMatchObject({ ok: true, failed: [], status: 'DELETE_COMPLETE' });
    expect(expectInvariants(runner, before)).toEqual([`package ${DOMAIN}/F111111111: ACTIVE -> gone`]);
  });
});
