/**
 * SecurityRole and RoleMembership end to end: the handlers reach each domain's security API (the
 * emulator's data plane) through the runner, signing as the provider's role.
 */
import { Stack } from 'aws-cdk-lib';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { RoleMembership, SecurityRole } from '../../lib';
import type { World } from '../../emulator';
import { ENV, Runner, lastEvent, startRunner, statuses, synth } from './helpers';

const SOURCE_ROLE = 'arn:aws:iam::222222222222:role/search-source';
const OTHER_ROLE = 'arn:aws:iam::333333333333:role/pipeline';
const BY_HAND = 'arn:aws:iam::444444444444:role/added-by-hand';
const THERE_BEFORE = 'arn:aws:iam::555555555555:role/there-before';

const WORLD: World = {
  domains: [
    { domainName: 'secure-logs', security: { rolesMapping: { readall: { backend_roles: [THERE_BEFORE], users: [], hosts: [] } } } },
    { domainName: 'rollback-logs', security: { rolesMapping: { readall: { backend_roles: [THERE_BEFORE], users: [], hosts: [] } } } },
    { domainName: 'crash-logs' },
    { domainName: 'shared-logs', security: { rolesMapping: { readall: { backend_roles: [], users: [], hosts: [] } } } },
    { domainName: 'legacy-logs', engineVersion: 'Elasticsearch_7.10' },
    { domainName: 'locked-logs', security: { masterUserArn: 'arn:aws:iam::111111111111:role/someone-else' } },
    { domainName: 'private-logs', endpoint: 'vpc-private-logs-abc123.us-east-1.es.amazonaws.com', security: { reachable: false } },
  ],
};

function domain(scope: Construct, name: string, prefix = 'search'): ReturnType<typeof Domain.fromDomainAttributes> {
  return Domain.fromDomainAttributes(scope, `Domain-${name}`, {
    domainArn: `arn:aws:es:${ENV.region}:${ENV.account}:domain/${name}`,
    domainEndpoint: `https://${prefix}-${name}-abc123.${ENV.region}.es.amazonaws.com`,
  });
}

function securedStack(scope: Stack, name: string, members: string[], clusterPermissions: string[]) {
  const logs = domain(scope, name);
  const readers = new SecurityRole(scope, 'Readers', {
    domain: logs,
    roleName: 'log-readers',
    clusterPermissions,
    indexPermissions: [{ indexPatterns: ['logs-*'], allowedActions: ['read'] }],
  });
  return {
    readers,
    members: new RoleMembership(scope, 'Members', { domain: logs, role: readers, backendRoles: members }),
    // readall's mapping already holds THERE_BEFORE: adopted, never removed.
    readall: new RoleMembership(scope, 'ReadAll', { domain: logs, role: 'readall', backendRoles: [THERE_BEFORE, SOURCE_ROLE] }),
  };
}

const CRASH_STACK = 'SecurityCrashE2E';
const crashStack = synth(CRASH_STACK, (scope) => ({
  members: new RoleMembership(scope, 'CrashMembers', { domain: domain(scope, 'crash-logs'), role: 'readall', backendRoles: [SOURCE_ROLE] }),
}));

