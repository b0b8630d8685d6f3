import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Domain, EngineVersion } from 'aws-cdk-lib/aws-opensearchservice';
import { OpenSearchLifecycleProvider, RoleMembership, SecurityRole } from '../../lib';
import { handlerStatements, importedDomain, newStack, ownDomain } from './helpers';

// Pinned on purpose: changing a custom resource type replaces every deployed resource.
const ROLE_TYPE = 'Custom::OpenSearchSecurityRole';
const MEMBERSHIP_TYPE = 'Custom::OpenSearchRoleMembership';
const SOURCE_ROLE = 'arn:aws:iam::222222222222:role/search-source';
const HTTP_ACTIONS = ['es:ESHttpGet', 'es:ESHttpPut', 'es:ESHttpPatch', 'es:ESHttpDelete'];

describe('SecurityRole', () => {
  test('maps props to template properties', () => {
    const stack = newStack();
    new SecurityRole(stack, 'Readers', {
      domain: importedDomain(stack, 'logs'),
      roleName: 'log-readers',
      description: 'Reads the logs',
      clusterPermissions: ['cluster_composite_ops_ro'],
      indexPermissions: [
        { indexPatterns: ['logs-*'], allowedActions: ['read'], documentLevelSecurity: '{"match_all":{}}', maskedFields: ['email'] },
      ],
      tenantPermissions: [{ tenantPatterns: ['global_tenant'], allowedActions: ['kibana_all_read'] }],
      timeout: Duration.minutes(5),
    });
    Template.fromStack(stack).hasResourceProperties(ROLE_TYPE, {
      DomainArn: 'arn:aws:es:us-east-1:111111111111:domain/logs',
      DomainEndpoint: Match.stringLikeRegexp('search-logs-abc123\\.us-east-1\\.es\\.amazonaws\\.com$'),
      RoleName: 'log-readers',
      Description: 'Reads the logs',
      ClusterPermissions: ['cluster_composite_ops_ro'],
      IndexPermissions: [
        { IndexPatterns: ['logs-*'], AllowedActions: ['read'], DocumentLevelSecurity: '{"match_all":{}}', MaskedFields: ['email'] },
      ],
      TenantPermissions: [{ TenantPatterns: ['global_tenant'], AllowedActions: ['kibana_all_read'] }],
      TimeoutSeconds: 300,
    });
  });

  test('bad props fail at synth, naming the prop', () => {
    const stack = newStack();
    const domain = importedDomain(stack, 'logs');
    expect(() => new SecurityRole(stack, 'A', { domain, roleName: 'bad/name' })).toThrow(/roleName must be a role name/);
    expect(
      () => new SecurityRole(stack, 'B', { domain, roleName: 'ok', indexPermissions: [{ indexPatterns: [], allowedActions: ['read'] }] }),
    ).toThrow(/indexPermissions\[0\]\.IndexPatterns must list at least 1/);
  });

  test('grants the HTTP actions on the security API paths of the named domain only', () => {
    const stack = newStack();
    new SecurityRole(stack, 'Readers', { domain: importedDomain(stack, 'logs'), roleName: 'log-readers' });
    new RoleMembership(stack, 'Members', { domain: importedDomain(stack, 'logs', 'Again'), role: 'log-readers', users: ['alice'] });
    const statements = handlerStatements(Template.fromStack(stack)).filter((s) => [s.Action].flat().includes('es:ESHttpGet'));
    expect(statements).toHaveLength(1);
    expect([...statements[0].Action].sort()).toEqual([...HTTP_ACTIONS].sort());
    const arn = 'arn:aws:es:us-east-1:111111111111:domain/logs';
    expect([statements[0].Resource].flat().sort()).toEqual(
      [
        `${arn}/_plugins/_security/api/roles/*`,
        `${arn}/_plugins/_security/api/rolesmapping/*`,
        `${arn}/_opendistro/_security/api/roles/*`,
        `${arn}/_opendistro/_security/api/rolesmapping/*`,
      ].sort(),
    );
  });
});

