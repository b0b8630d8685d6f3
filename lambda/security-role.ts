import {
  DomainTarget,
  SECURITY_ROLE_TYPE,
  SecurityRoleProperties,
  ownershipMark,
  parseSecurityRoleProperties,
  securityRolePhysicalId,
} from '../lib/private/contracts/security';
import { Progress, ResourceFailure, ResourceKind } from './lifecycle';
import { log } from './log';
import { previousProperties } from './previous-properties';
import { SecurityAnswer, isTransientStatus, messageOf, refused, securityRequest } from './security-api';

/** Write the role's definition (Create, Update), or remove the role (Delete); only ever a role this resource made. */
type RoleTask =
  | {
      readonly kind: 'put-role';
      readonly target: DomainTarget;
      readonly roleName: string;
      readonly definition: Record<string, unknown>;
      readonly mark: string;
    }
  | { readonly kind: 'delete-role'; readonly target: DomainTarget; readonly roleName: string; readonly mark: string };

/** The role as the security plugin takes it: our definition, with the ownership mark in its description. */
export function roleDefinition(props: SecurityRoleProperties, mark: string): Record<string, unknown> {
  return {
    description: props.description ? `${props.description} ${mark}` : mark,
    cluster_permissions: props.clusterPermissions,
    index_permissions: props.indexPermissions.map((entry) => ({
      index_patterns: entry.indexPatterns,
      allowed_actions: entry.allowedActions,
      ...(entry.documentLevelSecurity !== undefined ? { dls: entry.documentLevelSecurity } : {}),
      ...(entry.fieldLevelSecurity !== undefined ? { fls: entry.fieldLevelSecurity } : {}),
      ...(entry.maskedFields !== undefined ? { masked_fields: entry.maskedFields } : {}),
    })),
    tenant_permissions: props.tenantPermissions.map((entry) => ({
      tenant_patterns: entry.tenantPatterns,
      allowed_actions: entry.allowedActions,
    })),
  };
}

const rolePath = (roleName: string) => `/roles/${encodeURIComponent(roleName)}`;

/** What the plugin answered about the role: absent, or present with its flags and whether it carries our mark. */
type RoleReading =
  | { readonly found: false }
  | { readonly found: true; readonly ours: boolean; readonly immutable?: 'reserved' | 'static' | 'hidden' }
  | { readonly retry: string };

function readRole(answer: SecurityAnswer, task: RoleTask, operation: string): RoleReading {
  if (answer.status === 404) {
    // A hidden role is "not available" to anyone but an administrator: never ours to write.
    return /not available/i.test(messageOf(answer.body)) ? { found: true, ours: false, immutable: 'hidden' } : { found: false };
  }
  if (answer.status === 403) throw refused(task.target, operation, answer);
  if (isTransientStatus(answer.status)) return { retry: `HTTP ${answer.status}: ${messageOf(answer.body)}` };
  if (answer.status !== 200) throw unexpected(task, operation, answer);
  const entry = (answer.body as Record<string, Record<string, unknown>> | undefined)?.[task.roleName];
  if (!entry) return { found: false };
  const immutable = entry.hidden === true ? 'hidden' : entry.static === true ? 'static' : entry.reserved === true ? 'reserved' : undefined;
  const ours = typeof entry.description === 'string' && entry.description.includes(task.mark);
  return { found: true, ours, immutable };
}

function unexpected(task: RoleTask, operation: string, answer: SecurityAnswer): ResourceFailure {
  return new ResourceFailure(
    `${operation} of role ${task.roleName} on domain ${task.target.domainName} failed: HTTP ${answer.status}: ${messageOf(answer.body)}. Check the role's properties and the handler logs.`,
  );
}

/**
 * SecurityRole: a role of the domain's security plugin that this resource owns. Its description
 * carries a mark naming this resource (the plugin keeps no other free-form field): a role without
 * the mark, or a reserved, static or hidden one, is someone else's and is never written or
 * removed. Create fails touching nothing when the name is taken; Update writes the whole
 * definition again (PUT replaces it); Delete removes the role if it is ours (already gone:
 * success). A rollback sends the same events, so it only ever undoes what this resource made.
 */