describe('SecurityRole and RoleMembership end to end', () => {
  let runner: Runner;

  beforeAll(async () => {
    runner = await startRunner(WORLD, {}, 1, undefined, {
      crash: [{ when: 'onEvent', afterOperation: 'PutRoleMapping', process: 'framework', logicalId: crashStack.ids.members }],
    });
  });
  afterAll(() => runner?.run.stop());

  const security = (name: string) => runner.run.emulator.security(name)!;

  test('create (adopting a member already there), another writer between deployments, update, delete', async () => {
    const { run } = runner;
    const STACK = 'SecurityE2E';
    const v1 = synth(STACK, (scope) => securedStack(scope, 'secure-logs', [SOURCE_ROLE], ['cluster_composite_ops_ro']));
    expect(await run.deploy(v1.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    expect(security('secure-logs').roles['log-readers']).toMatchObject({ cluster_permissions: ['cluster_composite_ops_ro'] });
    expect(security('secure-logs').rolesMapping['log-readers'].backend_roles).toEqual([SOURCE_ROLE]);
    expect(security('secure-logs').rolesMapping.readall.backend_roles).toEqual([THERE_BEFORE, SOURCE_ROLE]);

    // Someone adds a member by hand, and removes ours from readall.
    run.emulator.patchRoleMapping('secure-logs', 'log-readers', [{ op: 'add', path: '/backend_roles/-', value: BY_HAND }]);
    run.emulator.patchRoleMapping('secure-logs', 'readall', [{ op: 'remove', path: '/backend_roles/1' }]);

    const v2 = synth(STACK, (scope) => securedStack(scope, 'secure-logs', [OTHER_ROLE], ['cluster_monitor']));
    expect(await run.deploy(v2.cdkOut, STACK)).toMatchObject({ ok: true, status: 'UPDATE_COMPLETE' });
    expect(security('secure-logs').roles['log-readers']).toMatchObject({ cluster_permissions: ['cluster_monitor'] });
    // Ours replaced, the hand-added one kept.
    expect(security('secure-logs').rolesMapping['log-readers'].backend_roles).toEqual([BY_HAND, OTHER_ROLE]);
    // ReadAll's properties did not change: CloudFormation sends it nothing, and what the other writer removed stays removed.
    expect(statuses(run, v1.ids.readall, STACK)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(security('secure-logs').rolesMapping.readall.backend_roles).toEqual([THERE_BEFORE]);

    expect(await run.destroy(STACK)).toMatchObject({ ok: true, status: 'DELETE_COMPLETE' });
    expect(security('secure-logs').roles['log-readers']).toBeUndefined();
    expect(security('secure-logs').rolesMapping['log-readers'].backend_roles).toEqual([BY_HAND]);
    expect(security('secure-logs').rolesMapping.readall.backend_roles).toEqual([THERE_BEFORE]);
  });

  test('a rolled-back creation removes what it added and leaves what was there before; a role that is not ours is never touched', async () => {
    const { run } = runner;
    const STACK = 'SecurityRollbackE2E';
    const stack = synth(STACK, (scope) => {
      const built = securedStack(scope, 'rollback-logs', [SOURCE_ROLE], []);
      const logs = scope.node.findChild('Domain-rollback-logs') as ReturnType<typeof domain>;
      // security_manager is one of the plugin's static roles: this Create fails.
      const taken = new SecurityRole(scope, 'Taken', { domain: logs, roleName: 'security_manager' });
      taken.node.addDependency(built.members, built.readall);
      return { ...built, taken };
    });
    const result = await run.deploy(stack.cdkOut, STACK);
    expect(result).toMatchObject({ ok: false, failed: [stack.ids.taken], status: 'ROLLBACK_COMPLETE' });
    expect(lastEvent(run, stack.ids.taken, 'CREATE_FAILED')!.reason).toContain(
      "role security_manager on domain rollback-logs is static: the security plugin's own roles are never written; nothing was changed.",
    );
    expect(statuses(run, stack.ids.members, STACK)).toEqual([
      'CREATE_IN_PROGRESS',
      'CREATE_COMPLETE',
      'DELETE_IN_PROGRESS',
      'DELETE_COMPLETE',
    ]);
    expect(security('rollback-logs').roles['log-readers']).toBeUndefined();
    expect(security('rollback-logs').roles.security_manager).toMatchObject({ static: true });
    expect(security('rollback-logs').rolesMapping.readall.backend_roles).toEqual([THERE_BEFORE]);
    expect(lastEvent(run, stack.ids.readall, 'DELETE_COMPLETE', STACK)).toBeDefined();
  });

  test('a framework process that dies after the mapping is written is retried; the retried Create converges without adding twice', async () => {
    const { run } = runner;
    const patchesBefore = run.emulator.mutatingRequests().length;
    expect(await run.deploy(crashStack.cdkOut, CRASH_STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    expect(run.crashes.map((crash) => crash.call.logicalId)).toEqual([crashStack.ids.members]);
    // The mapping was written once; the retried onEvent found the member there and wrote nothing.
    expect(
      run.emulator
        .mutatingRequests()
        .slice(patchesBefore)
        .map((r) => `${r.operation} ${r.status}`),
    ).toEqual(['PutRoleMapping 201']);
    expect(security('crash-logs').rolesMapping.readall.backend_roles).toEqual([SOURCE_ROLE]);
    // The retried Create cannot tell its own patch from someone else's: it records the member as found, and leaves it.
    expect(await run.destroy(CRASH_STACK)).toMatchObject({ ok: true, status: 'DELETE_COMPLETE' });
    expect(security('crash-logs').rolesMapping.readall.backend_roles).toEqual([SOURCE_ROLE]);
  });

  test('two memberships of one role in one stack, deployed at once: each adds its own, neither overwrites the other', async () => {
    const { run } = runner;
    const STACK = 'SecuritySharedE2E';
    const stack = synth(STACK, (scope) => {
      const logs = domain(scope, 'shared-logs');
      return {
        a: new RoleMembership(scope, 'A', { domain: logs, role: 'readall', backendRoles: [SOURCE_ROLE] }),
        b: new RoleMembership(scope, 'B', { domain: logs, role: 'readall', backendRoles: [OTHER_ROLE] }),
      };
    });
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    expect([...(security('shared-logs').rolesMapping.readall.backend_roles as string[])].sort()).toEqual([SOURCE_ROLE, OTHER_ROLE].sort());
    expect(await run.destroy(STACK)).toMatchObject({ ok: true, status: 'DELETE_COMPLETE' });
    expect(security('shared-logs').rolesMapping.readall.backend_roles).toEqual([]);
  });

  test('an Elasticsearch 7.x domain is managed under _opendistro', async () => {
    const { run } = runner;
    const STACK = 'SecurityLegacyE2E';
    const stack = synth(STACK, (scope) => securedStack(scope, 'legacy-logs', [SOURCE_ROLE], []));
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: true, status: 'CREATE_COMPLETE' });
    expect(security('legacy-logs').rolesMapping['log-readers'].backend_roles).toEqual([SOURCE_ROLE]);
    const legacyPaths = run.emulator.requests
      .filter((r) => r.path.includes('legacy-logs') && r.status < 300)
      .map((r) => r.path.split('/')[3]);
    expect(new Set(legacyPaths)).toEqual(new Set(['_opendistro']));
    expect(await run.destroy(STACK)).toMatchObject({ ok: true, status: 'DELETE_COMPLETE' });
    expect(security('legacy-logs').roles['log-readers']).toBeUndefined();
  });

  test('a refused principal fails the Create with the provider role named and how to map it', async () => {
    const { run } = runner;
    const STACK = 'SecurityRefusedE2E';
    const stack = synth(STACK, (scope) => ({
      readers: new SecurityRole(scope, 'Readers', { domain: domain(scope, 'locked-logs'), roleName: 'log-readers' }),
    }));
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: false, status: 'ROLLBACK_COMPLETE' });
    expect(lastEvent(run, stack.ids.readers, 'CREATE_FAILED')!.reason).toMatch(
      /was refused \(HTTP 403: No permission to access REST API: User arn:aws:iam::111111111111:role\/\S*HandlerRole\S* .*\) for arn:aws:iam::111111111111:role\/\S*HandlerRole\S*; nothing was changed\. Make .* the domain's master user .*security_manager/,
    );
    expect(security('locked-logs').roles['log-readers']).toBeUndefined();
  });

  test('a VPC domain the provider cannot reach fails fast, saying what to configure', async () => {
    const { run } = runner;
    const STACK = 'SecurityUnreachableE2E';
    const stack = synth(STACK, (scope) => ({
      readers: new SecurityRole(scope, 'Readers', { domain: domain(scope, 'private-logs', 'vpc'), roleName: 'log-readers' }),
    }));
    const started = run.clock.now();
    expect(await run.deploy(stack.cdkOut, STACK)).toMatchObject({ ok: false, status: 'ROLLBACK_COMPLETE' });
    expect(lastEvent(run, stack.ids.readers, 'CREATE_FAILED')!.reason).toMatch(
      /Cannot reach domain private-logs at https:\/\/vpc-private-logs-abc123\.us-east-1\.es\.amazonaws\.com .*OpenSearchLifecycleProvider\.configure\(stack, \{ vpc, vpcSubnets, securityGroups \}\)/,
    );
    // Failed at onEvent: no poll, no wait for the timeout.
    expect(run.clock.now() - started).toBeLessThan(60_000);
  });
});
