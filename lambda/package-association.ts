import { DomainPackageDetails } from '@aws-sdk/client-opensearch';
import {
  AssociatedPackageEntry,
  PACKAGE_ASSOCIATION_TYPE,
  adoptedPackages,
  packageAssociationPhysicalId,
  parsePackageAssociationProperties,
} from '../lib/private/contracts/package-association';
import { Progress, ResourceFailure, ResourceKind, StepContext, callFailure, rollbackNote, whereAsked } from './lifecycle';
import { log } from './log';
import { previousProperties } from './previous-properties';
import { forwardUpdateStartedAt } from './cloudformation';
import { errorMessage, errorName, isAlreadyInDesiredState, isTransient, listDomainPackages } from './opensearch';
import { associatePackages } from './package-api';
import { DissociationTask, advanceDissociation, describeDissociation, dissociationTask, isAwsOwnedPackageId } from './package-dissociation';

/**
 * Bring the domain to the listed packages: first dissociate `dissociation`'s packages (the
 * shared step of PackageDissociation), then associate every listed package that is not ACTIVE on
 * the domain at the listed version with the listed prerequisites, in one AssociatePackages call,
 * and wait until all are.
 */
interface AssociationTask {
  readonly kind: 'associate';
  readonly domainName: string;
  readonly packages: AssociatedPackageEntry[];
  readonly dissociation: DissociationTask;
  /**
   * Create only: the physical id without adoptions, and the listed packages already ACTIVE on the
   * domain when onEvent looked (filled in by onEvent, handed over to isComplete).
   */
  readonly create?: { readonly physicalResourceId: string; readonly adopted: string[] };
  /**
   * A rollback Update only: the packages the failed update added to the list that were not adopted
   * at Create. Each is dissociated only if that update associated it (see `settleRollback`);
   * `adoptedAtCreate` are the removed packages the physical id says were adopted, for the Note.
   */
  readonly rollbackCheck?: { readonly packageIds: string[]; readonly adoptedAtCreate: string[] };
  /** What a settled rollback Update leaves as it is, returned as the Note once done. */
  readonly note?: string;
  /**
   * A forward Update only: the packages it adds to the list. One already ACTIVE is taken as it is
   * (never associated again for its prerequisites alone), so that an association whose
   * LastUpdated is not before the update's start really was made by the update (see `settleRollback`).
   */
  readonly added?: string[];
  /** A forward Update only: the packages whose prerequisites it changes. */
  readonly prerequisitesChanged?: string[];
  /**
   * The packages onEvent's AssociatePackages was accepted for. A poll never asks for them again:
   * a read that does not show them yet is a stale read, and each association of a plugin is a
   * blue/green deployment of the domain.
   */
  readonly submitted?: string[];
}

type Task = AssociationTask | DissociationTask;

/** The same package ids, in any order; no list and an empty list are the same. */
const sameIds = (a: readonly string[] | undefined, b: readonly string[]) => [...(a ?? [])].sort().join(',') === [...b].sort().join(',');

/** ACTIVE on the domain at the listed version (when both name one). */
const isActiveAtVersion = (association: DomainPackageDetails | undefined, entry: AssociatedPackageEntry) =>
  association?.DomainPackageStatus === 'ACTIVE' &&
  (entry.packageVersion === undefined || association.PackageVersion === undefined || association.PackageVersion === entry.packageVersion);

/**
 * Whether an ACTIVE association is known to lack the listed prerequisites, so that associating it
 * again is worth it. Nothing documents that ListPackagesForDomain returns PrerequisitePackageIDList
 * (its API reference's response syntax omits it): an absent list is unknown, not different, and
 * is acted on only when the entry may want others (a Create that lists prerequisites, an Update
 * that changed them), and at most once per event (a re-association of an unknown list can never
 * be seen to have worked): by onEvent, or, when onEvent had to dissociate first, by a poll that
 * finds the association older than that dissociation (both times on the service's clock). A
 * package a forward Update adds that is ACTIVE already is taken as it is.
 */
