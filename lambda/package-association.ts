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
import { errorMessage, errorName, isTransient, listDomainPackages } from './opensearch';
import { associatePackages } from './package-api';
import { DissociationTask, advanceDissociation, describeDissociation, dissociationTask } from './package-dissociation';

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
}

type Task = AssociationTask | DissociationTask;

/** The same package ids, in any order; no list and an empty list are the same. */
const sameIds = (a: readonly string[] | undefined, b: readonly string[]) => [...(a ?? [])].sort().join(',') === [...b].sort().join(',');

/**
 * ACTIVE on the domain as listed: at the listed version, and with the listed prerequisites (an
 * association made with other prerequisites is made again, so the domain gets the new ones).
 */
const isActiveAt = (association: DomainPackageDetails | undefined, entry: AssociatedPackageEntry) =>
  association?.DomainPackageStatus === 'ACTIVE' &&
  (entry.packageVersion === undefined || association.PackageVersion === undefined || association.PackageVersion === entry.packageVersion) &&
  sameIds(association.PrerequisitePackageIDList, entry.prerequisitePackageIds);

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
        if (!situation.rollback) {
          return { physicalResourceId, timeoutSeconds, task: associate(removed) };
        }
        // The failed update's list lacks what it added: adopted at Create, or ACTIVE before that
        // update, it stays; only what that update associated itself is dissociated.
        const adoptedAtCreate = removed.filter((id) => adopted?.includes(id));
        const toCheck = removed.filter((id) => !adopted?.includes(id));
        if (toCheck.length > 0) {
          return {
            physicalResourceId,
            timeoutSeconds,
            task: { ...associate([]), rollbackCheck: { packageIds: toCheck, adoptedAtCreate } },
          };
        }
        const note = adoptedAtCreate.length > 0 ? rollbackNote(situation, adoptedBeforeResource(adoptedAtCreate)) : undefined;
        return { physicalResourceId, timeoutSeconds, task: associate([]), note };
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
      return progress.done ? progress : { ...progress, task: settled };
    }
    if (task.note !== undefined) {
      const { note, ...rest } = task;
      const progress = await this.advance(rest, context);
      return progress.done ? { ...progress, data: { ...progress.data, Note: note } } : progress;
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
  if (task.packages.every((p) => isActiveAt(on(p.packageId), p))) {
    log(`packages ${task.packages.map((p) => p.packageId).join(', ')} are ACTIVE on domain ${task.domainName}: done`);
    const physicalResourceId = task.create
      ? packageAssociationPhysicalId(task.domainName, context.event.StackId, context.event.LogicalResourceId, task.create.adopted)
      : undefined;
    return { done: true, physicalResourceId };
  }
  const toAssociate = task.packages.filter((p) => {
    const status = on(p.packageId)?.DomainPackageStatus;
    return status === undefined || status === 'ASSOCIATION_FAILED' || (status === 'ACTIVE' && !isActiveAt(on(p.packageId), p));
  });
  const busy = associations.some((a) => a.DomainPackageStatus === 'ASSOCIATING' || a.DomainPackageStatus === 'DISSOCIATING');
  if (toAssociate.length === 0 || busy || !context.mayMutate) {
    return { done: false, waitingFor: packageAssociation.describe(task), lastSeen: seen };
  }
  try {
    await associatePackages(task.domainName, toAssociate);
    return {
      done: false,
      waitingFor: packageAssociation.describe(task),
      lastSeen: `AssociatePackages submitted for ${toAssociate.map((p) => p.packageId).join(', ')}`,
    };
  } catch (error) {
    // "Package is already in desired state" (ConflictException) and a busy domain both clear by
    // themselves: the next look at the domain says which.
    if (isTransient(error)) {
      log(`AssociatePackages ${task.domainName}: ${errorName(error)}, will look again at the next poll`);
      return {
        done: false,
        waitingFor: packageAssociation.describe(task),
        lastSeen: `${seen}; ${errorName(error)}: ${errorMessage(error)}`,
      };
    }
    throw callFailure(
      'AssociatePackages',
      `on domain ${task.domainName}`,
      error,
      'Check that every package is AVAILABLE and built for the engine version of the domain.',
    );
  }
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
      // A fresh dissociation, as if onEvent asked: ASSOCIATION_FAILED entries are dissociable too.
      await advanceDissociation(
        dissociationTask(
          task.domainName,
          ours.map((a) => a.PackageID!),
        ),
        { ...context, phase: 'event' },
      );
      outcome = `What this Create associated (${ours.map((a) => a.PackageID).join(', ')}) is being dissociated. `;
    }
  }
  throw new ResourceFailure(
    `AssociatePackages on domain ${task.domainName} failed: ${details}. ${outcome}Check the package and the domain's engine version, then retry.`,
  );
}
