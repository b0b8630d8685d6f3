import { PackageDetails } from '@aws-sdk/client-opensearch';
import {
  PACKAGE_TYPE,
  PackageAttribute,
  PackageProperties,
  markedDescription,
  ownerMark,
  packagePhysicalId,
  parsePackageProperties,
  sourceCommitMessage,
  sourceCopyKey,
} from '../lib/private/contracts/package';
import { Progress, ResourceFailure, ResourceKind, StepContext } from './lifecycle';
import { log } from './log';
import { previousProperties } from './previous-properties';
import { errorMessage, errorName, isTransient } from './opensearch';
import { createPackage, deletePackage, findPackagesByName, listDomainsForPackage, updatePackage, versionEntry } from './package-api';
import { copyObject, deleteObject } from './s3';

interface PackageTarget {
  readonly props: PackageProperties;
  /** The owner mark the package's description ends with (see `ownerMark`). */
  readonly mark: string;
}

/**
 * What onEvent's UpdatePackage left for the polls (a poll's own answer does not last): that it was
 * accepted, and the version the package had before. A poll never sends it again: a read that
 * does not show it yet is a stale read, not a lost request (each UpdatePackage imports a version).
 */
interface Submitted {
  readonly submitted?: { readonly versionBefore?: string };
}

type PackageTask =
  /** Create, or a new name: CreatePackage, then wait until AVAILABLE. */
  | (PackageTarget & { readonly kind: 'create' })
  /** A new source: UpdatePackage with the source's commit message, then wait until AVAILABLE. */
  | (PackageTarget & Submitted & { readonly kind: 'update-source'; readonly commitMessage: string })
  /**
   * Only the description: UpdatePackage (the only call that changes it; the source is required),
   * then wait until AVAILABLE with the description, since the service may import the file again.
   */
  | (PackageTarget & Submitted & { readonly kind: 'update-description'; readonly commitMessage: string })
  /** Nothing to change: read the attributes again. */
  | (PackageTarget & { readonly kind: 'read' })
  /** DeletePackage, then wait until it is gone. */
  | (PackageTarget & { readonly kind: 'delete' });

const IMPORTING = new Set(['COPYING', 'VALIDATING']);
const IMPORT_FAILED = new Set(['COPY_FAILED', 'VALIDATION_FAILED']);

const sourceOf = (props: PackageProperties) => ({ bucket: props.s3BucketName, key: props.s3Key });

/** Where the service reads the file from: the provider's copy when there is one (see `readableSource`). */
const importedFrom = (props: PackageProperties) =>
  props.sourceCopyBucket !== undefined
    ? { bucket: props.sourceCopyBucket, key: sourceCopyKey(props.packageName, props.s3Key) }
    : sourceOf(props);

/**
 * The source, readable by the service: a file it cannot read where it is (a CDK file asset in the
 * SSE-KMS staging bucket: "OpenSearch Service can't access files on S3 that you protect using an
 * AWS KMS key", developer guide, Custom packages) is first copied into the provider's SSE-S3
 * bucket. Copied again before every import, so that a rollback to an earlier file finds it.
 */
async function readableSource(props: PackageProperties): Promise<{ bucket: string; key: string }> {
  const target = importedFrom(props);
  if (props.sourceCopyBucket === undefined) return target;
  try {
    await copyObject(sourceOf(props), target);
  } catch (error) {
    if (isTransient(error)) throw error;
    throw new ResourceFailure(
      `Copying the package file ${describeSource(props)} to the provider's bucket failed: ${errorName(error)}: ${errorMessage(error).replace(/\.$/, '')}. ` +
        "Check that the asset was published (cdk deploy uploads it), and that the CDK staging bucket's KMS key lets the provider's role decrypt " +
        '(the AWS managed key does; a customer managed bootstrap key needs kms:Decrypt granted to it).',
    );
  }
  return target;
}