function lacksPrerequisites(
  association: DomainPackageDetails,
  entry: AssociatedPackageEntry,
  task: AssociationTask,
  context: StepContext,
): boolean {
  const id = entry.packageId;
  if (task.added?.includes(id) || task.submitted?.includes(id)) return false;
  if (association.PrerequisitePackageIDList === undefined) {
    // A Create lists prerequisites the domain may lack; an Update changed them.
    const maybeOther = task.prerequisitesChanged?.includes(id) ?? entry.prerequisitePackageIds.length > 0;
    // A poll after onEvent's dissociation: associated before that started = not by this event.
    const since = task.dissociation.submittedAt;
    const notYetThisEvent = context.phase === 'event' || (since !== undefined && (association.LastUpdated?.getTime() ?? 0) < since);
    return maybeOther && notYetThisEvent;
  }
  return !sameIds(association.PrerequisitePackageIDList, entry.prerequisitePackageIds);
}

/**
 * PackageAssociation: associates the listed packages with a domain and keeps the domain on the
 * listed versions. Packages that were ACTIVE on the domain before the resource was created are
 * adopted, and their ids are kept in the physical id: a rollback never dissociates them. What an
 * Update finds ACTIVE cannot be kept there (a new id is a replacement): its rollback tells it from
 * what the update associated by the stack's events (see `settleRollback`).
 * Delete uses the dissociation step of PackageDissociation.
 */
export const packageAssociation: ResourceKind<Task> = {
  resourceType: PACKAGE_ASSOCIATION_TYPE,
  readsStackStatus: true,
  // onEvent records what was ACTIVE before a Create (adopted), which no poll can: a denial there fails at once.
  actsOnlyInOnEvent: true,

  describe: (task) =>
    task.kind === 'dissociate'
      ? describeDissociation(task)
      : `packages ${task.packages.map((p) => p.packageId + (p.packageVersion ? ` ${p.packageVersion}` : '')).join(', ')} to be ACTIVE on domain ${task.domainName}`,

  plan(event, situation) {
    const props = parsePackageAssociationProperties(event.ResourceProperties);
    const { domainName, timeoutSeconds, packages } = props;
    const basePhysicalId = packageAssociationPhysicalId(domainName, event.StackId, event.LogicalResourceId);
    // An association cannot take a domain back to an older version (it gets the newest), so the
    // rollback Update of one that moved the domain on leaves the version the domain runs: waiting
    // for the old one would only time out and leave the stack in UPDATE_ROLLBACK_FAILED.
    const wanted = situation.rollback ? packages.map((entry) => ({ ...entry, packageVersion: undefined })) : packages;
    const associate = (dissociate: string[], create?: AssociationTask['create']): AssociationTask => ({
      kind: 'associate',
      domainName,
      packages: wanted,
      dissociation: dissociationTask(domainName, dissociate),
      create,
    });
    const createPlan = () => ({
      physicalResourceId: basePhysicalId,
      timeoutSeconds,
      task: associate([], { physicalResourceId: basePhysicalId, adopted: [] }),
    });
    const adopted = adoptedPackages(event.PhysicalResourceId, domainName, event.StackId, event.LogicalResourceId);
    switch (event.RequestType) {
      case 'Create':
        return createPlan();
      case 'Update': {
        const previous = previousProperties(event, parsePackageAssociationProperties);
        if (previous?.domainName !== domainName) {
          return createPlan();
        }
        const listed = new Set(packages.map((p) => p.packageId));
        const removed = previous.packages.map((p) => p.packageId).filter((id) => !listed.has(id));
        const physicalResourceId = event.PhysicalResourceId ?? basePhysicalId;
        const before = new Map(previous.packages.map((p) => [p.packageId, p]));
        const prerequisitesChanged = packages
          .filter((p) => before.has(p.packageId) && !sameIds(before.get(p.packageId)!.prerequisitePackageIds, p.prerequisitePackageIds))
          .map((p) => p.packageId);
        if (!situation.rollback) {
          const added = packages.filter((p) => !before.has(p.packageId)).map((p) => p.packageId);
          return { physicalResourceId, timeoutSeconds, task: { ...associate(removed), added, prerequisitesChanged } };
        }
        // The failed update's list lacks what it added: adopted at Create, or ACTIVE before that
        // update, it stays; only what that update associated itself is dissociated.
        const adoptedAtCreate = removed.filter((id) => adopted?.includes(id));
        const toCheck = removed.filter((id) => !adopted?.includes(id));
        if (toCheck.length > 0) {
          return {
            physicalResourceId,
            timeoutSeconds,
            task: { ...associate([]), prerequisitesChanged, rollbackCheck: { packageIds: toCheck, adoptedAtCreate } },
          };
        }
        const note = adoptedAtCreate.length > 0 ? rollbackNote(situation, adoptedBeforeResource(adoptedAtCreate)) : undefined;
        return { physicalResourceId, timeoutSeconds, task: { ...associate([]), prerequisitesChanged }, note };
      }
      case 'Delete': {
        if (adopted === undefined) {
          // Not this resource's id: the driver answers without a call.
          return { physicalResourceId: basePhysicalId, timeoutSeconds };
        }
        const kept = situation.rollback ? adopted : [];
        const toDissociate = packages.map((p) => p.packageId).filter((id) => !kept.includes(id));
        const note = kept.length > 0 ? rollbackNote(situation, adoptedBeforeResource(kept)) : undefined;
        return {
          physicalResourceId: event.PhysicalResourceId!,
          timeoutSeconds,
          task: toDissociate.length > 0 ? dissociationTask(domainName, toDissociate) : undefined,
          note,
        };
      }
    }
  },

  async advance(task, context) {
    if (task.kind === 'dissociate') {
      return advanceDissociation(task, context);
    }
    if (task.rollbackCheck) {
      // Decided once in onEvent, and handed to the polls; decided again only if onEvent could not.
      const settled = await settleRollback(task, task.rollbackCheck, context);
      const progress = await this.advance(settled, context);
      return progress.done ? progress : { ...progress, task: progress.task ?? settled };
    }
    if (task.note !== undefined) {
      const { note, ...rest } = task;
      const progress = await this.advance(rest, context);
      if (progress.done) return { ...progress, data: { ...progress.data, Note: note } };
      return progress.task !== undefined ? { ...progress, task: { ...(progress.task as AssociationTask), note } } : progress;
    }
    if (task.dissociation.packageIds.length > 0) {
      const dissociated = await advanceDissociation(task.dissociation, context);
      if (!dissociated.done) {
        return { ...dissociated, waitingFor: `${dissociated.waitingFor}, then ${this.describe(task)}` };
      }
    }
    return advanceAssociation(task, context);
  },
};

