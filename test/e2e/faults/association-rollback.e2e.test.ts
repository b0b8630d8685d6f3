/**
 * A PackageAssociation whose update adds a package that someone else had already associated, in a
 * stack update that then fails elsewhere. The physical id cannot record what an Update adopts (a
 * new id is a replacement), so CloudFormation's rollback Update (UPDATE_ROLLBACK_IN_PROGRESS, the
 * lists swapped) must tell it from what the failed update associated itself: it reads when the
 * failed update of the resource started (DescribeStackEvents, served from the runner engine's own
 * events) and leaves every package whose association is older.
 *
 * (This failed before the rollback Update read the stack events: it dissociated the package
 * someone else had associated.)
 */
import { AssociatePackagesCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { Stack } from 'aws-cdk-lib';
import { AssociatedPackage, InboundConnectionRejection, PackageAssociation } from '../../../lib';
import { variantProfiles, type World } from '../../../emulator';
import { Runner, inbound, importedDomain, statuses, synth } from '../helpers';
import { acceptedMutations, expectInvariants, startFaultRunner } from './helpers';

const STACK = 'AssociationRollbackE2E';
const DOMAIN = 'assoc-rollback';
const DESTINATION = 'assoc-rollback-logs';

const WORLD: World = {
  domains: [
    // F111111111 was there before the stack; F999999999 is nobody's business.
    { domainName: DOMAIN, packages: [{ packageId: 'F111111111' }, { packageId: 'F999999999' }] },
    { domainName: DESTINATION },
  ],
  // Accepted, so a rejection of it fails: the resource that makes the update fail.
  connections: [inbound('cc-accepted-001', 'ACTIVE', DESTINATION)],
};

function association(scope: Stack, packageIds: string[]): PackageAssociation {
  return new PackageAssociation(scope, 'Association', {
    domain: importedDomain(scope, DOMAIN),
    packages: packageIds.map((id) => AssociatedPackage.fromPackageId(id)),
  });
}

/** v1: the association of F111111111 (adopted). */
const synthV1 = () => synth(STACK, (scope: Stack) => ({ association: association(scope, ['F111111111']) }));

/** v2: two more packages, and a resource that fails after the association's update. */
const synthV2 = () =>
  synth(STACK, (scope: Stack) => {
    const grown = association(scope, ['F111111111', 'F222222222', 'F333333333']);
    const failing = new InboundConnectionRejection(scope, 'FailsElsewhere', {
      connectionId: 'cc-accepted-001',
      domain: importedDomain(scope, DESTINATION),
    });
    failing.node.addDependency(grown);
    return { association: grown, failing };
  });

// Under each variant profile: prerequisites echoed or not, re-association refused or accepted, ...
describe.each(variantProfiles())('a rollback Update of a PackageAssociation, %s', (_label, variants) => {
  let runner: Runner;

  beforeAll(async () => {
    runner = await startFaultRunner(WORLD, {}, 150, { variants });
  });
  afterAll(() => runner?.run.stop());

  test('leaves the package the failed update found ACTIVE, and dissociates the one it associated', async () => {
    const { run } = runner;
    const before = run.emulator.snapshot();
    const v1 = synthV1();
    const v2 = synthV2();
    const id = v1.ids.association;

    expect(await run.deploy(v1.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    expect(run.resourcesOf(STACK)[id].physicalResourceId).toMatch(/:adopted:F111111111$/);

    // Someone else associates F222222222, well before the update.
    const client = new OpenSearchClient({
      endpoint: run.emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIALOCAL111111111111', secretAccessKey: 'x' },
    });
    try {
      await client.send(new AssociatePackagesCommand({ DomainName: DOMAIN, PackageList: [{ PackageID: 'F222222222' }] }));
    } finally {
      client.destroy();
    }
    await run.clock.sleep(60_000);
    const calls = run.cloudformationCalls.length;
    const responses = run.responses.length;

    const failed = await run.deploy(v2.cdkOut, STACK);

    expect(failed).toMatchObject({ ok: false, failed: [v2.ids.failing], status: 'UPDATE_ROLLBACK_COMPLETE' });
    expect(statuses(run, id, STACK).slice(-4)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    // Forward: F333333333 associated (F222222222 was ACTIVE already). Rollback: only F333333333 dissociated.
    expect(acceptedMutations(run, id)).toEqual([`AssociatePackages ${DOMAIN} [F333333333]`, `DissociatePackages ${DOMAIN} [F333333333]`]);
    expect(run.emulator.packages(DOMAIN)?.map((p) => `${p.packageId} ${p.status}`)).toEqual([
      'F111111111 ACTIVE',
      'F999999999 ACTIVE',
      'F222222222 ACTIVE',
    ]);
    // The rollback Update read the stack status, then the stack's events.
    expect(run.cloudformationCalls.slice(calls).map((call) => call.action)).toEqual([
      'DescribeStacks',
      'DescribeStacks',
      'DescribeStackEvents',
    ]);
    const rollbackNote = run.responses
      .slice(responses)
      .filter((response) => response.role === 'answer' && response.request.LogicalResourceId === id)
      .map((response) => (response.parsed as { Data?: { Note?: string } } | undefined)?.Data?.Note);
    expect(rollbackNote).toEqual([
      undefined,
      'stack is rolling back (UPDATE_ROLLBACK_IN_PROGRESS): packages F222222222 were ACTIVE before the update that failed and are left as they are',
    ]);
    expect(expectInvariants(runner, before)).toEqual([`package ${DOMAIN}/F222222222: added (ACTIVE)`]);
  });
});
