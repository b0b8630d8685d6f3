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
} from '../lib/private/contracts/package';
import { Progress, ResourceFailure, ResourceKind, StepContext } from './lifecycle';
import { log } from './log';
import { previousProperties } from './previous-properties';
import { errorMessage, errorName, isTransient } from './opensearch';
import { createPackage, deletePackage, findPackageByName, latestCommitMessage, listDomainsForPackage, updatePackage } from './package-api';

interface PackageTarget {
  readonly props: PackageProperties;
  /** The owner mark the package's description ends with (see `ownerMark`). */
  readonly mark: string;
}

type PackageTask =
  /** Create, or a new name: CreatePackage, then wait until AVAILABLE. */
  | (PackageTarget & { readonly kind: 'create' })
  /** A new source: UpdatePackage with the source's commit message, then wait until AVAILABLE. */
  | (PackageTarget & { readonly kind: 'update-source'; readonly commitMessage: string })
  /** Only the description: UpdatePackage, no wait. */
  | (PackageTarget & { readonly kind: 'update-description' })
  /** Nothing to change: read the attributes again. */
  | (PackageTarget & { readonly kind: 'read' })
  /** DeletePackage, then wait until it is gone. */
  | (PackageTarget & { readonly kind: 'delete' });

const IMPORTING = new Set(['COPYING', 'VALIDATING']);
const IMPORT_FAILED = new Set(['COPY_FAILED', 'VALIDATION_FAILED']);

const sourceOf = (props: PackageProperties) => ({ bucket: props.s3BucketName, key: props.s3Key });
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
        const kind = previous.description !== props.description ? ('update-description' as const) : ('read' as const);
        return { physicalResourceId, timeoutSeconds, task: { ...target, kind } };
      }
      case 'Delete':
        return { physicalResourceId, timeoutSeconds, task: { ...target, kind: 'delete' as const } };
    }
  },

  async advance(task, context) {
    const found = await findPackageByName(task.props.packageName);
    const own = found !== undefined && (found.PackageDescription ?? '').endsWith(task.mark);
    if (task.kind === 'delete') {
      return advanceDelete(task, own ? found : undefined, found);
    }
    if (found !== undefined && !own) {
      throw new ResourceFailure(
        `Package name ${task.props.packageName} is taken by package ${found.PackageID}, which this resource did not make; it is left as it is. ` +
          'Choose another packageName, or delete that package.',
      );
    }
    if (task.kind === 'create') {
      return advanceCreate(task, found, context);
    }
    if (found === undefined) {
      throw new ResourceFailure(
        `Package ${task.props.packageName} not found: it was deleted outside CloudFormation. ` +
          'Give the package a new packageName so that CloudFormation makes it again.',
      );
    }
    switch (task.kind) {
      case 'update-source':
        return advanceSourceUpdate(task, found, context);
      case 'update-description': {
        const description = markedDescription(task.props.description, task.mark);
        if (found.PackageDescription === description || !context.mayMutate) {
          return available(found, task);
        }
        const updated = await updatePackage(found.PackageID!, sourceOf(task.props), description);
        return available(updated ?? found, task);
      }
      case 'read':
        return available(found, task);
    }
  },
};

/** Done once AVAILABLE, with the attributes; waits through COPYING and VALIDATING. */
function available(details: PackageDetails, task: PackageTask): Progress {
  const status = details.PackageStatus ?? 'unknown';
  if (status === 'AVAILABLE' || task.kind === 'read' || task.kind === 'update-description') {
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
    if (!context.mayMutate) {
      return { done: false, waitingFor: packageKind.describe(task), lastSeen: 'CreatePackage not yet accepted' };
    }
    try {
      const created = await createPackage({
        packageName: task.props.packageName,
        packageType: task.props.packageType,
        source: sourceOf(task.props),
        description: markedDescription(task.props.description, task.mark),
        engineVersion: task.props.engineVersion,
      });
      return {
        done: false,
        waitingFor: packageKind.describe(task),
        lastSeen: `CreatePackage submitted: ${created?.PackageID} ${created?.PackageStatus}`,
      };
    } catch (error) {
      // The name was taken meanwhile (by an earlier answer of ours that was lost, or by someone
      // else): the next look tells which.
      if (errorName(error) === 'ResourceAlreadyExistsException' || isTransient(error)) {
        log(`CreatePackage ${task.props.packageName}: ${errorName(error)}, will look again at the next poll`);
        return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${errorName(error)}: ${errorMessage(error)}` };
      }
      throw error;
    }
  }
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

async function advanceSourceUpdate(
  task: Extract<PackageTask, { kind: 'update-source' }>,
  found: PackageDetails,
  context: StepContext,
): Promise<Progress> {
  const status = found.PackageStatus ?? '';
  if (IMPORTING.has(status)) {
    return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${found.PackageID} ${status}` };
  }
  const applied = (await latestCommitMessage(found.PackageID!)) === task.commitMessage;
  if (applied && status === 'AVAILABLE') {
    return available(found, task);
  }
  if (IMPORT_FAILED.has(status) && context.phase === 'poll') {
    throw importFailure('UpdatePackage', task, found, `The package keeps version ${found.AvailablePackageVersion ?? 'none'}.`);
  }
  if (!context.mayMutate) {
    return {
      done: false,
      waitingFor: packageKind.describe(task),
      lastSeen: `${found.PackageID} ${status}; UpdatePackage not yet accepted`,
    };
  }
  const description = markedDescription(task.props.description, task.mark);
  const updated = await updatePackage(found.PackageID!, sourceOf(task.props), description, task.commitMessage);
  return { done: false, waitingFor: packageKind.describe(task), lastSeen: `UpdatePackage submitted: ${updated?.PackageStatus}` };
}

async function advanceDelete(task: PackageTask, own: PackageDetails | undefined, found: PackageDetails | undefined): Promise<Progress> {
  if (own === undefined) {
    log(
      found
        ? `package ${task.props.packageName} is ${found.PackageID}, which this resource did not make: left as it is, nothing to do`
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
    throw new ResourceFailure(
      `Package ${task.props.packageName} (${own.PackageID}) is still associated with domains ${domains.map((d) => d.DomainName).join(', ')}; ` +
        'dissociate it first (a PackageAssociation of the same stack is deleted before the package), then retry.',
    );
  }
  if (!(await deletePackage(own.PackageID!))) {
    return { done: true };
  }
  return { done: false, waitingFor: packageKind.describe(task), lastSeen: `${own.PackageID} DeletePackage submitted` };
}