const adoptedBeforeResource = (packageIds: string[]) =>
  `packages ${packageIds.join(', ')} were ACTIVE before this resource and are left as they are`;

/**
 * A rollback Update: of the packages the failed update added (`check`), those that update
 * associated itself are dissociated, and those it found ACTIVE are left. The physical id cannot
 * record what an Update adopts (a new id is a replacement), so the domain and the stack tell:
 * an association whose LastUpdated is not earlier than the moment CloudFormation started the
 * failed update of this resource (its stack events) was made by that update. A transient fault
 * reading the events is retried at the next poll. When that moment cannot be read (denied, not in
 * the events, or still faulting at the deadline), nothing is dissociated and the Note says so: a
 * leftover association can be removed by hand, a dissociated production package cannot be undone.
 */
async function settleRollback(
  task: AssociationTask,
  check: NonNullable<AssociationTask['rollbackCheck']>,
  context: StepContext,
): Promise<AssociationTask> {
  const associations = (await listDomainPackages(task.domainName)) ?? [];
  const onDomain = check.packageIds.flatMap((id) => associations.filter((association) => association.PackageID === id));
  let startedAt: Date | undefined;
  let unreadable: string | undefined;
  if (onDomain.length > 0) {
    try {
      startedAt = await forwardUpdateStartedAt(context.event.StackId, context.event.LogicalResourceId);
      if (startedAt === undefined) {
        unreadable = `the stack events show no UPDATE_IN_PROGRESS of ${context.event.LogicalResourceId} before the rollback`;
      }
    } catch (error) {
      if (isTransient(error) && context.mayMutate) {
        // Read again at the next poll; only the poll past the deadline settles without it.
        throw error;
      }
      unreadable = `DescribeStackEvents failed: ${errorName(error)}: ${errorMessage(error)}`;
    }
  }
  const madeByUpdate = onDomain
    .filter((association) => startedAt !== undefined && (association.LastUpdated?.getTime() ?? -Infinity) >= startedAt.getTime())
    .map((association) => association.PackageID!);
  const leftAlone = onDomain.map((association) => association.PackageID!).filter((id) => !madeByUpdate.includes(id));
  const parts = [
    ...(check.adoptedAtCreate.length > 0 ? [adoptedBeforeResource(check.adoptedAtCreate)] : []),
    ...(leftAlone.length > 0 && unreadable === undefined
      ? [`packages ${leftAlone.join(', ')} were ACTIVE before the update that failed and are left as they are`]
      : []),
    ...(leftAlone.length > 0 && unreadable !== undefined
      ? [
          `packages ${leftAlone.join(', ')} are left as they are: when the update that failed started could not be read (${unreadable}), ` +
            'so whether it associated them is unknown; dissociate them by hand if it did',
        ]
      : []),
  ];
  const note = parts.length > 0 ? rollbackNote(context.situation, parts.join('; ')) : undefined;
  if (note !== undefined) log(note);
  if (madeByUpdate.length > 0) log(`packages ${madeByUpdate.join(', ')} were associated by the update that failed: dissociating them`);
  return {
    ...task,
    dissociation: dissociationTask(task.domainName, [...task.dissociation.packageIds, ...madeByUpdate]),
    rollbackCheck: undefined,
    note,
  };
}