/** Removes the provider's copy once the service has imported it (or failed to); a failure only costs a log line. */
async function removeCopy(task: PackageTask): Promise<void> {
  if (task.props.sourceCopyBucket === undefined || task.kind === 'read' || task.kind === 'delete') return;
  try {
    await deleteObject(importedFrom(task.props));
  } catch (error) {
    log(`the copy of the package file stays (a lifecycle rule expires it): ${errorName(error)}: ${errorMessage(error)}`);
  }
}
const describeSource = (props: PackageProperties) => `s3://${props.s3BucketName}/${props.s3Key}`;

/**
 * Package: CreatePackage / UpdatePackage / DeletePackage, each waited for. The physical id is the
 * package name (unique per account and region). A package is this resource's when its description
 * ends with the resource's owner mark, made from the stack id and the logical id: a retried or
 * crashed Create goes on with such a package instead of making a second one, and a package of the
 * name without the mark is someone else's and is never touched.
 */
export const packageKind: ResourceKind<PackageTask> = {
  resourceType: PACKAGE_TYPE,

  describe: (task) => {
    const name = task.props.packageName;
    switch (task.kind) {
      case 'create':
        return `package ${name} to be imported from ${describeSource(task.props)} and AVAILABLE`;
      case 'update-source':
        return `package ${name} to be updated from ${describeSource(task.props)} and AVAILABLE`;
      case 'update-description':
        return `the description of package ${name} to be updated`;
      case 'read':
        return `package ${name} to be read`;
      case 'delete':
        return `package ${name} to be deleted`;
    }
  },

  plan(event) {
    const props = parsePackageProperties(event.ResourceProperties);
    const target = { props, mark: ownerMark(event.StackId, event.LogicalResourceId) };
    const physicalResourceId = packagePhysicalId(props.packageName);
    const { timeoutSeconds } = props;
    switch (event.RequestType) {
      case 'Create':
        return { physicalResourceId, timeoutSeconds, task: { ...target, kind: 'create' as const } };
      case 'Update': {
        const previous = previousProperties(event, parsePackageProperties);
        if (previous?.packageName !== props.packageName) {
          return { physicalResourceId, timeoutSeconds, task: { ...target, kind: 'create' as const } };
        }
        if (previous.packageType !== props.packageType || previous.engineVersion !== props.engineVersion) {
          throw new ResourceFailure(
            `Package ${props.packageName}: the service cannot change a package's type or engine version, and package names are unique. ` +
              'Give the package a new packageName as well: CloudFormation then makes the new package and deletes the old one.',
          );
        }
        if (previous.s3BucketName !== props.s3BucketName || previous.s3Key !== props.s3Key) {
          const commitMessage = sourceCommitMessage(props.s3BucketName, props.s3Key);
          return { physicalResourceId, timeoutSeconds, task: { ...target, kind: 'update-source' as const, commitMessage } };
        }
        if (previous.description !== props.description) {
          const commitMessage = sourceCommitMessage(props.s3BucketName, props.s3Key);
          return { physicalResourceId, timeoutSeconds, task: { ...target, kind: 'update-description' as const, commitMessage } };
        }
        return { physicalResourceId, timeoutSeconds, task: { ...target, kind: 'read' as const } };
      }
      case 'Delete':
        return { physicalResourceId, timeoutSeconds, task: { ...target, kind: 'delete' as const } };
    }
  },

  async advance(task, context) {
    try {
      const progress = await advancePackage(task, context);
      if (progress.done) await removeCopy(task);
      return progress;
    } catch (error) {
      if (error instanceof ResourceFailure) await removeCopy(task);
      throw error;
    }
  },
};

async function advancePackage(task: PackageTask, context: StepContext): Promise<Progress> {
  {
    // Names repeat in DescribePackages (AWS-owned and partner packages): ours is the one with the mark.
    const named = await findPackagesByName(task.props.packageName);
    const own = named.find((details) => (details.PackageDescription ?? '').endsWith(task.mark));
    const others = named.filter((details) => details !== own);
    if (task.kind === 'delete') {
      return advanceDelete(task, own, others, context);
    }
    if (task.kind === 'create') {
      return advanceCreate(task, own, context);
    }
    if (own === undefined) {
      throw new ResourceFailure(
        `Package ${task.props.packageName} not found: it was deleted outside CloudFormation` +
          (others.length > 0 ? ` (${describeOthers(others)} of that name are not this resource's and are left as they are)` : '') +
          '. Give the package a new packageName so that CloudFormation makes it again.',
      );
    }
    switch (task.kind) {
      case 'update-source':
        return advanceSourceUpdate(task, own, context);
      case 'update-description':
        return advanceDescriptionUpdate(task, own, context);
      case 'read':
        return available(own, task);
    }
  }
}