describe('RoleMembership', () => {
  test('maps props to template properties; a SecurityRole of the app is made first', () => {
    const stack = newStack();
    const domain = importedDomain(stack, 'logs');
    const role = new SecurityRole(stack, 'Readers', { domain, roleName: 'log-readers' });
    new RoleMembership(stack, 'Members', { domain, role, backendRoles: [SOURCE_ROLE], hosts: ['10.0.0.1'] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties(MEMBERSHIP_TYPE, {
      RoleName: 'log-readers',
      BackendRoles: [SOURCE_ROLE],
      Users: Match.absent(),
      Hosts: ['10.0.0.1'],
      TimeoutSeconds: Match.absent(),
    });
    const [membership] = Object.values(template.findResources(MEMBERSHIP_TYPE));
    const [roleId] = Object.keys(template.findResources(ROLE_TYPE));
    expect(membership.DependsOn).toContain(roleId);
  });

  test('a SecurityRole of another domain fails at synth', () => {
    const stack = newStack();
    const role = new SecurityRole(stack, 'Readers', { domain: importedDomain(stack, 'logs'), roleName: 'log-readers' });
    expect(() => new RoleMembership(stack, 'Members', { domain: importedDomain(stack, 'archive'), role, users: ['alice'] })).toThrow(
      /role is the SecurityRole TestStack\/Readers, of another domain than this membership's/,
    );
  });

  test('no member, or a bad role name, fails at synth', () => {
    const stack = newStack();
    const domain = importedDomain(stack, 'logs');
    expect(() => new RoleMembership(stack, 'A', { domain, role: 'readers' })).toThrow(/must list at least one member/);
    expect(() => new RoleMembership(stack, 'B', { domain, role: '', users: ['a'] })).toThrow(/role must be a role name/);
  });

  test('warns on a member listed twice, in one list or by two memberships of the same role', () => {
    const stack = newStack();
    const domain = importedDomain(stack, 'logs');
    new RoleMembership(stack, 'A', { domain, role: 'readers', users: ['alice', 'alice'] });
    new RoleMembership(stack, 'B', { domain, role: 'readers', users: ['alice'], backendRoles: [SOURCE_ROLE] });
    new RoleMembership(stack, 'C', { domain, role: 'writers', users: ['alice'] });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('alice'));
    expect(warnings.map((w) => w.id)).toEqual(['/TestStack/A', '/TestStack/B']);
    expect(warnings[1].entry.data).toMatch(/users member alice of role readers is also listed by TestStack\/A/);
  });

  test('the provider role as the master user of a domain of the same stack: no circular dependency', () => {
    const app = new App();
    const stack = new Stack(app, 'Fgac', { env: { account: '111111111111', region: 'us-east-1' } });
    const domain = new Domain(stack, 'Domain', {
      version: EngineVersion.OPENSEARCH_2_11,
      fineGrainedAccessControl: { masterUserArn: OpenSearchLifecycleProvider.roleOf(stack).roleArn },
      enforceHttps: true,
      nodeToNodeEncryption: true,
      encryptionAtRest: { enabled: true },
    });
    const role = new SecurityRole(stack, 'Readers', {
      domain,
      roleName: 'log-readers',
      indexPermissions: [{ indexPatterns: ['logs-*'], allowedActions: ['read'] }],
    });
    new RoleMembership(stack, 'Members', { domain, role, backendRoles: [SOURCE_ROLE] });
    // Synthesizing checks the dependency graph: a cycle would throw here.
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::OpenSearchService::Domain', {
      AdvancedSecurityOptions: { MasterUserOptions: { MasterUserARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('HandlerRole'), 'Arn'] } } },
    });
    template.hasResourceProperties(ROLE_TYPE, { DomainEndpoint: { 'Fn::GetAtt': [Match.anyValue(), 'DomainEndpoint'] } });
    expect(app.synth().getStackByName('Fgac')).toBeDefined();
  });

  test('roleOf is the role the handlers run as, named to them', () => {
    const stack = newStack();
    const role = OpenSearchLifecycleProvider.roleOf(stack);
    new RoleMembership(stack, 'Members', { domain: ownDomain(stack), role: 'readers', users: ['alice'] });
    const template = Template.fromStack(stack);
    const roleId = stack.resolve((role.node.defaultChild as { logicalId?: string }).logicalId ?? '');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.onEvent',
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      Environment: { Variables: { OPENSEARCH_LIFECYCLE_ROLE_ARN: { 'Fn::GetAtt': [roleId, 'Arn'] } } },
    });
  });
});
