import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { atSynth, withConstructPath } from './private/construct-props';
import { MEMBER_KINDS, MemberKind, ROLE_MEMBERSHIP_TYPE, SecurityKey, checkMembers, checkRoleName } from './private/contracts/security';
import { LifecycleProvider } from './private/lifecycle-provider';
import { lifecycleResource } from './private/lifecycle-resource';
import { domainTargetProperties } from './private/security-props';
import { SecurityRole } from './security-role';

/**
 * Properties of a RoleMembership.
 */
export interface RoleMembershipProps {
  /**
   * The domain, with fine-grained access control. Its security plugin must let the provider's
   * role manage role mappings: see `OpenSearchLifecycleProvider.roleOf`. A new domain is a
   * replacement.
   */
  readonly domain: IDomain;

  /**
   * The role: its name (e.g. `cross_cluster_search_remote_full_access`), or a SecurityRole of this
   * app (the membership is then made after the role). Another role is a replacement.
   */
  readonly role: string | SecurityRole;

  /**
   * Backend roles to be members, e.g. IAM role ARNs.
   *
   * @default - none
   */
  readonly backendRoles?: string[];

  /**
   * Users to be members, e.g. IAM user ARNs or internal users.
   *
   * @default - none
   */
  readonly users?: string[];

  /**
   * Hosts to be members.
   *
   * @default - none
   */
  readonly hosts?: string[];

  /**
   * How long to keep trying (throttling, the plugin's version conflicts, other writers) before failing.
   *
   * From 1 second to 55 minutes.
   *
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
}

/** The id of the warning about a member listed twice (in one membership, or in two of the same role). */
export const MEMBER_LISTED_TWICE_WARNING = 'cdk-opensearch-lifecycle:memberListedTwice';

const listed = new WeakMap<Stack, Map<string, string>>();

/**
 * Makes principals members of a role of a domain's security plugin (fine-grained access control):
 * the listed backend roles, users and hosts are in the role's mapping, and nothing else in it is
 * touched. Members are added and removed with JSON Patch operations guarded by a `test` of what
 * was read, so that a concurrent writer is never overwritten.
 *
 * | event | what happens |
 * |---|---|
 * | Create | the missing members are added (the mapping is made if there is none); those already there are recorded in the physical id |
 * | Update | new members are added; members this resource added and no longer lists are removed; nobody else's |
 * | Update, new domain or role | a replacement; CloudFormation then deletes the old resource, which removes what it added from the old mapping |
 * | Delete | the members this resource added are removed (mapping gone: success); members that were there before stay |
 * | Update during a rollback | nothing is removed (the failed update may have found members it listed); the `Note` names them |
 * | Delete during a rollback | what the Create added is removed: it was not there before |
 *
 * Members added or removed by anyone else, before or after, are left as they are. A member the
 * resource finds already there when it is created is never removed by it; one that an Update
 * finds already there cannot be recorded (the physical id would change) and is treated as added.
 */
export class RoleMembership extends Construct {
  constructor(scope: Construct, id: string, props: RoleMembershipProps) {
    super(scope, id);
    try {
      if (props.role instanceof SecurityRole && props.role.domain.domainArn !== props.domain.domainArn) {
        throw new Error(
          `role is the SecurityRole ${props.role.node.path}, of another domain than this membership's: a role exists on one domain only; name the role's domain as domain`,
        );
      }
      const roleName = props.role instanceof SecurityRole ? props.role.roleName : props.role;
      if (!Token.isUnresolved(roleName)) atSynth(() => checkRoleName(roleName, 'role'));
      const lists: Record<MemberKind, string[] | undefined> = { backend_roles: props.backendRoles, users: props.users, hosts: props.hosts };
      const known = MEMBER_KINDS.every(
        (kind) => !Token.isUnresolved(lists[kind]) && !(lists[kind] ?? []).some((m) => Token.isUnresolved(m)),
      );
      if (known) atSynth(() => checkMembers(lists));
      this.warnOnRepeats(props.domain, roleName, lists);
      const resource = lifecycleResource(this, {
        constructName: 'RoleMembership',
        resourceType: ROLE_MEMBERSHIP_TYPE,
        claims: [],
        // A rollback Update leaves what the failed update may have found in the mapping.
        readsStackStatus: true,
        timeout: props.timeout,
        domain: props.domain,
        properties: {
          ...domainTargetProperties(props.domain),
          [SecurityKey.ROLE_NAME]: roleName,
          [SecurityKey.BACKEND_ROLES]: props.backendRoles?.length ? props.backendRoles : undefined,
          [SecurityKey.USERS]: props.users?.length ? props.users : undefined,
          [SecurityKey.HOSTS]: props.hosts?.length ? props.hosts : undefined,
        },
      });
      LifecycleProvider.of(this).allowSecurityApi(resource, 'RoleMembership', props.domain.domainArn);
      if (props.role instanceof SecurityRole) {
        resource.node.addDependency(props.role);
      }
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }

  /**
   * Warns on a member listed twice: in one list (it is one member), or by two memberships of the
   * same role of this stack, where the one that finds it there would leave it, and the other's
   * Delete would remove it from under the first.
   */
  private warnOnRepeats(domain: IDomain, roleName: string, lists: Record<MemberKind, string[] | undefined>): void {
    const stack = Stack.of(this);
    let seen = listed.get(stack);
    if (!seen) {
      seen = new Map();
      listed.set(stack, seen);
    }
    const domainKey = Token.isUnresolved(domain.domainName) ? domain.node.path : domain.domainName;
    for (const kind of MEMBER_KINDS) {
      const here = new Set<string>();
      for (const member of lists[kind] ?? []) {
        if (Token.isUnresolved(member)) continue;
        if (here.has(member)) {
          Annotations.of(this).addWarningV2(MEMBER_LISTED_TWICE_WARNING, `${kind} lists ${member} twice; it is one member. List it once.`);
          continue;
        }
        here.add(member);
        const key = `${domainKey}\n${roleName}\n${kind}\n${member}`;
        const first = seen.get(key);
        if (first !== undefined && first !== this.node.path) {
          Annotations.of(this).addWarningV2(
            MEMBER_LISTED_TWICE_WARNING,
            `${kind} member ${member} of role ${roleName} is also listed by ${first}: the membership that finds it there leaves it, ` +
              'and the other removes it when deleted. List it in one membership only.',
          );
        } else {
          seen.set(key, this.node.path);
        }
      }
    }
  }
}
