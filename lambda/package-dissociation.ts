import { DomainPackageDetails } from '@aws-sdk/client-opensearch';
import {
  PACKAGE_DISSOCIATION_TYPE,
  packageDissociationPhysicalId,
  parsePackageDissociationProperties,
} from '../lib/private/contracts/package-dissociation';
import { Progress, ResourceFailure, ResourceKind, StepContext, callFailure, rollbackNote, whereAsked } from './lifecycle';
import { log } from './log';
import { previousProperties } from './previous-properties';
import { dissociatePackages, domainExists, errorMessage, errorName, isTransient, listDomainPackages } from './opensearch';

/** Dissociate these packages from the domain and wait until they are gone from it. */
export interface DissociationTask {
  readonly kind: 'dissociate';
  readonly domainName: string;
  readonly packageIds: string[];
  /** The packages onEvent's DissociatePackages call was accepted for. */
  readonly submitted: string[];
  /**
   * When the service started onEvent's DissociatePackages (its answer's LastUpdated, the service's
   * clock, epoch ms): an association last updated before it was not made by this event.
   */
  submittedAt?: number;
  /**
   * ASSOCIATION_FAILED entries whose dissociation onEvent's call was refused: left on the domain
   * (where they never took effect) and named in the Note.
   */
  left?: string[];
}

type PackageTask =
  /** Create, or a new domain: the domain must exist. */
  { readonly kind: 'check-domain'; readonly domainName: string } | DissociationTask;

/** A dissociation task for these packages, nothing submitted yet. */
export function dissociationTask(domainName: string, packageIds: string[]): DissociationTask {
  return { kind: 'dissociate', domainName, packageIds, submitted: [] };
}

/** What a dissociation waits for, for messages. */
export function describeDissociation(task: DissociationTask): string {
  return `packages ${task.packageIds.join(', ')} to be dissociated from domain ${task.domainName}`;
}

/** AWS-owned package ids: `G` and digits (DescribePackages' PackageOwner AWS). */
export const isAwsOwnedPackageId = (packageId: string) => /^G[0-9]+$/.test(packageId);

/** Associations that DissociatePackages ends. DISSOCIATION_FAILED is retried only on a new event. */
const DISSOCIABLE = new Set(['ACTIVE', 'ASSOCIATION_FAILED']);

/**
 * PackageDissociation: on Delete, dissociates every listed package that is still associated, in
 * one DissociatePackages call, and waits until each is gone from ListPackagesForDomain. On Update,
 * dissociates only the packages removed from the list; a new domain is a replacement, whose old
 * resource's Delete empties the old domain. Create only checks that the domain exists.
 *
 * The packages were associated before this resource, so a rollback never dissociates them: a
 * Delete sent by a rollback, and an Update sent by one (whose list lacks what the failed update
 * had added), change nothing and check nothing. Packages a failed update dissociated stay
 * dissociated: the resource never associates.
 */
export const packageDissociation: ResourceKind<PackageTask> = {
  resourceType: PACKAGE_DISSOCIATION_TYPE,
  readsStackStatus: true,

  describe: (task) => (task.kind === 'check-domain' ? `domain ${task.domainName} to exist` : describeDissociation(task)),

  plan(event, situation) {
    const props = parsePackageDissociationProperties(event.ResourceProperties);
    const physicalResourceId = packageDissociationPhysicalId(props.domainName, event.StackId, event.LogicalResourceId);
    const { domainName, timeoutSeconds } = props;
    const dissociate = (packageIds: string[]) => dissociationTask(domainName, packageIds);
    const leftAlone = (packageIds: string[]) =>
      rollbackNote(
        situation,
        `packages ${packageIds.join(', ')} of domain ${domainName} were associated before this resource and are left as they are`,
      );
    switch (event.RequestType) {
      case 'Create':
        return { physicalResourceId, timeoutSeconds, task: { kind: 'check-domain' as const, domainName } };
      case 'Update': {
        const previous = previousProperties(event, parsePackageDissociationProperties);
        if (previous?.domainName !== domainName) {
          // In a rollback, back to the old domain: nothing to check, and a failed check would
          // leave the stack stuck in UPDATE_ROLLBACK_FAILED.
          const task = situation.rollback ? undefined : { kind: 'check-domain' as const, domainName };
          return { physicalResourceId, timeoutSeconds, task };
        }
        const removed = previous.packageIds.filter((id) => !props.packageIds.includes(id));
        const unchanged = event.PhysicalResourceId ?? physicalResourceId;
        if (removed.length > 0 && situation.rollback) {
          return { physicalResourceId: unchanged, timeoutSeconds, note: leftAlone(removed) };
        }
        return { physicalResourceId: unchanged, timeoutSeconds, task: removed.length > 0 ? dissociate(removed) : undefined };
      }
      case 'Delete':
        if (situation.rollback) {
          return { physicalResourceId, timeoutSeconds, note: leftAlone(props.packageIds) };
        }
        return { physicalResourceId, timeoutSeconds, task: dissociate(props.packageIds) };
    }
  },

  async advance(task: PackageTask, context: StepContext): Promise<Progress> {
    if (task.kind === 'check-domain') {
      if (await domainExists(task.domainName)) {
        return { done: true };
      }
      throw new ResourceFailure(
        `Domain ${task.domainName} not found in ${whereAsked(context.event)}; nothing was changed. ` +
          'Check the domain name, and deploy the stack to the account and region of the domain.',
      );
    }
    return advanceDissociation(task, context);
  },
};

