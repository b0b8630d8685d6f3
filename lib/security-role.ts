import { Duration, Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { atSynth, withConstructPath } from './private/construct-props';
import {
  SECURITY_ROLE_TYPE,
  SecurityKey,
  checkClusterPermissions,
  checkIndexPermissions,
  checkRoleName,
  checkTenantPermissions,
} from './private/contracts/security';
import { LifecycleProvider } from './private/lifecycle-provider';
import { lifecycleResource } from './private/lifecycle-resource';
import { domainTargetProperties } from './private/security-props';

/**
 * What a role allows on indexes matching its patterns.
 */
export interface IndexPermission {
  /**
   * The index patterns, e.g. `logs-*`. At least one.
   */
  readonly indexPatterns: string[];

  /**
   * The actions or action groups allowed, e.g. `read` or `indices:data/read/search*`. At least one.
   */
  readonly allowedActions: string[];

  /**
   * Document-level security: a query (in the query DSL, as a JSON text) that the documents seen
   * must match.
   *
   * @default - every document
   */
  readonly documentLevelSecurity?: string;

  /**
   * Field-level security: the fields included, or, prefixed with `~`, excluded.
   *
   * @default - every field
   */
  readonly fieldLevelSecurity?: string[];

  /**
   * Fields whose values are shown hashed.
   *
   * @default - none
   */
  readonly maskedFields?: string[];
}

/**
 * What a role allows in OpenSearch Dashboards tenants.
 */
export interface TenantPermission {
  /**
   * The tenant patterns, e.g. `global_tenant`. At least one.
   */
  readonly tenantPatterns: string[];

  /**
   * `kibana_all_read` or `kibana_all_write`.
   */
  readonly allowedActions: string[];
}

/**
 * Properties of a SecurityRole.
 */
export interface SecurityRoleProps {
  /**
   * The domain, with fine-grained access control. Its security plugin must let the provider's
   * role manage roles: see `OpenSearchLifecycleProvider.roleOf`. A new domain is a replacement.
   */
  readonly domain: IDomain;

  /**
   * The role's name. A new name is a replacement. A role of that name made by anyone else, and
   * the security plugin's reserved, static and hidden roles, are never written: the deployment
   * fails instead.
   */
  readonly roleName: string;

  /**
   * What the role is for. The library appends a mark naming this resource, by which it tells its
   * role from anyone else's.
   *
   * @default - only the mark
   */
  readonly description?: string;

  /**
   * Cluster-wide permissions (actions or action groups), e.g. `cluster_composite_ops_ro`.
   *
   * @default - none
   */
  readonly clusterPermissions?: string[];

  /**
   * Index permissions, with document- and field-level security and masked fields.
   *
   * @default - none
   */
  readonly indexPermissions?: IndexPermission[];

  /**
   * Dashboards tenant permissions.
   *
   * @default - none
   */
  readonly tenantPermissions?: TenantPermission[];

  /**
   * How long to keep trying (throttling, the plugin's version conflicts) before failing.
   *
   * From 1 second to 55 minutes.
   *
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
}

/**
 * A role of a domain's security plugin (fine-grained access control) that this resource owns,
 * written through the domain's own REST API with requests the provider's role signs.
 *
 * | event | what happens |
 * |---|---|
 * | Create | the role is written (PUT); a role of that name that is not this resource's, or is reserved, static or hidden, fails the deployment and is left as it is |
 * | Update | the whole definition is written again (PUT replaces it) |
 * | Update, new domain or roleName | a replacement; CloudFormation then deletes the old resource, which removes the old role |
 * | Delete | the role is removed if it is this resource's (already gone: success; someone else's: left, the `Note` says so) |
 * | rollback | the same events: it only ever removes what this resource made |
 */
export class SecurityRole extends Construct {
  /**
   * The role's name, for a RoleMembership.
   */
  public readonly roleName: string;

  /**
   * The domain of the role.
   */
  public readonly domain: IDomain;

  constructor(scope: Construct, id: string, props: SecurityRoleProps) {
    super(scope, id);
    try {
      this.roleName = props.roleName;
      this.domain = props.domain;
      const indexPermissions = (props.indexPermissions ?? []).map((entry) => ({
        [SecurityKey.INDEX_PATTERNS]: entry.indexPatterns,
        [SecurityKey.ALLOWED_ACTIONS]: entry.allowedActions,
        [SecurityKey.DOCUMENT_LEVEL_SECURITY]: entry.documentLevelSecurity,
        [SecurityKey.FIELD_LEVEL_SECURITY]: entry.fieldLevelSecurity,
        [SecurityKey.MASKED_FIELDS]: entry.maskedFields,
      }));
      const tenantPermissions = (props.tenantPermissions ?? []).map((entry) => ({
        [SecurityKey.TENANT_PATTERNS]: entry.tenantPatterns,
        [SecurityKey.ALLOWED_ACTIONS]: entry.allowedActions,
      }));
      if (!Token.isUnresolved(props.roleName)) atSynth(() => checkRoleName(props.roleName, 'roleName'));
      const known = (value: unknown) => !Token.isUnresolved(value) && !JSON.stringify(value ?? null).includes('${Token[');
      if (known(props.clusterPermissions)) atSynth(() => checkClusterPermissions(props.clusterPermissions, 'clusterPermissions'));
      if (known(indexPermissions)) atSynth(() => checkIndexPermissions(JSON.parse(JSON.stringify(indexPermissions)), 'indexPermissions'));
      if (known(tenantPermissions))
        atSynth(() => checkTenantPermissions(JSON.parse(JSON.stringify(tenantPermissions)), 'tenantPermissions'));
      const resource = lifecycleResource(this, {
        constructName: 'SecurityRole',
        resourceType: SECURITY_ROLE_TYPE,
        claims: [],
        readsStackStatus: false,
        timeout: props.timeout,
        domain: props.domain,
        properties: {
          ...domainTargetProperties(props.domain),
          [SecurityKey.ROLE_NAME]: props.roleName,
          [SecurityKey.DESCRIPTION]: props.description,
          [SecurityKey.CLUSTER_PERMISSIONS]: props.clusterPermissions?.length ? props.clusterPermissions : undefined,
          [SecurityKey.INDEX_PERMISSIONS]: indexPermissions.length > 0 ? indexPermissions : undefined,
          [SecurityKey.TENANT_PERMISSIONS]: tenantPermissions.length > 0 ? tenantPermissions : undefined,
        },
      });
      LifecycleProvider.of(this).allowSecurityApi(resource, 'SecurityRole', props.domain.domainArn);
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }
}