async function advanceAssociation(task: AssociationTask, context: StepContext): Promise<Progress> {
  const associations = await listDomainPackages(task.domainName);
  if (associations === undefined) {
    throw new ResourceFailure(
      `Domain ${task.domainName} not found in ${whereAsked(context.event)}; nothing was changed. ` +
        'Check the domain name, and deploy the stack to the account and region of the domain.',
    );
  }
  const on = (id: string) => associations.find((association) => association.PackageID === id);
  if (task.create && context.phase === 'event') {
    // What was ACTIVE before this resource is adopted, whatever its version; onEvent hands it over.
    task.create.adopted.push(...task.packages.map((p) => p.packageId).filter((id) => on(id)?.DomainPackageStatus === 'ACTIVE'));
  }
  const seen = task.packages.map((p) => `${p.packageId} ${on(p.packageId)?.DomainPackageStatus ?? 'not associated'}`).join(', ');
  const failed = task.packages.filter((p) => on(p.packageId)?.DomainPackageStatus === 'ASSOCIATION_FAILED');
  if (failed.length > 0 && context.phase === 'poll') {
    return failAssociation(task, associations, failed, seen, context);
  }
  const stuck = task.packages.filter((p) => on(p.packageId)?.DomainPackageStatus === 'DISSOCIATION_FAILED');
  if (stuck.length > 0) {
    // Neither associable nor going away by itself: waiting would only end at the deadline.
    const details = stuck.map(
      (p) =>
        `${p.packageId}: ${on(p.packageId)?.ErrorDetails?.ErrorType ?? 'DISSOCIATION_FAILED'}: ${on(p.packageId)?.ErrorDetails?.ErrorMessage ?? 'no details given'}`,
    );
    throw new ResourceFailure(
      `Packages of domain ${task.domainName} are DISSOCIATION_FAILED (${details.join('; ')}): they can be neither associated nor left to settle. ` +
        'Dissociate them in the OpenSearch console (remove them from every index first), then retry.',
    );
  }
  const isDone = (p: AssociatedPackageEntry) =>
    isActiveAtVersion(on(p.packageId), p) && !lacksPrerequisites(on(p.packageId)!, p, task, context);
  if (task.packages.every(isDone)) {
    return associated(task, context);
  }
  const toAssociate = task.packages.filter((p) => {
    const status = on(p.packageId)?.DomainPackageStatus;
    if (status === undefined) return !task.submitted?.includes(p.packageId) || context.phase === 'event';
    return status === 'ASSOCIATION_FAILED' || (status === 'ACTIVE' && !isDone(p));
  });
  const busy = associations.some((a) => a.DomainPackageStatus === 'ASSOCIATING' || a.DomainPackageStatus === 'DISSOCIATING');
  if (toAssociate.length === 0 || busy || !context.mayMutate) {
    return { done: false, waitingFor: packageAssociation.describe(task), lastSeen: seen };
  }
  try {
    await associatePackages(task.domainName, toAssociate);
    const submitted = toAssociate.map((p) => p.packageId);
    return {
      done: false,
      waitingFor: packageAssociation.describe(task),
      lastSeen: `AssociatePackages submitted for ${submitted.join(', ')}`,
      // Only onEvent's answer reaches the polls; `create.adopted` travels in the same task.
      task: context.phase === 'event' ? { ...task, submitted: [...(task.submitted ?? []), ...submitted] } : undefined,
    };
  } catch (error) {
    if (isAlreadyInDesiredState(error)) {
      return alreadyInDesiredState(task, toAssociate, context, error);
    }
    // A busy domain clears by itself: the next look at the domain says when.
    if (isTransient(error)) {
      log(`AssociatePackages ${task.domainName}: ${errorName(error)}, will look again at the next poll`);
      return {
        done: false,
        waitingFor: packageAssociation.describe(task),
        lastSeen: `${seen}; ${errorName(error)}: ${errorMessage(error)}`,
      };
    }
    throw callFailure('AssociatePackages', `on domain ${task.domainName}`, error, associateAdvice(toAssociate));
  }
}