/**
 * The dissociation step shared by PackageDissociation and PackageAssociation: one
 * DissociatePackages call for every listed package still associated (others are skipped), then
 * wait until each is gone from ListPackagesForDomain. A domain that is gone took its packages.
 */
export async function advanceDissociation(task: DissociationTask, context: StepContext): Promise<Progress> {
  const associations = await listDomainPackages(task.domainName);
  if (associations === undefined) {
    log(`domain ${task.domainName} not found: its packages went with it, nothing to do`);
    return { done: true };
  }
  const named = associations.filter((association) => task.packageIds.includes(association.PackageID ?? ''));
  const failed = named.filter((association) => association.DomainPackageStatus === 'DISSOCIATION_FAILED');
  if (context.phase === 'poll' && failed.length > 0) {
    throw dissociationFailure(task.domainName, failed);
  }
  // In a poll, a package onEvent submitted may still show ACTIVE for a moment: do not ask twice.
  const alreadyAsked = context.phase === 'poll' ? [...task.submitted, ...(task.left ?? [])] : [];
  const toDissociate = named
    .filter((association) => {
      const status = association.DomainPackageStatus ?? '';
      return DISSOCIABLE.has(status) || (context.phase === 'event' && status === 'DISSOCIATION_FAILED');
    })
    .map((association) => association.PackageID as string)
    .filter((id) => !alreadyAsked.includes(id));
  // An engine upgrade gives AWS-owned associations new ids (terraform-provider-aws#39363): a listed
  // one the domain does not show (and no call of this event ended) is done, and said so.
  const absentAwsOwned = task.packageIds.filter(
    (id) => isAwsOwnedPackageId(id) && !named.some((a) => a.PackageID === id) && !task.submitted.includes(id),
  );
  let lastSeen = named.map((association) => `${association.PackageID} ${association.DomainPackageStatus}`).join(', ');
  const left = new Set(task.left ?? []);
  if (toDissociate.length > 0 && !context.mayMutate) {
    lastSeen = `${lastSeen}; DissociatePackages not yet accepted for ${toDissociate.join(', ')}`;
  } else if (toDissociate.length > 0) {
    const submitted = await submitDissociation(task, toDissociate, context, lastSeen);
    lastSeen = submitted.lastSeen;
    submitted.left.forEach((id) => left.add(id));
  }
  const leftOnDomain = named.filter(
    (association) => left.has(association.PackageID ?? '') && association.DomainPackageStatus === 'ASSOCIATION_FAILED',
  );
  if (named.length === leftOnDomain.length) {
    const notes = [
      ...(leftOnDomain.length > 0
        ? [
            `packages ${leftOnDomain.map((a) => a.PackageID).join(', ')} never became ACTIVE on domain ${task.domainName} (ASSOCIATION_FAILED) ` +
              'and the service refused to dissociate them: they are left there, without effect; remove them in the OpenSearch console if you want the entries gone',
          ]
        : []),
      ...(absentAwsOwned.length > 0
        ? [
            `AWS-owned packages ${absentAwsOwned.join(', ')} are not associated with domain ${task.domainName}; ` +
              'an engine upgrade gives AWS-owned packages new ids, and any the domain shows under a new id are left as they are',
          ]
        : []),
    ];
    log(`packages ${task.packageIds.join(', ')} are not associated with domain ${task.domainName}: done`);
    if (notes.length === 0) return { done: true };
    const note = notes.join('; ');
    log(note);
    return { done: true, data: { Note: note } };
  }
  return { done: false, waitingFor: describeDissociation(task), lastSeen };
}

