/**
 * Rollbacks never end what existed before the deployment. The runner plays CloudFormation's
 * rollbacks and answers the handlers' DescribeStacks with the stack status of each phase:
 *  - a first deployment that fails elsewhere is rolled back (ROLLBACK_IN_PROGRESS): the
 *    connection and the packages its constructs had adopted are left as they were;
 *  - an update that fails is rolled back: the rollback's Update (UPDATE_ROLLBACK_IN_PROGRESS) of
 *    a package list that grows back, and the Deletes of the cleanup
 *    (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS) of a resource the failed update added and of
 *    the new half of a replacement, change nothing;
 *  - a real removal still acts: the old half of a successful replacement and a resource removed
 *    from the template (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS), and the stack's deletion
 *    (DELETE_IN_PROGRESS).
 * In every phase, the response of a resource that left something as it was says so (Data.Note).
 */
import { Stack } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../../../lib';
import type { World } from '../../../emulator';
import type { LocalDeployment, StackEvent } from '../../../tools/local-deploy';
import { Runner, handlerInvocations, importedDomain, inbound, statuses, synth } from '../helpers';
import { acceptedMutations, expectInvariants, startFaultRunner } from './helpers';

const DESTINATION = 'rollback-logs';
const DOMAIN = 'rollback-search';

const WORLD: World = {
  domains: [
    { domainName: DESTINATION },
    { domainName: DOMAIN, packages: ['F111111111', 'F222222222', 'F333333333'].map((packageId) => ({ packageId })) },
  ],
  connections: [
    // In production long before any stack named them.
    inbound('cc-prod-0000001', 'ACTIVE', DESTINATION),
    inbound('cc-prod-0000002', 'ACTIVE', DESTINATION),
    inbound('cc-prod-0000003', 'ACTIVE', DESTINATION),
    inbound('cc-prod-0000004', 'PENDING_ACCEPTANCE', DESTINATION),
    // Accepted, so a rejection of it fails: the "unrelated resource" that makes a deployment fail.
    inbound('cc-accepted-001', 'ACTIVE', DESTINATION),
  ],
};

/** A resource that fails on Create once everything else is done (it depends on all of it). */
function failingAfter(scope: Stack, domain: IDomain, dependencies: Construct[]): InboundConnectionRejection {
  const failing = new InboundConnectionRejection(scope, 'FailsElsewhere', { connectionId: 'cc-accepted-001', domain });
  for (const dependency of dependencies) failing.node.addDependency(dependency);
  return failing;
}

/** The notes the handlers returned (Data.Note) in the responses CloudFormation took, by logical id and request type. */
function notes(run: LocalDeployment, from: number): string[] {
  return run.responses
    .slice(from)
    .filter((response) => response.role === 'answer')
    .flatMap((response) => {
      const note = (response.parsed as { Data?: { Note?: string } } | undefined)?.Data?.Note;
      return note ? [`${response.request.LogicalResourceId} ${response.request.RequestType}: ${note}`] : [];
    });
}

