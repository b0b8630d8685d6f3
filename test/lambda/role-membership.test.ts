import { ROLE_MEMBERSHIP_TYPE } from '../../lib/private/contracts/security';
import { event, run, seed, useEmulator } from './harness';

const { emulator, stack } = useEmulator();

const DOMAIN_ARN = 'arn:aws:es:us-east-1:111111111111:domain/logs';
const ENDPOINT = 'search-logs-abc123.us-east-1.es.amazonaws.com';
const SOURCE_ROLE = 'arn:aws:iam::222222222222:role/search-source';
const OTHER_ROLE = 'arn:aws:iam::333333333333:role/pipeline';
const BY_HAND = 'arn:aws:iam::444444444444:role/added-by-hand';

const membership = (extra: Record<string, unknown> = {}) => ({
  DomainArn: DOMAIN_ARN,
  DomainEndpoint: ENDPOINT,
  RoleName: 'readers',
  BackendRoles: [SOURCE_ROLE],
  Users: ['alice'],
  TimeoutSeconds: 60,
  ...extra,
});

const mapping = () => emulator().security('logs')!.rolesMapping.readers;
const patches = () =>
  emulator()
    .mutatingRequests()
    .map((r) => `${r.operation} ${r.status}`);

function seedLogs(rolesMapping: Record<string, Record<string, unknown>> = {}, extra: Record<string, unknown> = {}): void {
  seed(emulator(), {
    domains: [
      {
        domainName: 'logs',
        security: { roles: { readers: { cluster_permissions: ['cluster_composite_ops_ro'] } }, rolesMapping, ...extra },
      },
    ],
  });
}