/**
 * What to do about a refused AssociatePackages. AWS-owned packages have one id per engine version,
 * and a domain's engine upgrade gives its AWS-owned associations new ids
 * (terraform-provider-aws#39363): an old id is refused (how is not documented), which waiting
 * cannot change.
 */
function associateAdvice(asked: AssociatedPackageEntry[]): string {
  const awsOwned = asked.map((p) => p.packageId).filter(isAwsOwnedPackageId);
  const general = 'Check that every package is AVAILABLE and built for the engine version of the domain.';
  if (awsOwned.length === 0) return general;
  return (
    `${general} AWS-owned package ids (${awsOwned.join(', ')}) are per engine version and change when the domain's engine is upgraded: ` +
    "give the id DescribePackages lists for the domain's engine version."
  );
}

function associated(task: AssociationTask, context: StepContext): Progress {
  log(`packages ${task.packages.map((p) => p.packageId).join(', ')} are ACTIVE on domain ${task.domainName}: done`);
  const physicalResourceId = task.create
    ? packageAssociationPhysicalId(task.domainName, context.event.StackId, context.event.LogicalResourceId, task.create.adopted)
    : undefined;
  return { done: true, physicalResourceId };
}

/**
 * AssociatePackages answered "already in desired state" (terraform-provider-aws#46666): the
 * service counts the association done. ACTIVE at the listed version, it is taken as it is
 * (whatever prerequisites the domain reports); anything else is a contradiction the handler
 * cannot settle by waiting, and fails naming it.
 */