describe('rollback never ends what existed before the deployment', () => {
  let runner: Runner;
  let before: World;
  /** The stack status the runner's DescribeStacks answered at each stack event. */
  const described: string[] = [];
  let watched = '';
  /** How many of the next DescribeStacks requests the stand-in answers with a server error. */
  let failingStatusReads = 0;

  beforeAll(async () => {
    runner = await startFaultRunner(WORLD, { rejectMs: 10_000, deleteMs: 20_000, dissociateMs: 20_000 }, 150, {
      onCloudFormationRequest: () =>
        failingStatusReads-- > 0 ? { httpStatus: 500, code: 'InternalFailure', message: 'We encountered an internal error.' } : undefined,
      onEvent: (event: StackEvent) => {
        if (event.resourceType === 'AWS::CloudFormation::Stack' && event.stackName === watched) {
          described.push(runner.run.describeStack(event.stackName)?.stackStatus ?? 'unknown');
        }
      },
    });
    before = runner.run.emulator.snapshot();
  });
  afterAll(() => runner?.run.stop());

  test('a first deployment that fails elsewhere rolls back without touching the adopted connection and packages', async () => {
    const STACK = 'RollbackFirstDeployE2E';
    watched = STACK;
    const stack = synth(STACK, (scope: Stack) => {
      const logs = importedDomain(scope, DESTINATION);
      const deletion = new InboundConnectionDeletion(scope, 'Deletion', { connectionId: 'cc-prod-0000001', domain: logs });
      const packages = new PackageDissociation(scope, 'Packages', {
        domain: importedDomain(scope, DOMAIN),
        packageIds: ['F111111111', 'F222222222'],
      });
      return { deletion, packages, failing: failingAfter(scope, logs, [deletion, packages]) };
    });
    const { run } = runner;
    const responses = run.responses.length;

    const result = await run.deploy(stack.cdkOut, STACK);

    expect(result).toMatchObject({ ok: false, failed: [stack.ids.failing], status: 'ROLLBACK_COMPLETE' });
    expect(described).toEqual(['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE']);
    for (const id of [stack.ids.deletion, stack.ids.packages]) {
      expect(statuses(run, id, STACK)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    }
    // Our handler got the rollback's Deletes (not the framework's marker shortcut) and read the status.
    const deletes = handlerInvocations(run, 'onEvent').filter((event) => event.RequestType === 'Delete');
    expect(deletes.map((event) => event.LogicalResourceId).sort()).toEqual([stack.ids.deletion, stack.ids.packages].sort());
    expect(run.cloudformationCalls.map((call) => call.answer)).toEqual(['ROLLBACK_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS']);
    expect(notes(run, responses).sort()).toEqual([
      `${stack.ids.deletion} Delete: stack is rolling back (ROLLBACK_IN_PROGRESS): inbound connection cc-prod-0000001 was there before this resource and is left as it is`,
      `${stack.ids.packages} Delete: stack is rolling back (ROLLBACK_IN_PROGRESS): packages F111111111, F222222222 of domain ${DOMAIN} were associated before this resource and are left as they are`,
    ]);
    expect(acceptedMutations(run)).toEqual([]);
    expect(expectInvariants(runner, before)).toEqual([]);
  });

  test('a rollback during which DescribeStacks fails for a while: the status is read again at the next poll, nothing is ended', async () => {
    const STACK = 'RollbackStatusFaultE2E';
    watched = STACK;
    const stack = synth(STACK, (scope: Stack) => {
      const logs = importedDomain(scope, DESTINATION);
      const deletion = new InboundConnectionDeletion(scope, 'Deletion', { connectionId: 'cc-prod-0000004', domain: logs });
      return { deletion, failing: failingAfter(scope, logs, [deletion]) };
    });
    const { run } = runner;
    const calls = run.cloudformationCalls.length;
    const responses = run.responses.length;
    // More than the SDK's 4 attempts in onEvent: the first isComplete poll reads it.
    failingStatusReads = 5;

    const result = await run.deploy(stack.cdkOut, STACK);

    expect(result).toMatchObject({ ok: false, failed: [stack.ids.failing], status: 'ROLLBACK_COMPLETE' });
    expect(run.cloudformationCalls.slice(calls).map((call) => call.answer)).toEqual([
      ...Array(5).fill('InternalFailure'),
      'ROLLBACK_IN_PROGRESS',
    ]);
    const deletes = run.invocations.filter((invocation) => JSON.parse(invocation.payload).StackId?.includes(`:stack/${STACK}/`));
    expect(deletes.filter((invocation) => invocation.handler === 'index.isComplete').length).toBeGreaterThan(0);
    expect(notes(run, responses)).toEqual([
      `${stack.ids.deletion} Delete: stack is rolling back (ROLLBACK_IN_PROGRESS): inbound connection cc-prod-0000004 was there before this resource and is left as it is`,
    ]);
    expect(acceptedMutations(run)).toEqual([]);
    expect(expectInvariants(runner, before)).toEqual([]);
  });

  // The three tests below run in order on one stack: v1 is deployed, v2 fails and is rolled back,
  // v3 succeeds, then the stack is deleted.
  const STACK = 'RollbackUpdateAdoptedE2E';
  let versions: ReturnType<typeof synthVersions>;
  function synthVersions() {
    const version = (v: 1 | 2 | 3) =>
      synth(STACK, (scope: Stack) => {
        const logs = importedDomain(scope, DESTINATION);
        const search = importedDomain(scope, DOMAIN);
        const constructs: Record<string, Construct> = {
          // v2 names another connection (a replacement); v3 too, and succeeds.
          deletion: new InboundConnectionDeletion(scope, 'Deletion', {
            connectionId: v === 1 ? 'cc-prod-0000001' : 'cc-prod-0000002',
            domain: logs,
          }),
          // v2 adds F222222222 to the list: its rollback Update takes it out again.
          packages: new PackageDissociation(scope, 'Packages', {
            domain: search,
            packageIds: v === 2 ? ['F111111111', 'F222222222'] : ['F111111111'],
          }),
        };
        // In v1 and v2 only: v3 removes it from the template.
        if (v < 3) constructs.dropped = new PackageDissociation(scope, 'Dropped', { domain: search, packageIds: ['F333333333'] });
        if (v === 2) {
          // Added by the failed update: the rollback deletes it.
          constructs.added = new InboundConnectionDeletion(scope, 'Added', { connectionId: 'cc-prod-0000003', domain: logs });
          constructs.failing = failingAfter(scope, logs, Object.values(constructs));
        }
        return constructs;
      });
    return [version(1), version(2), version(3)] as const;
  }

  test('an update that fails rolls back without touching them', async () => {
    watched = STACK;
    described.length = 0;
    versions = synthVersions();
    const [v1, v2] = versions;
    const { run } = runner;

    expect(await run.deploy(v1.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    const calls = run.cloudformationCalls.length;
    const responses = run.responses.length;
    const requests = run.requests.length;

    // v2 fails and is rolled back.
    const failed = await run.deploy(v2.cdkOut, STACK);
    expect(failed).toMatchObject({ ok: false, failed: [v2.ids.failing], status: 'UPDATE_ROLLBACK_COMPLETE' });
    expect(described.slice(-4)).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
    ]);
    expect(statuses(run, v2.ids.added, STACK)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    // Forward: two Updates and two Creates. Rollback: the two Updates back, then the cleanup
    // Deletes of what v2 created and of the new half of the replacement.
    expect(
      run.requests
        .slice(requests)
        .map((request) => `${request.LogicalResourceId} ${request.RequestType}`)
        .sort(),
    ).toEqual(
      [
        ...[`${v1.ids.deletion} Update`, `${v1.ids.deletion} Update`, `${v1.ids.packages} Update`, `${v1.ids.packages} Update`],
        ...[`${v2.ids.added} Create`, `${v2.ids.failing} Create`, `${v2.ids.added} Delete`, `${v2.ids.failing} Delete`],
        `${v1.ids.deletion} Delete`,
      ].sort(),
    );
    expect(run.cloudformationCalls.slice(calls).map((call) => call.answer)).toEqual(
      expect.arrayContaining(['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS']),
    );
    expect(notes(run, responses).sort()).toEqual(
      [
        `${v1.ids.deletion} Delete: stack is rolling back (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS): inbound connection cc-prod-0000002 was there before this resource and is left as it is`,
        `${v1.ids.packages} Update: stack is rolling back (UPDATE_ROLLBACK_IN_PROGRESS): packages F222222222 of domain ${DOMAIN} were associated before this resource and are left as they are`,
        `${v2.ids.added} Delete: stack is rolling back (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS): inbound connection cc-prod-0000003 was there before this resource and is left as it is`,
      ].sort(),
    );
    expect(acceptedMutations(run)).toEqual([]);
    expect(expectInvariants(runner, before)).toEqual([]);
  });

  test('a successful update still ends them: the old half of a replacement, a resource removed from the template', async () => {
    const { run } = runner;
    const calls = run.cloudformationCalls.length;
    // v3 succeeds: the old half of the replacement (cc-prod-0000001) and the dropped resource
    // (F333333333) are real removals, at UPDATE_COMPLETE_CLEANUP_IN_PROGRESS.
    expect(await run.deploy(versions[2].cdkOut, STACK)).toMatchObject({ ok: true, status: 'UPDATE_COMPLETE' });
    expect(acceptedMutations(run).sort()).toEqual([`DeleteInboundConnection cc-prod-0000001`, `DissociatePackages ${DOMAIN} [F333333333]`]);
    expect(expectInvariants(runner, before)).toEqual([
      'connection cc-prod-0000001: ACTIVE -> DELETED',
      `package ${DOMAIN}/F333333333: ACTIVE -> gone`,
    ]);
    expect(run.cloudformationCalls.slice(calls).map((call) => call.answer)).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
    ]);
  });

  test('the stack deletion still ends them', async () => {
    const { run } = runner;
    const calls = run.cloudformationCalls.length;
    // The stack's deletion ends what its constructs name.
    expect(await run.destroy(STACK)).toMatchObject({ ok: true, status: 'DELETE_COMPLETE' });
    expect(expectInvariants(runner, before)).toEqual([
      'connection cc-prod-0000001: ACTIVE -> DELETED',
      'connection cc-prod-0000002: ACTIVE -> DELETED',
      `package ${DOMAIN}/F111111111: ACTIVE -> gone`,
      `package ${DOMAIN}/F333333333: ACTIVE -> gone`,
    ]);
    expect(run.cloudformationCalls.slice(calls).map((call) => call.answer)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_IN_PROGRESS']);
    expect(described.slice(-5)).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_COMPLETE',
      'DELETE_IN_PROGRESS',
      'DELETE_COMPLETE',
    ]);
  });
});