/** "package F1 (owner AWS), package pkg-2 (owner self)", for messages. */
function describeOthers(others: PackageDetails[]): string {
  return others.map((p) => `package ${p.PackageID} (owner ${p.PackageOwner ?? 'not given'})`).join(', ');
}

/**
 * How long a Create waits when CreatePackage says the name exists but DescribePackages shows no
 * package of it, and a Delete waits while ListDomainsForPackage still lists a domain: the two
 * read paths have no documented consistency (Terraform's provider waits 30 seconds before its
 * first association read), so a short lag is waited out, and anything longer is an answer.
 */
export const READ_LAG_GRACE_MS = 120_000;

/** Done once AVAILABLE, with the attributes; waits through COPYING and VALIDATING. */
function available(details: PackageDetails, task: PackageTask): Progress {
  const status = details.PackageStatus ?? 'unknown';
  if (status === 'AVAILABLE' || task.kind === 'read') {
    return {
      done: true,
      data: {
        [PackageAttribute.PACKAGE_ID]: details.PackageID ?? '',
        [PackageAttribute.PACKAGE_VERSION]: details.AvailablePackageVersion ?? '',
        [PackageAttribute.PACKAGE_STATUS]: status,
      },
    };
  }
  return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${details.PackageID} ${status}` };
}

function importFailure(operation: string, task: PackageTask, details: PackageDetails, outcome: string): ResourceFailure {
  const error = details.ErrorDetails;
  return new ResourceFailure(
    `${operation} ${task.props.packageName} (${details.PackageID}) failed: ${details.PackageStatus}: ` +
      `${error?.ErrorType ?? 'no error type given'}: ${error?.ErrorMessage ?? 'no details given'}. ${outcome} ` +
      `Check that ${describeSource(task.props)} exists, is readable by the handler's role and is not encrypted with SSE-KMS, and that the file is valid.`,
  );
}

async function advanceCreate(task: PackageTask, found: PackageDetails | undefined, context: StepContext): Promise<Progress> {
  if (found === undefined) {
    return submitCreate(task, context);
  }
  return settleCreate(task, found);
}

/**
 * CreatePackage. Whether a name is taken is decided by CreatePackage alone: DescribePackages also
 * shows AWS-owned and partner packages, whose names the account may or may not reuse. When it
 * answers "already exists", a fresh look says whether the package is this resource's (an earlier
 * answer of ours was lost); if not, the name is someone else's.
 */
