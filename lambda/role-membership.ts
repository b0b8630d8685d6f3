import {
  DomainTarget,
  MEMBER_KINDS,
  MemberKind,
  Members,
  ROLE_MEMBERSHIP_TYPE,
  keptMembers,
  memberDigest,
  parseRoleMembershipProperties,
  roleMembershipPhysicalId,
} from '../lib/private/contracts/security';
import { Progress, ResourceFailure, ResourceKind, StepContext, rollbackNote } from './lifecycle';
import { log } from './log';
import { previousProperties } from './previous-properties';
import { SecurityAnswer, isTransientStatus, messageOf, refused, securityRequest } from './security-api';

/**
 * Bring the role's mapping to: every member of `add` present, every member of `remove` absent;
 * nothing else in it is touched.
 */
interface MembershipTask {
  readonly target: DomainTarget;
  readonly roleName: string;
  readonly add: Members;
  readonly remove: Members;
  /**
   * Create only: the physical id without found members, and the digests of the listed members
   * already in the mapping when onEvent looked (filled in by onEvent, handed over to isComplete).
   */
  readonly create?: { readonly kept: string[] };
  /** What is left as it is, returned as the Note once done. */
  readonly note?: string;
}

const none = (): Members => ({ backend_roles: [], users: [], hosts: [] });
const count = (members: Members) => MEMBER_KINDS.reduce((sum, kind) => sum + members[kind].length, 0);
const describeMembers = (members: Members) =>
  MEMBER_KINDS.filter((kind) => members[kind].length > 0)
    .map((kind) => `${kind} ${members[kind].join(', ')}`)
    .join('; ');
const mappingPath = (roleName: string) => `/rolesmapping/${encodeURIComponent(roleName)}`;

/** Of `members`, those whose digest is not in `kept`: the ones this resource added. */
function addedBy(members: Members, kept: string[]): Members {
  const result = none();
  for (const kind of MEMBER_KINDS) result[kind] = members[kind].filter((member) => !kept.includes(memberDigest(kind, member)));
  return result;
}

function minus(a: Members, b: Members): Members {
  const result = none();
  for (const kind of MEMBER_KINDS) result[kind] = a[kind].filter((member) => !b[kind].includes(member));
  return result;
}

/**
 * RoleMembership: makes the listed principals members of a role (its role mapping), nothing more.
 * Members are added and removed with JSON Patch operations on the mapping, each list guarded by a
 * `test` of what was read, so that a member someone else adds or removes at the same moment is
 * never overwritten: the plugin applies the whole patch or nothing, and a failed `test` is read
 * again and retried.
 *
 * The members already in the mapping when the resource is created are recorded (by digest) in its
 * physical id, and are never removed. Update adds the new members and removes only those this
 * resource added that it no longer lists; Delete removes only what it added. A rollback Update
 * removes nothing (what the failed update found in the mapping cannot be told from what it added;
 * the Note names what is left); a rollback Delete removes what the Create added, which is exactly
 * what was not there before.
 */