/**
 * Whether a refused DissociatePackages was about its ASSOCIATION_FAILED entries: nothing documents
 * that such an entry may be dissociated, and a refusal may come as ValidationException or as a
 * ConflictException (which otherwise means a busy domain). It was about them when the call named
 * some, the answer does not say the domain is busy ("in progress") or the package in use, no
 * association of the domain is moving, and every package of the call is still there.
 */
function refusedAssociationFailed(error: unknown, packageIds: string[], now: DomainPackageDetails[] | undefined): string[] {
  if (!['ConflictException', 'ValidationException'].includes(errorName(error))) return [];
  if (/in progress|\bin use\b/i.test(errorMessage(error))) return [];
  if (now === undefined || now.some((a) => a.DomainPackageStatus === 'ASSOCIATING' || a.DomainPackageStatus === 'DISSOCIATING')) return [];
  // A package of the call that has left meanwhile explains the refusal as well (see submitDissociation).
  if (packageIds.some((id) => !now.some((a) => a.PackageID === id))) return [];
  return now
    .filter((a) => packageIds.includes(a.PackageID ?? '') && a.DomainPackageStatus === 'ASSOCIATION_FAILED')
    .map((a) => a.PackageID!);
}

/**
 * Makes the one DissociatePackages call and says what was seen. A busy domain or a transient
 * fault leaves the call to the next poll. A refusal is checked against a fresh list: when a
 * package of the call has meanwhile left the domain or started leaving it (someone else
 * dissociated it, or an earlier answer of ours was lost), the refusal was about that, and the
 * rest is asked for at the next poll; otherwise the refusal is the answer.
 */
async function submitDissociation(
  task: DissociationTask,
  packageIds: string[],
  context: StepContext,
  lastSeen: string,
): Promise<{ lastSeen: string; left: string[] }> {
  const asked = packageIds.filter((id) => !(task.left ?? []).includes(id));
  if (asked.length === 0) return { lastSeen, left: [] };
  try {
    const startedAt = await dissociatePackages(task.domainName, asked);
    if (context.phase === 'event') {
      // onEvent hands this very task to isComplete: what it asked for goes with it.
      (task.submitted as string[]).push(...asked);
      task.submittedAt = startedAt;
    }
    return { lastSeen: `DissociatePackages submitted for ${asked.join(', ')}`, left: [] };
  } catch (error) {
    // A refusal is read against a fresh list (a busy domain's ConflictException looks the same).
    const mayBeRefusal = ['ConflictException', 'ValidationException'].includes(errorName(error));
    const now = mayBeRefusal || !isTransient(error) ? await listDomainPackages(task.domainName) : undefined;
    const refused = refusedAssociationFailed(error, asked, now);
    if (refused.length > 0) {
      log(
        `DissociatePackages ${task.domainName} refused for ASSOCIATION_FAILED ${refused.join(', ')} (${errorName(error)}): left as they are`,
      );
      if (context.phase === 'event') task.left = [...(task.left ?? []), ...refused];
      const rest = asked.filter((id) => !refused.includes(id));
      const again = await submitDissociation(task, rest, context, lastSeen);
      return { lastSeen: again.lastSeen, left: [...refused, ...again.left] };
    }
    if (isTransient(error)) {
      log(`DissociatePackages ${task.domainName}: ${errorName(error)}, will retry at the next poll`);
      return { lastSeen: `${lastSeen}; domain busy (${errorName(error)}: ${errorMessage(error)})`, left: [] };
    }
    const stillDissociable = (id: string) =>
      now?.some((association) => association.PackageID === id && association.DomainPackageStatus !== 'DISSOCIATING') ?? false;
    if (asked.some((id) => !stillDissociable(id))) {
      log(`DissociatePackages ${task.domainName} was refused (${errorName(error)}), but some of its packages have left meanwhile`);
      return { lastSeen: `${lastSeen}; packages left meanwhile (${errorName(error)}: ${errorMessage(error)})`, left: [] };
    }
    throw callFailure(
      'DissociatePackages',
      `on domain ${task.domainName}`,
      error,
      'Remove the packages from every index that uses them, then retry.',
    );
  }
}

function dissociationFailure(domainName: string, failed: DomainPackageDetails[]): ResourceFailure {
  const details = failed
    .map((association) => {
      const error = association.ErrorDetails;
      return `${association.PackageID}: ${error?.ErrorType ?? 'DISSOCIATION_FAILED'}: ${error?.ErrorMessage ?? 'no details given'}`;
    })
    .join('; ');
  return new ResourceFailure(
    `DissociatePackages on domain ${domainName} failed: ${details}. Remove the packages from every index that uses them, then retry.`,
  );
}