async function submitCreate(task: PackageTask, context: StepContext): Promise<Progress> {
  {
    if (!context.mayMutate) {
      return { done: false, waitingFor: packageKind.describe(task), lastSeen: 'CreatePackage not yet accepted' };
    }
    try {
      const created = await createPackage({
        packageName: task.props.packageName,
        packageType: task.props.packageType,
        source: await readableSource(task.props),
        description: markedDescription(task.props.description, task.mark),
        engineVersion: task.props.engineVersion,
      });
      return {
        done: false,
        waitingFor: packageKind.describe(task),
        lastSeen: `CreatePackage submitted: ${created?.PackageID} ${created?.PackageStatus}`,
      };
    } catch (error) {
      if (errorName(error) === 'ResourceAlreadyExistsException') {
        return nameTaken(task, context, error);
      }
      if (isTransient(error)) {
        log(`CreatePackage ${task.props.packageName}: ${errorName(error)}, will look again at the next poll`);
        return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${errorName(error)}: ${errorMessage(error)}` };
      }
      throw error;
    }
  }
}

/** CreatePackage said the name exists: ours (go on), someone else's (fail), or not visible yet (wait a little). */
async function nameTaken(task: PackageTask, context: StepContext, error: unknown): Promise<Progress> {
  const named = await findPackagesByName(task.props.packageName);
  const own = named.find((details) => (details.PackageDescription ?? '').endsWith(task.mark));
  const answer = `${errorName(error)}: ${errorMessage(error)}`;
  if (own !== undefined) {
    log(`CreatePackage ${task.props.packageName}: ${errorName(error)}, and the package is this resource's (${own.PackageID})`);
    return settleCreate(task, own);
  }
  if (named.length > 0) {
    throw new ResourceFailure(
      `Package name ${task.props.packageName} is taken by ${describeOthers(named)}, which this resource did not make; it is left as it is ` +
        `(CreatePackage: ${answer}). Choose another packageName, or delete that package.`,
    );
  }
  if (context.now - context.startedAt < READ_LAG_GRACE_MS) {
    return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${answer}; no package of that name is shown yet` };
  }
  throw new ResourceFailure(
    `CreatePackage ${task.props.packageName} failed: ${answer}, yet DescribePackages shows no package of that name ` +
      '(a package being deleted may still hold it). Wait a few minutes, or choose another packageName, then retry.',
  );
}

/** The package this Create made: AVAILABLE is done, a failed import is deleted and reported. */
async function settleCreate(task: PackageTask, found: PackageDetails): Promise<Progress> {
  const status = found.PackageStatus ?? '';
  if (IMPORT_FAILED.has(status)) {
    // Only this Create's package gets here (the owner mark): nothing existed before it.
    await deletePackage(found.PackageID!);
    throw importFailure('CreatePackage', task, found, 'The package this Create made was deleted.');
  }
  if (status === 'DELETING' || status === 'DELETE_FAILED') {
    throw new ResourceFailure(
      `Package ${task.props.packageName} (${found.PackageID}) is ${status}: it is being deleted outside this resource. Wait until it is gone, then retry.`,
    );
  }
  return available(found, task);
}

/**
 * A new source: done once the version the package makes available carries this source's commit
 * message. That entry is found by its version, not by its place in the history (whose order is
 * not documented).
 */
async function advanceSourceUpdate(
  task: Extract<PackageTask, { kind: 'update-source' }>,
  found: PackageDetails,
  context: StepContext,
): Promise<Progress> {
  const status = found.PackageStatus ?? '';
  if (IMPORTING.has(status)) {
    return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${found.PackageID} ${status}` };
  }
  const entry =
    found.AvailablePackageVersion !== undefined ? await versionEntry(found.PackageID!, found.AvailablePackageVersion) : undefined;
  const applied = entry?.CommitMessage === task.commitMessage;
  if (applied && status === 'AVAILABLE') {
    return available(found, task);
  }
  if (IMPORT_FAILED.has(status) && context.phase === 'poll') {
    throw importFailure('UpdatePackage', task, found, `The package keeps version ${found.AvailablePackageVersion ?? 'none'}.`);
  }
  return submitUpdate(task, found, context, `${found.PackageID} ${status} at ${found.AvailablePackageVersion ?? 'no version'}`);
}

/**
 * A new description: UpdatePackage is the only call that changes it and needs the source, and
 * whether the service then imports the file again (a new version, COPYING first) is not
 * documented; so it is done once the package is AVAILABLE with the new description, and an
 * import that fails is reported like any other.
 */
async function advanceDescriptionUpdate(
  task: Extract<PackageTask, { kind: 'update-description' }>,
  found: PackageDetails,
  context: StepContext,
): Promise<Progress> {
  const status = found.PackageStatus ?? '';
  const described = found.PackageDescription === markedDescription(task.props.description, task.mark);
  if (IMPORT_FAILED.has(status) && (described || context.phase === 'poll')) {
    throw importFailure('UpdatePackage', task, found, `The package keeps version ${found.AvailablePackageVersion ?? 'none'}.`);
  }
  if (IMPORTING.has(status) || (described && status === 'AVAILABLE')) {
    return available(found, task);
  }
  return submitUpdate(task, found, context, `${found.PackageID} ${status}, description not yet changed`);
}

/** UpdatePackage, unless onEvent's was accepted already (then a poll that does not show it waits). */
async function submitUpdate(
  task: Extract<PackageTask, { kind: 'update-source' | 'update-description' }>,
  found: PackageDetails,
  context: StepContext,
  seen: string,
): Promise<Progress> {
  const waitingFor = packageKind.describe(task);
  if (task.submitted !== undefined && context.phase === 'poll') {
    return { done: false, waitingFor, lastSeen: `${seen}; UpdatePackage accepted at version ${task.submitted.versionBefore ?? 'none'}` };
  }
  if (!context.mayMutate) {
    return { done: false, waitingFor, lastSeen: `${seen}; UpdatePackage not yet accepted` };
  }
  const description = markedDescription(task.props.description, task.mark);
  const updated = await updatePackage(found.PackageID!, await readableSource(task.props), description, task.commitMessage);
  return {
    done: false,
    waitingFor,
    lastSeen: `UpdatePackage submitted: ${updated?.PackageStatus}`,
    // Only onEvent's answer reaches the polls.
    task: context.phase === 'event' ? { ...task, submitted: { versionBefore: found.AvailablePackageVersion } } : undefined,
  };
}

async function advanceDelete(
  task: PackageTask,
  own: PackageDetails | undefined,
  others: PackageDetails[],
  context: StepContext,
): Promise<Progress> {
  if (own === undefined) {
    log(
      others.length > 0
        ? `package ${task.props.packageName} is gone; ${describeOthers(others)} of that name are not this resource's: left as they are, nothing to do`
        : `package ${task.props.packageName} is already gone: nothing to do`,
    );
    return { done: true };
  }
  const status = own.PackageStatus ?? '';
  if (status === 'DELETING') {
    return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${own.PackageID} DELETING` };
  }
  if (status === 'DELETE_FAILED') {
    throw new ResourceFailure(
      `DeletePackage ${task.props.packageName} (${own.PackageID}) failed: ${own.ErrorDetails?.ErrorType ?? 'DELETE_FAILED'}: ` +
        `${own.ErrorDetails?.ErrorMessage ?? 'no details given'}. Retry the stack operation.`,
    );
  }
  const domains = await listDomainsForPackage(own.PackageID!);
  if (domains.length > 0) {
    return stillAssociated(
      task,
      own,
      context,
      domains.map((d) => `${d.DomainName} ${d.DomainPackageStatus ?? ''}`.trim()).join(', '),
      domains.some((d) => d.DomainPackageStatus === 'DISSOCIATING'),
    );
  }
  if (!context.mayMutate) {
    return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${own.PackageID} ${status}; DeletePackage not yet accepted` };
  }
  try {
    if (!(await deletePackage(own.PackageID!))) {
      return { done: true };
    }
  } catch (error) {
    // "In use" from DeletePackage is the same fact as a listed domain, seen by another read path.
    if (errorName(error) === 'ConflictException') {
      return stillAssociated(task, own, context, `DeletePackage: ${errorName(error)}: ${errorMessage(error)}`, false);
    }
    throw error;
  }
  return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${own.PackageID} DeletePackage submitted` };
}

/**
 * The package still shows associations. Right after the PackageAssociation's Delete (which waits
 * until the domain no longer lists the package) that may be ListDomainsForPackage lagging behind
 * ListPackagesForDomain: waited out while an association is DISSOCIATING and for
 * READ_LAG_GRACE_MS, then it is an answer.
 */
function stillAssociated(task: PackageTask, own: PackageDetails, context: StepContext, seen: string, dissociating: boolean): Progress {
  if (dissociating || context.now - context.startedAt < READ_LAG_GRACE_MS) {
    return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${own.PackageID} still associated: ${seen}` };
  }
  throw new ResourceFailure(
    `Package ${task.props.packageName} (${own.PackageID}) is still associated (${seen}) after ${READ_LAG_GRACE_MS / 60_000} minutes; ` +
      'dissociate it first (a PackageAssociation of the same stack is deleted before the package), then retry.',
  );
}