export const roleMembership: ResourceKind<MembershipTask> = {
  resourceType: ROLE_MEMBERSHIP_TYPE,
  readsStackStatus: true,

  describe: (task) => {
    const parts = [
      count(task.add) > 0 ? `${describeMembers(task.add)} to be members` : '',
      count(task.remove) > 0 ? `${describeMembers(task.remove)} to be removed` : '',
    ].filter((part) => part !== '');
    return `${parts.join(' and ') || 'nothing'} of role ${task.roleName} on domain ${task.target.domainName}`;
  },

  plan(event, situation) {
    const props = parseRoleMembershipProperties(event.ResourceProperties);
    const { domainName, roleName, timeoutSeconds, members } = props;
    const target: DomainTarget = { domainArn: props.domainArn, domainName, endpointHost: props.endpointHost };
    const basePhysicalId = roleMembershipPhysicalId(domainName, roleName, event.StackId, event.LogicalResourceId);
    const kept = keptMembers(event.PhysicalResourceId, domainName, roleName, event.StackId, event.LogicalResourceId);
    const createPlan = () => ({
      physicalResourceId: basePhysicalId,
      timeoutSeconds,
      task: { target, roleName, add: members, remove: none(), create: { kept: [] } },
    });
    switch (event.RequestType) {
      case 'Create':
        return createPlan();
      case 'Update': {
        const previous = previousProperties(event, parseRoleMembershipProperties);
        if (previous?.domainName !== domainName || previous.roleName !== roleName || kept === undefined) {
          // Another domain or role: a replacement, whose old resource's Delete empties the old mapping.
          return createPlan();
        }
        const physicalResourceId = event.PhysicalResourceId!;
        const dropped = addedBy(minus(previous.members, members), kept);
        if (situation.rollback && count(dropped) > 0) {
          const note = rollbackNote(
            situation,
            `${describeMembers(dropped)} of role ${roleName} are left as they are: the update that failed may have found them in the mapping; remove them by hand if it added them`,
          );
          return { physicalResourceId, timeoutSeconds, task: { target, roleName, add: members, remove: none(), note } };
        }
        return { physicalResourceId, timeoutSeconds, task: { target, roleName, add: members, remove: dropped } };
      }
      case 'Delete': {
        if (kept === undefined) {
          // Not this resource's id: the driver answers without a call.
          return { physicalResourceId: basePhysicalId, timeoutSeconds };
        }
        const remove = addedBy(members, kept);
        const foundBefore = minus(members, remove);
        const note =
          count(foundBefore) > 0
            ? `${describeMembers(foundBefore)} of role ${roleName} were members before this resource and are left as they are`
            : undefined;
        return {
          physicalResourceId: event.PhysicalResourceId!,
          timeoutSeconds,
          task: count(remove) > 0 ? { target, roleName, add: none(), remove, note } : undefined,
          note: count(remove) > 0 ? undefined : note,
        };
      }
    }
  },

  async advance(task, context) {
    const progress = await advanceMembership(task, context);
    return progress.done && task.note !== undefined ? { ...progress, data: { ...progress.data, Note: task.note } } : progress;
  },
};

/** How often one step reads and patches again when another writer changed the mapping in between. */
const PATCH_ATTEMPTS = 3;

async function advanceMembership(task: MembershipTask, context: StepContext): Promise<Progress> {
  const subject = `role ${task.roleName} on domain ${task.target.domainName}`;
  const waiting = (lastSeen: string): Progress => ({ done: false, waitingFor: roleMembership.describe(task), lastSeen });
  // Newer plugins accept only add, replace and remove; once refused, this step patches without `test`.
  let guard = true;
  let firstLook = true;
  for (let attempt = 1; attempt <= PATCH_ATTEMPTS; attempt++) {
    const answer = await securityRequest(task.target, 'GET', mappingPath(task.roleName));
    if (answer.status === 403) throw refusedOrImmutable(task, 'Reading the role mapping', answer);
    if (isTransientStatus(answer.status)) return waiting(`HTTP ${answer.status}: ${messageOf(answer.body)}`);
    if (answer.status !== 200 && answer.status !== 404) throw unexpected(task, 'Reading the role mapping', answer);
    const entry = answer.status === 200 ? (answer.body as Record<string, Record<string, unknown>> | undefined)?.[task.roleName] : undefined;
    if (answer.status === 404 && /not available/i.test(messageOf(answer.body))) {
      throw new ResourceFailure(
        `The mapping of ${subject} is hidden: the security plugin's own mappings are never written; nothing was changed.`,
      );
    }
    const current = (kind: MemberKind): string[] | undefined => {
      const list = entry?.[kind];
      return Array.isArray(list) ? (list as string[]) : undefined;
    };
    if (task.create && context.phase === 'event' && firstLook) {
      // What is there before this resource is recorded, and never removed by it.
      for (const kind of MEMBER_KINDS) {
        for (const member of task.add[kind]) {
          if (current(kind)?.includes(member)) task.create.kept.push(memberDigest(kind, member));
        }
      }
    }
    firstLook = false;
    const missing = none();
    const present = none();
    for (const kind of MEMBER_KINDS) {
      missing[kind] = task.add[kind].filter((member) => !current(kind)?.includes(member));
      present[kind] = task.remove[kind].filter((member) => current(kind)?.includes(member));
    }
    if (count(missing) === 0 && count(present) === 0) {
      log(`${subject}: the mapping is as wanted: done`);
      return { done: true, physicalResourceId: physicalIdOf(task, context) };
    }
    if (!context.mayMutate)
      return waiting(`missing ${describeMembers(missing) || 'none'}; still present ${describeMembers(present) || 'none'}`);
    if (entry === undefined) {
      // No mapping yet: only additions can be wanted. PUT creates it with exactly the members to add.
      const put = await securityRequest(task.target, 'PUT', mappingPath(task.roleName), missing);
      if (put.status === 200 || put.status === 201) {
        log(`${subject}: mapping created with ${describeMembers(missing)}`);
        continue;
      }
      if (put.status === 404) {
        throw new ResourceFailure(
          `${subject} does not exist (${messageOf(put.body)}); nothing was changed. Create the role first (a SecurityRole of this app, named as role, is created before the membership).`,
        );
      }
      if (put.status === 403) throw refusedOrImmutable(task, 'Creating the role mapping', put);
      if (isTransientStatus(put.status)) return waiting(`HTTP ${put.status}: ${messageOf(put.body)}`);
      throw unexpected(task, 'Creating the role mapping', put);
    }
    const patch = patchOperations(current, missing, present, guard);
    const answered = await securityRequest(task.target, 'PATCH', mappingPath(task.roleName), patch);
    if (answered.status === 200) {
      log(`${subject}: added ${describeMembers(missing) || 'none'}; removed ${describeMembers(present) || 'none'}`);
      continue;
    }
    const message = messageOf(answered.body);
    if (answered.status === 400 && /unsupported patch operation: test/i.test(message)) {
      log(`${subject}: the plugin refuses JSON Patch test; patching without it from a fresh read`);
      guard = false;
      attempt--;
      continue;
    }
    if (answered.status === 400 && /test/i.test(message)) {
      // Another writer changed the list between our read and our patch: read again.
      log(`${subject}: the mapping changed since it was read (${message}); reading it again`);
      continue;
    }
    if (answered.status === 403) throw refusedOrImmutable(task, 'Changing the role mapping', answered);
    if (isTransientStatus(answered.status)) return waiting(`HTTP ${answered.status}: ${message}`);
    throw unexpected(task, 'Changing the role mapping', answered);
  }
  return waiting('the mapping kept changing under another writer; will read it again');
}