describe('RoleMembership', () => {
  beforeEach(() => seedLogs());

  test('Create makes the mapping when there is none, with exactly the listed members', async () => {
    const outcome = await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()));
    expect(mapping()).toMatchObject({ backend_roles: [SOURCE_ROLE], users: ['alice'], hosts: [] });
    expect(outcome.physicalResourceId).toMatch(/^opensearch-role-membership:logs:[0-9a-f]{8}:[0-9a-f]{16}$/);
    expect(patches()).toEqual(['PutRoleMapping 201']);
  });

  test('Create adds only the missing members, with a test of each list it changes, and records those already there', async () => {
    seedLogs({ readers: { backend_roles: [BY_HAND, SOURCE_ROLE], users: [], hosts: ['10.0.0.1'] } });
    const outcome = await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()));
    expect(mapping()).toMatchObject({ backend_roles: [BY_HAND, SOURCE_ROLE], users: ['alice'], hosts: ['10.0.0.1'] });
    expect(outcome.physicalResourceId).toMatch(/:kept:[0-9a-f]{8}$/);
    const patch = emulator().requests.find((r) => r.operation === 'PatchRoleMapping')!.body;
    expect(patch).toEqual([
      { op: 'test', path: '/users', value: [] },
      { op: 'add', path: '/users/-', value: 'alice' },
    ]);
    // Delete removes what this resource added (alice), never what was there before.
    await run(event(ROLE_MEMBERSHIP_TYPE, 'Delete', membership(), { physicalResourceId: outcome.physicalResourceId }));
    expect(mapping()).toMatchObject({ backend_roles: [BY_HAND, SOURCE_ROLE], users: [], hosts: ['10.0.0.1'] });
  });

  test('Update adds the new members and removes only those it added and no longer lists', async () => {
    seedLogs({ readers: { backend_roles: [BY_HAND], users: ['bob'], hosts: [] } });
    const created = await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership({ Users: ['alice', 'bob'] })));
    await run(
      event(ROLE_MEMBERSHIP_TYPE, 'Update', membership({ BackendRoles: [OTHER_ROLE], Users: [] }), {
        physicalResourceId: created.physicalResourceId,
        oldProperties: membership({ Users: ['alice', 'bob'] }),
      }),
    );
    // SOURCE_ROLE and alice were ours: gone. bob was there before: kept. BY_HAND never named: kept.
    expect(mapping()).toMatchObject({ backend_roles: [BY_HAND, OTHER_ROLE], users: ['bob'] });
  });

  test('members another writer adds and removes between deployments are left as that writer made them', async () => {
    const created = await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()));
    emulator().patchRoleMapping('logs', 'readers', [
      { op: 'add', path: '/backend_roles/0', value: BY_HAND },
      { op: 'remove', path: '/users/0' },
    ]);
    // Update: alice (removed by the other writer) is added again, BY_HAND stays.
    await run(
      event(ROLE_MEMBERSHIP_TYPE, 'Update', membership({ Hosts: ['10.0.0.9'] }), {
        physicalResourceId: created.physicalResourceId,
        oldProperties: membership(),
      }),
    );
    expect(mapping()).toMatchObject({ backend_roles: [BY_HAND, SOURCE_ROLE], users: ['alice'], hosts: ['10.0.0.9'] });
    await run(
      event(ROLE_MEMBERSHIP_TYPE, 'Delete', membership({ Hosts: ['10.0.0.9'] }), { physicalResourceId: created.physicalResourceId }),
    );
    expect(mapping()).toMatchObject({ backend_roles: [BY_HAND], users: [], hosts: [] });
  });

  test('a writer that changes the list between our read and our patch is not overwritten: the test fails, we read again', async () => {
    seedLogs({ readers: { backend_roles: [], users: [], hosts: [] } });
    emulator().beforeSecurityRequest('PatchRoleMapping', () =>
      emulator().patchRoleMapping('logs', 'readers', [{ op: 'add', path: '/backend_roles/-', value: BY_HAND }]),
    );
    await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()));
    expect(mapping()).toMatchObject({ backend_roles: [BY_HAND, SOURCE_ROLE], users: ['alice'] });
    expect(patches()).toEqual(['PatchRoleMapping 400', 'PatchRoleMapping 200']);
  });

  test('a plugin that refuses JSON Patch test gets the same patch without it', async () => {
    seedLogs({ readers: { backend_roles: [BY_HAND], users: [], hosts: [] } }, { patchTest: false });
    const created = await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()));
    expect(mapping()).toMatchObject({ backend_roles: [BY_HAND, SOURCE_ROLE], users: ['alice'] });
    expect(patches()).toEqual(['PatchRoleMapping 400', 'PatchRoleMapping 200']);
    expect(
      emulator()
        .requests.filter((r) => r.operation === 'PatchRoleMapping')
        .map((r) => (r.body as Array<{ op: string }>).map((o) => o.op)),
    ).toEqual([
      ['test', 'add', 'test', 'add'],
      ['add', 'add'],
    ]);
    await run(event(ROLE_MEMBERSHIP_TYPE, 'Delete', membership(), { physicalResourceId: created.physicalResourceId }));
    expect(mapping()).toMatchObject({ backend_roles: [BY_HAND], users: [] });
  });

  test('a rollback Update removes nothing and names what it leaves', async () => {
    const created = await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()));
    // The failed update had listed OTHER_ROLE (it may have found it there): the rollback leaves it.
    emulator().patchRoleMapping('logs', 'readers', [{ op: 'add', path: '/backend_roles/-', value: OTHER_ROLE }]);
    stack().status = 'UPDATE_ROLLBACK_IN_PROGRESS';
    const outcome = await run(
      event(ROLE_MEMBERSHIP_TYPE, 'Update', membership(), {
        physicalResourceId: created.physicalResourceId,
        oldProperties: membership({ BackendRoles: [SOURCE_ROLE, OTHER_ROLE] }),
      }),
    );
    expect(mapping().backend_roles).toEqual([SOURCE_ROLE, OTHER_ROLE]);
    expect(outcome.data.Note).toMatch(
      /stack is rolling back \(UPDATE_ROLLBACK_IN_PROGRESS\): backend_roles arn:aws:iam::333333333333:role\/pipeline of role readers are left as they are/,
    );
  });

  test('a rollback Delete removes what the Create added and leaves what was there before', async () => {
    seedLogs({ readers: { backend_roles: [SOURCE_ROLE], users: [], hosts: [] } });
    const created = await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()));
    stack().status = 'ROLLBACK_IN_PROGRESS';
    const outcome = await run(event(ROLE_MEMBERSHIP_TYPE, 'Delete', membership(), { physicalResourceId: created.physicalResourceId }));
    expect(mapping()).toMatchObject({ backend_roles: [SOURCE_ROLE], users: [] });
    expect(outcome.data.Note).toMatch(/were members before this resource and are left as they are/);
  });

  test('Delete with nothing of its own to remove makes no call', async () => {
    seedLogs({ readers: { backend_roles: [SOURCE_ROLE], users: ['alice'], hosts: [] } });
    const created = await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()));
    emulator().clearRequests();
    await run(event(ROLE_MEMBERSHIP_TYPE, 'Delete', membership(), { physicalResourceId: created.physicalResourceId }));
    expect(emulator().requests).toEqual([]);
    expect(mapping()).toMatchObject({ backend_roles: [SOURCE_ROLE], users: ['alice'] });
  });

  test('Delete of a mapping already gone succeeds', async () => {
    const created = await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()));
    seedLogs();
    await run(event(ROLE_MEMBERSHIP_TYPE, 'Delete', membership(), { physicalResourceId: created.physicalResourceId }));
    expect(patches()).toEqual([]);
  });

  test('a reserved mapping is refused by the plugin, and the failure says so', async () => {
    seedLogs(
      { readers: { backend_roles: [], users: [], hosts: [], reserved: true } },
      {
        masterUserArn: 'arn:aws:iam::111111111111:role/admin',
        rolesMapping: {
          readers: { backend_roles: [], users: [], hosts: [], reserved: true },
          security_manager: { users: ['arn:aws:iam::111111111111:user/local-test'] },
        },
      },
    );
    await expect(run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()))).rejects.toThrow(
      /Resource 'readers' is reserved\. The security plugin keeps it as it is; nothing was changed/,
    );
  });

  test('a role that does not exist fails with what to do', async () => {
    await expect(run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership({ RoleName: 'nobody' })))).rejects.toThrow(
      /role nobody on domain logs does not exist .*Create the role first/,
    );
  });

  test('a refused principal fails naming it', async () => {
    seedLogs({}, { masterUserArn: 'arn:aws:iam::111111111111:role/admin' });
    await expect(run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()))).rejects.toThrow(
      /was refused \(HTTP 403: No permission to access REST API: User arn:aws:iam::111111111111:user\/local-test/,
    );
    expect(patches()).toEqual([]);
  });

  test('a principal mapped to security_manager may manage memberships', async () => {
    seedLogs(
      {},
      {
        masterUserArn: 'arn:aws:iam::111111111111:role/admin',
        rolesMapping: { security_manager: { backend_roles: ['arn:aws:iam::111111111111:user/local-test'] } },
      },
    );
    await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership()));
    expect(mapping().users).toEqual(['alice']);
  });

  test('a member listed twice is one member; no member at all is refused', async () => {
    await run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership({ Users: ['alice', 'alice'] })));
    expect(mapping().users).toEqual(['alice']);
    await expect(run(event(ROLE_MEMBERSHIP_TYPE, 'Create', membership({ BackendRoles: [], Users: undefined })))).rejects.toThrow(
      /must list at least one member/,
    );
  });
});
