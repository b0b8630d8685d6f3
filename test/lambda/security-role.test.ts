import { ROLE_MEMBERSHIP_TYPE, SECURITY_ROLE_TYPE } from '../../lib/private/contracts/security';
import { CREATE_FAILED_MARKER, event, run, seed, useEmulator } from './harness';

const { emulator } = useEmulator();

export const DOMAIN_ARN = 'arn:aws:es:us-east-1:111111111111:domain/logs';
export const ENDPOINT = 'search-logs-abc123.us-east-1.es.amazonaws.com';

const role = (extra: Record<string, unknown> = {}) => ({
  DomainArn: DOMAIN_ARN,
  DomainEndpoint: ENDPOINT,
  RoleName: 'log-readers',
  Description: 'Reads the logs',
  ClusterPermissions: ['cluster_composite_ops_ro'],
  IndexPermissions: [{ IndexPatterns: ['logs-*'], AllowedActions: ['read'], FieldLevelSecurity: ['~secret'], MaskedFields: ['email'] }],
  TenantPermissions: [{ TenantPatterns: ['global_tenant'], AllowedActions: ['kibana_all_read'] }],
  TimeoutSeconds: 60,
  ...extra,
});

const writes = () =>
  emulator()
    .mutatingRequests()
    .map((r) => `${r.operation} ${r.status}`);