/**
 * The patch: per list touched, a `test` that the list is still what was read, then an `add` at
 * its end per missing member and a `remove` per member to go (highest index first, so that the
 * indexes read stay right). A list the mapping does not have is added whole.
 */
export function patchOperations(
  current: (kind: MemberKind) => string[] | undefined,
  missing: Members,
  present: Members,
  guard: boolean,
): Array<Record<string, unknown>> {
  const operations: Array<Record<string, unknown>> = [];
  for (const kind of MEMBER_KINDS) {
    if (missing[kind].length === 0 && present[kind].length === 0) continue;
    const list = current(kind);
    if (list === undefined) {
      operations.push({ op: 'add', path: `/${kind}`, value: missing[kind] });
      continue;
    }
    if (guard) operations.push({ op: 'test', path: `/${kind}`, value: list });
    const indexes = present[kind].map((member) => list.indexOf(member)).sort((a, b) => b - a);
    for (const index of indexes) operations.push({ op: 'remove', path: `/${kind}/${index}` });
    for (const member of missing[kind]) operations.push({ op: 'add', path: `/${kind}/-`, value: member });
  }
  return operations;
}

function physicalIdOf(task: MembershipTask, context: StepContext): string | undefined {
  if (!task.create) return undefined;
  const { event } = context;
  const props = parseRoleMembershipProperties(event.ResourceProperties);
  return roleMembershipPhysicalId(props.domainName, task.roleName, event.StackId, event.LogicalResourceId, task.create.kept);
}

function refusedOrImmutable(task: MembershipTask, operation: string, answer: SecurityAnswer): ResourceFailure {
  const message = messageOf(answer.body);
  if (/is (reserved|static)/i.test(message)) {
    return new ResourceFailure(
      `${operation} of role ${task.roleName} on domain ${task.target.domainName} was refused: ${message} The security plugin keeps it as it is; nothing was changed.`,
    );
  }
  return refused(task.target, operation, answer);
}

function unexpected(task: MembershipTask, operation: string, answer: SecurityAnswer): ResourceFailure {
  return new ResourceFailure(
    `${operation} of role ${task.roleName} on domain ${task.target.domainName} failed: HTTP ${answer.status}: ${messageOf(answer.body)}. Check the handler logs.`,
  );
}