async function alreadyInDesiredState(
  task: AssociationTask,
  asked: AssociatedPackageEntry[],
  context: StepContext,
  error: unknown,
): Promise<Progress> {
  const answer = `${errorName(error)}: ${errorMessage(error)}`;
  const now = (await listDomainPackages(task.domainName)) ?? [];
  const on = (id: string) => now.find((association) => association.PackageID === id);
  // The call is refused as a whole, so which entry was "in desired state" is not said: the ones ACTIVE at their version.
  const takenAsIs = asked.filter((p) => isActiveAtVersion(on(p.packageId), p));
  const rest = asked.filter((p) => !takenAsIs.includes(p));
  if (takenAsIs.length === 0) {
    const shown = asked.map(
      (p) =>
        `${p.packageId} ${on(p.packageId)?.DomainPackageStatus ?? 'not associated'}` +
        `${on(p.packageId)?.PackageVersion ? ` at ${on(p.packageId)?.PackageVersion}` : ''}${p.packageVersion ? ` (listed at ${p.packageVersion})` : ''}`,
    );
    throw new ResourceFailure(
      `AssociatePackages on domain ${task.domainName} answered ${answer}, but the domain shows ${shown.join(', ')}. ` +
        'This resource assumes the service says so only of an ACTIVE association at the listed version; check the packages in the OpenSearch console, then retry.',
    );
  }
  const waiting = { done: false as const, waitingFor: packageAssociation.describe(task), lastSeen: answer };
  if (rest.length === 0 && takenAsIs.length > 1 && context.mayMutate) {
    // Several ACTIVE entries, and one of them may well need new prerequisites: asked one at a time,
    // each gets its own answer (the first accepted one makes the domain busy: the rest waits).
    for (const entry of takenAsIs) {
      try {
        await associatePackages(task.domainName, [entry]);
      } catch (again) {
        if (isAlreadyInDesiredState(again)) continue;
        if (isTransient(again)) return waiting;
        throw callFailure('AssociatePackages', `on domain ${task.domainName}`, again, associateAdvice([entry]));
      }
      return {
        ...waiting,
        lastSeen: `${answer}; AssociatePackages submitted for ${entry.packageId} alone`,
        task: context.phase === 'event' ? { ...task, submitted: [...(task.submitted ?? []), entry.packageId] } : undefined,
      };
    }
  }
  log(`AssociatePackages ${task.domainName}: ${answer}; packages ${takenAsIs.map((p) => p.packageId).join(', ')} are taken as they are`);
  if (task.packages.every((p) => isActiveAtVersion(on(p.packageId), p))) {
    return associated(task, context);
  }
  if (rest.length === 0 || !context.mayMutate) return waiting;
  try {
    await associatePackages(task.domainName, rest);
  } catch (again) {
    if (isTransient(again)) return waiting;
    throw callFailure('AssociatePackages', `on domain ${task.domainName}`, again, associateAdvice(rest));
  }
  const submitted = rest.map((p) => p.packageId);
  return {
    ...waiting,
    lastSeen: `${answer}; AssociatePackages submitted again for ${submitted.join(', ')}`,
    task: context.phase === 'event' ? { ...task, submitted: [...(task.submitted ?? []), ...submitted] } : undefined,
  };
}

/**
 * ASSOCIATION_FAILED: once nothing of the list is still associating, a Create dissociates what it
 * associated itself (never what it adopted) in one call, then fails with the service's words.
 */
async function failAssociation(
  task: AssociationTask,
  associations: DomainPackageDetails[],
  failed: AssociatedPackageEntry[],
  seen: string,
  context: StepContext,
): Promise<Progress> {
  const details = failed
    .map((p) => {
      const error = associations.find((a) => a.PackageID === p.packageId)?.ErrorDetails;
      return `${p.packageId}: ${error?.ErrorType ?? 'ASSOCIATION_FAILED'}: ${error?.ErrorMessage ?? 'no details given'}`;
    })
    .join('; ');
  let outcome = '';
  if (task.create) {
    const adopted = task.create.adopted;
    const ours = associations.filter(
      (a) =>
        task.packages.some((p) => p.packageId === a.PackageID) &&
        !adopted.includes(a.PackageID ?? '') &&
        (a.DomainPackageStatus === 'ACTIVE' || a.DomainPackageStatus === 'ASSOCIATION_FAILED'),
    );
    if (associations.some((a) => a.DomainPackageStatus === 'ASSOCIATING' || a.DomainPackageStatus === 'DISSOCIATING')) {
      return { done: false, waitingFor: `the other associations to settle before cleaning up (${details})`, lastSeen: seen };
    }
    if (ours.length > 0 && context.mayMutate) {
      // A fresh dissociation, as if onEvent asked. Whether ASSOCIATION_FAILED entries may be
      // dissociated is not documented: one the service refuses is left (it never took effect).
      const cleanup = dissociationTask(
        task.domainName,
        ours.map((a) => a.PackageID!),
      );
      await advanceDissociation(cleanup, { ...context, phase: 'event' });
      const left = cleanup.left ?? [];
      const going = ours.map((a) => a.PackageID!).filter((id) => !left.includes(id));
      if (going.length > 0) outcome = `What this Create associated (${going.join(', ')}) is being dissociated. `;
      if (left.length > 0) {
        outcome += `The service refused to dissociate ${left.join(', ')}, which never became ACTIVE: left on the domain, without effect. `;
      }
    }
  }
  throw new ResourceFailure(
    `AssociatePackages on domain ${task.domainName} failed: ${details}. ${outcome}Check the package and the domain's engine version, then retry.`,
  );
}