describe('SecurityRole', () => {
  beforeEach(() => seed(emulator(), { domains: [{ domainName: 'logs' }] }));

  test('pins its resource type', () => {
    expect(SECURITY_ROLE_TYPE).toBe('Custom::OpenSearchSecurityRole');
    expect(ROLE_MEMBERSHIP_TYPE).toBe('Custom::OpenSearchRoleMembership');
  });

  test("Create writes the role with its permissions and this resource's mark, once", async () => {
    const outcome = await run(event(SECURITY_ROLE_TYPE, 'Create', role()));
    const made = emulator().security('logs')!.roles['log-readers'];
    expect(made).toMatchObject({
      cluster_permissions: ['cluster_composite_ops_ro'],
      index_permissions: [{ index_patterns: ['logs-*'], allowed_actions: ['read'], fls: ['~secret'], masked_fields: ['email'] }],
      tenant_permissions: [{ tenant_patterns: ['global_tenant'], allowed_actions: ['kibana_all_read'] }],
    });
    expect(made.description).toMatch(/^Reads the logs \[managed by cdk-opensearch-lifecycle [0-9a-f]{16}\]$/);
    expect(outcome.physicalResourceId).toMatch(/^opensearch-security-role:logs:log-readers:[0-9a-f]{16}$/);
    expect(writes()).toEqual(['PutSecurityRole 201']);
  });

  test("Create fails touching nothing when a role of that name is someone else's", async () => {
    emulator().putSecurityRole('logs', 'log-readers', { description: 'made by hand', cluster_permissions: ['*'] });
    await expect(run(event(SECURITY_ROLE_TYPE, 'Create', role()))).rejects.toThrow(
      /role log-readers on domain logs already exists and was not made by this resource; nothing was changed/,
    );
    expect(writes()).toEqual([]);
    expect(emulator().security('logs')!.roles['log-readers'].cluster_permissions).toEqual(['*']);
  });

  test.each(['readall', 'security_manager'])("Create never writes the plugin's static role %s", async (name) => {
    await expect(run(event(SECURITY_ROLE_TYPE, 'Create', role({ RoleName: name })))).rejects.toThrow(
      /is static: the security plugin's own roles are never written/,
    );
    expect(writes()).toEqual([]);
  });

  test('Create never writes a hidden role, which the plugin shows as not available', async () => {
    seed(emulator(), {
      domains: [
        {
          domainName: 'logs',
          security: {
            masterUserArn: 'arn:aws:iam::111111111111:role/admin',
            roles: {},
            rolesMapping: { security_manager: { users: ['arn:aws:iam::111111111111:user/local-test'] } },
          },
        },
      ],
    });
    emulator().putSecurityRole('logs', 'log-readers', { hidden: true });
    await expect(run(event(SECURITY_ROLE_TYPE, 'Create', role()))).rejects.toThrow(/is hidden/);
    expect(writes()).toEqual([]);
  });

  test('a Create run again after a crash finds its own role and writes it again', async () => {
    await run(event(SECURITY_ROLE_TYPE, 'Create', role()));
    await run(event(SECURITY_ROLE_TYPE, 'Create', role()));
    expect(writes()).toEqual(['PutSecurityRole 201', 'PutSecurityRole 200']);
  });

  test('Update replaces the definition; Delete removes the role; a second Delete finds it gone', async () => {
    const created = await run(event(SECURITY_ROLE_TYPE, 'Create', role()));
    await run(
      event(SECURITY_ROLE_TYPE, 'Update', role({ ClusterPermissions: undefined, TenantPermissions: undefined }), {
        physicalResourceId: created.physicalResourceId,
        oldProperties: role(),
      }),
    );
    const updated = emulator().security('logs')!.roles['log-readers'];
    expect(updated.cluster_permissions).toEqual([]);
    expect(updated.tenant_permissions).toEqual([]);
    await run(event(SECURITY_ROLE_TYPE, 'Delete', role(), { physicalResourceId: created.physicalResourceId }));
    expect(emulator().security('logs')!.roles['log-readers']).toBeUndefined();
    await run(event(SECURITY_ROLE_TYPE, 'Delete', role(), { physicalResourceId: created.physicalResourceId }));
    expect(writes()).toEqual(['PutSecurityRole 201', 'PutSecurityRole 200', 'DeleteSecurityRole 200']);
  });

  test('Delete leaves a role someone else put in its place, and says so', async () => {
    const created = await run(event(SECURITY_ROLE_TYPE, 'Create', role()));
    emulator().putSecurityRole('logs', 'log-readers', { description: 'taken over by hand' });
    const outcome = await run(event(SECURITY_ROLE_TYPE, 'Delete', role(), { physicalResourceId: created.physicalResourceId }));
    expect(outcome.data.Note).toMatch(/was not made by this resource and is left as it is/);
    expect(emulator().security('logs')!.roles['log-readers'].description).toBe('taken over by hand');
  });

  test("the Delete of a failed Create (the framework's marker) touches nothing", async () => {
    emulator().putSecurityRole('logs', 'log-readers', { description: 'made by hand' });
    await run(event(SECURITY_ROLE_TYPE, 'Delete', role(), { physicalResourceId: CREATE_FAILED_MARKER }));
    expect(emulator().requests).toEqual([]);
  });

  test('a transient fault (throttling, a version conflict) is retried at the next poll', async () => {
    emulator().injectFault({ operation: 'PutSecurityRole', kind: 'throttle', times: 1 });
    emulator().injectFault({ operation: 'PutSecurityRole', kind: 'conflict', times: 1 });
    const outcome = await run(event(SECURITY_ROLE_TYPE, 'Create', role()));
    expect(outcome.polls).toBeGreaterThanOrEqual(1);
    expect(emulator().security('logs')!.roles['log-readers']).toBeDefined();
  });

  test("the plugin's 403 fails at once, naming the refused principal and how to map it", async () => {
    seed(emulator(), { domains: [{ domainName: 'logs', security: { masterUserArn: 'arn:aws:iam::111111111111:role/admin' } }] });
    process.env.OPENSEARCH_LIFECYCLE_ROLE_ARN = 'arn:aws:iam::111111111111:role/ProviderRole';
    try {
      await expect(run(event(SECURITY_ROLE_TYPE, 'Create', role()))).rejects.toThrow(
        /was refused \(HTTP 403: No permission to access REST API: User arn:aws:iam::111111111111:user\/local-test .*\) for arn:aws:iam::111111111111:role\/ProviderRole; nothing was changed\. .*masterUserArn.*security_manager/,
      );
    } finally {
      delete process.env.OPENSEARCH_LIFECYCLE_ROLE_ARN;
    }
    expect(writes()).toEqual([]);
  });

  test('an Elasticsearch 7.x domain is reached under _opendistro', async () => {
    seed(emulator(), { domains: [{ domainName: 'legacy', engineVersion: 'Elasticsearch_7.10' }] });
    await run(
      event(
        SECURITY_ROLE_TYPE,
        'Create',
        role({
          DomainArn: 'arn:aws:es:us-east-1:111111111111:domain/legacy',
          DomainEndpoint: 'search-legacy-xyz.us-east-1.es.amazonaws.com',
        }),
      ),
    );
    expect(emulator().security('legacy')!.roles['log-readers']).toBeDefined();
    expect(emulator().requests.map((r) => `${r.method} ${r.path.split('/')[3]} ${r.status}`)).toEqual([
      'GET _plugins 400',
      'GET _opendistro 404',
      'PUT _opendistro 201',
    ]);
  });

  test('an endpoint that cannot be reached fails fast with what to configure', async () => {
    seed(emulator(), { domains: [{ domainName: 'logs', security: { reachable: false } }] });
    await expect(run(event(SECURITY_ROLE_TYPE, 'Create', role()), { maxPolls: 0 })).rejects.toThrow(
      /Cannot reach domain logs at https:\/\/search-logs-abc123\.us-east-1\.es\.amazonaws\.com .*nothing was changed\. A VPC domain is reachable only from its VPC: .*OpenSearchLifecycleProvider\.configure/,
    );
  });

  test("requests are signed for service es in the domain's region", async () => {
    await run(event(SECURITY_ROLE_TYPE, 'Create', role()));
    expect(emulator().requests.every((r) => r.caller?.region === 'us-east-1')).toBe(true);
  });

  test('bad properties fail with the property named', async () => {
    await expect(run(event(SECURITY_ROLE_TYPE, 'Create', role({ IndexPermissions: [{ IndexPatterns: [] }] })))).rejects.toThrow(
      /IndexPermissions\[0\]\.IndexPatterns must list at least 1 index patterns/,
    );
    await expect(run(event(SECURITY_ROLE_TYPE, 'Create', role({ DomainArn: 'logs' })))).rejects.toThrow(
      /DomainArn must be an OpenSearch Service domain ARN/,
    );
  });
});