export const securityRole: ResourceKind<RoleTask> = {
  resourceType: SECURITY_ROLE_TYPE,

  describe: (task) => `role ${task.roleName} to be ${task.kind === 'put-role' ? 'written' : 'removed'} on domain ${task.target.domainName}`,

  plan(event) {
    const props = parseSecurityRoleProperties(event.ResourceProperties);
    const physicalResourceId = securityRolePhysicalId(props.domainName, props.roleName, event.StackId, event.LogicalResourceId);
    const mark = ownershipMark(event.StackId, event.LogicalResourceId);
    const target: DomainTarget = { domainArn: props.domainArn, domainName: props.domainName, endpointHost: props.endpointHost };
    if (event.RequestType === 'Delete') {
      return {
        physicalResourceId,
        timeoutSeconds: props.timeoutSeconds,
        task: { kind: 'delete-role', target, roleName: props.roleName, mark },
      };
    }
    if (event.RequestType === 'Update') {
      // Another domain or role name is a replacement: a new physical id, and the old role goes with the old resource.
      const previous = previousProperties(event, parseSecurityRoleProperties);
      log(
        previous?.domainName === props.domainName && previous.roleName === props.roleName
          ? `Update: role ${props.roleName} is written again`
          : 'Update: another domain or role name, a replacement',
      );
    }
    return {
      physicalResourceId,
      timeoutSeconds: props.timeoutSeconds,
      task: { kind: 'put-role', target, roleName: props.roleName, definition: roleDefinition(props, mark), mark },
    };
  },

  async advance(task, context): Promise<Progress> {
    const subject = `role ${task.roleName} on domain ${task.target.domainName}`;
    const reading = readRole(await securityRequest(task.target, 'GET', rolePath(task.roleName)), task, 'Reading');
    if ('retry' in reading) return { done: false, waitingFor: this.describe(task), lastSeen: reading.retry };
    if (task.kind === 'delete-role') {
      if (!reading.found) {
        log(`${subject} is gone: done`);
        return { done: true };
      }
      if (!reading.ours || reading.immutable) {
        const note = `${subject} was not made by this resource${reading.immutable ? ` (it is ${reading.immutable})` : ''} and is left as it is`;
        log(note);
        return { done: true, data: { Note: note } };
      }
      if (!context.mayMutate) return { done: false, waitingFor: this.describe(task), lastSeen: 'role present' };
      const answer = await securityRequest(task.target, 'DELETE', rolePath(task.roleName));
      if (answer.status === 200 || answer.status === 404) {
        log(`${subject} removed`);
        return { done: true };
      }
      if (answer.status === 403) throw refused(task.target, 'Removing the role', answer);
      if (isTransientStatus(answer.status)) return { done: false, waitingFor: this.describe(task), lastSeen: `HTTP ${answer.status}` };
      throw unexpected(task, 'Removing', answer);
    }
    if (reading.found && reading.immutable) {
      throw new ResourceFailure(
        `${subject} is ${reading.immutable}: the security plugin's own roles are never written; nothing was changed. Choose another roleName.`,
      );
    }
    if (reading.found && !reading.ours) {
      throw new ResourceFailure(
        `${subject} already exists and was not made by this resource; nothing was changed. Choose another roleName, or remove that role first if it is not needed.`,
      );
    }
    if (!context.mayMutate)
      return { done: false, waitingFor: this.describe(task), lastSeen: reading.found ? 'role present' : 'role absent' };
    const answer = await securityRequest(task.target, 'PUT', rolePath(task.roleName), task.definition);
    if (answer.status === 200 || answer.status === 201) {
      log(`${subject} written (HTTP ${answer.status})`);
      return { done: true };
    }
    if (answer.status === 403) throw refused(task.target, 'Writing the role', answer);
    if (isTransientStatus(answer.status)) return { done: false, waitingFor: this.describe(task), lastSeen: `HTTP ${answer.status}` };
    throw unexpected(task, 'Writing', answer);
  },
};
