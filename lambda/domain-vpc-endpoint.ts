import { VpcEndpoint } from '@aws-sdk/client-opensearch';
import {
  VPC_ENDPOINT_TYPE,
  VpcEndpointAttribute,
  VpcEndpointOrigin,
  VpcEndpointProperties,
  parseVpcEndpointPhysicalId,
  parseVpcEndpointProperties,
  vpcEndpointClientToken,
  vpcEndpointPhysicalId,
} from '../lib/private/contracts/vpc-endpoint';
import { Progress, ResourceEvent, ResourceFailure, ResourceKind, StepContext, callFailure, rollbackNote } from './lifecycle';
import { log } from './log';
import { errorMessage, errorName, isTransient } from './opensearch';
import { previousProperties } from './previous-properties';
import { createVpcEndpoint, deleteVpcEndpoint, describeVpcEndpoint, listVpcEndpoints, updateVpcEndpoint } from './vpc-endpoint-api';

type Wanted = Omit<VpcEndpointProperties, 'timeoutSeconds'>;

type EndpointTask =
  /**
   * Find (adopt) or make the endpoint, then wait until ACTIVE. onEvent decides: `created` or
   * `adopted` with the id, or `create` when its CreateVpcEndpoint met a transient fault (the polls
   * then send the same ClientToken again, which answers with the endpoint if it was made).
   */
  | {
      readonly kind: 'create';
      readonly wanted: Wanted;
      readonly clientToken: string;
      readonly vpcEndpointId?: string;
      readonly origin?: VpcEndpointOrigin;
      readonly decided?: 'create';
    }
  /** New subnets or security groups: UpdateVpcEndpoint, then wait until ACTIVE. */
  | { readonly kind: 'update'; readonly wanted: Wanted; readonly vpcEndpointId: string; readonly origin: VpcEndpointOrigin }
  /** Only report the endpoint's attributes. */
  | { readonly kind: 'status'; readonly vpcEndpointId: string }
  /** DeleteVpcEndpoint, then wait until the service no longer knows it. */
  | { readonly kind: 'delete'; readonly vpcEndpointId: string };

/** Statuses of an endpoint that is there to stay (or to become ACTIVE): a Create may adopt one. */
const ADOPTABLE: ReadonlySet<string> = new Set(['CREATING', 'ACTIVE', 'UPDATING', 'UPDATE_FAILED']);
/** Statuses to wait through before an Update or a Delete may act. */
const IN_FLIGHT: ReadonlySet<string> = new Set(['CREATING', 'UPDATING']);

const statusOf = (endpoint: VpcEndpoint | undefined) => endpoint?.Status ?? 'NOT_FOUND';
const sameIds = (a: string[] | undefined, b: string[]) => [...(a ?? [])].sort().join(',') === [...b].sort().join(',');

/** The account the handler acts in: the stack's, read from the stack ARN the request came with. */
function stackAccount(event: ResourceEvent): string {
  return event.StackId.split(':')[4] ?? '';
}

function subjectOf(wanted: Wanted): string {
  return `to domain ${wanted.domainArn} in ${wanted.vpcId}`;
}

/** The subnets and security groups are those wanted; no security group asked for = whatever the service chose. */
function optionsMatch(endpoint: VpcEndpoint, wanted: Wanted): boolean {
  const options = endpoint.VpcOptions;
  return (
    sameIds(options?.SubnetIds, wanted.subnetIds) &&
    (wanted.securityGroupIds.length === 0 || sameIds(options?.SecurityGroupIds, wanted.securityGroupIds))
  );
}

function describeOptions(endpoint: VpcEndpoint): string {
  const options = endpoint.VpcOptions;
  return `subnets ${(options?.SubnetIds ?? []).join(', ') || 'none'}, security groups ${(options?.SecurityGroupIds ?? []).join(', ') || 'none'}`;
}

function attributes(vpcEndpointId: string, endpoint: VpcEndpoint | undefined): Record<string, string> {
  return {
    [VpcEndpointAttribute.VPC_ENDPOINT_ID]: vpcEndpointId,
    [VpcEndpointAttribute.ENDPOINT]: endpoint?.Endpoint ?? '',
    [VpcEndpointAttribute.STATUS]: statusOf(endpoint),
  };
}

/**
 * DomainVpcEndpoint: an OpenSearch Service-managed interface VPC endpoint (AWS PrivateLink) of this
 * account to a domain of any account of the same region. Its physical id names the endpoint and
 * whether the resource created or adopted it, the only thing a later rollback needs to know.
 */
export const domainVpcEndpoint: ResourceKind<EndpointTask> = {
  resourceType: VPC_ENDPOINT_TYPE,
  readsStackStatus: true,

  describe: (task) => {
    switch (task.kind) {
      case 'create':
        return `VPC endpoint ${task.vpcEndpointId ?? subjectOf(task.wanted)} to be ACTIVE`;
      case 'update':
        return `VPC endpoint ${task.vpcEndpointId} to be updated and ACTIVE`;
      case 'status':
        return `the status of VPC endpoint ${task.vpcEndpointId}`;
      case 'delete':
        return `VPC endpoint ${task.vpcEndpointId} to be deleted`;
    }
  },

  plan(event, situation) {
    const props = parseVpcEndpointProperties(event.ResourceProperties);
    const { timeoutSeconds, ...wanted } = props;
    const provisionalId = `opensearch-vpc-endpoint:${wanted.domainName}:${wanted.vpcId}`;
    const held = parseVpcEndpointPhysicalId(event.PhysicalResourceId);
    const create = () => ({
      physicalResourceId: provisionalId,
      timeoutSeconds,
      task: {
        kind: 'create' as const,
        wanted,
        clientToken: vpcEndpointClientToken(event.StackId, event.LogicalResourceId, wanted.domainArn, wanted.vpcId),
      },
    });
    switch (event.RequestType) {
      case 'Create':
        return create();
      case 'Update': {
        const previous = previousProperties(event, parseVpcEndpointProperties);
        if (!held || previous === undefined || previous.domainArn !== props.domainArn || previous.vpcId !== props.vpcId) {
          // A new domain or VPC is a new endpoint (a replacement: CloudFormation then deletes the
          // old resource); during a rollback, the way back to the endpoint the old properties name.
          return create();
        }
        const kind =
          sameIds(previous.subnetIds, props.subnetIds) && sameIds(previous.securityGroupIds, props.securityGroupIds)
            ? ('status' as const)
            : ('update' as const);
        return {
          physicalResourceId: event.PhysicalResourceId!,
          timeoutSeconds,
          task:
            kind === 'status'
              ? { kind, vpcEndpointId: held.vpcEndpointId }
              : { kind, wanted, vpcEndpointId: held.vpcEndpointId, origin: held.origin },
        };
      }
      case 'Delete':
        if (!held) {
          return { physicalResourceId: `${provisionalId}:not-made-here`, timeoutSeconds };
        }
        if (situation.rollback && held.origin === 'adopted') {
          return {
            physicalResourceId: event.PhysicalResourceId!,
            timeoutSeconds,
            task: { kind: 'status' as const, vpcEndpointId: held.vpcEndpointId },
            note: rollbackNote(situation, `VPC endpoint ${held.vpcEndpointId} was there before this resource and is left as it is`),
          };
        }
        return {
          physicalResourceId: event.PhysicalResourceId!,
          timeoutSeconds,
          task: { kind: 'delete' as const, vpcEndpointId: held.vpcEndpointId },
        };
    }
  },

  async advance(task, context) {
    switch (task.kind) {
      case 'status': {
        const endpoint = await describeVpcEndpoint(task.vpcEndpointId);
        return { done: true, data: attributes(task.vpcEndpointId, endpoint) };
      }
      case 'delete':
        return advanceDelete(task, context);
      case 'update':
        return advanceUpdate(task, context);
      case 'create':
        return advanceCreate(task, context);
    }
  },
};

async function advanceDelete(task: Extract<EndpointTask, { kind: 'delete' }>, context: StepContext): Promise<Progress> {
  const waitingFor = domainVpcEndpoint.describe(task);
  const endpoint = await describeVpcEndpoint(task.vpcEndpointId);
  const status = statusOf(endpoint);
  if (endpoint === undefined) {
    log(`VPC endpoint ${task.vpcEndpointId} is gone: nothing (more) to do`);
    return { done: true };
  }
  if (status === 'DELETING' || IN_FLIGHT.has(status)) {
    return { done: false, waitingFor, lastSeen: status };
  }
  if (status === 'DELETE_FAILED' && context.phase === 'poll') {
    throw new ResourceFailure(
      `DeleteVpcEndpoint ${task.vpcEndpointId} ended DELETE_FAILED (the service gives no reason in its API). ` +
        'Look at the endpoint in the OpenSearch console (VPC endpoints), then retry the stack operation.',
    );
  }
  if (!context.mayMutate) {
    return { done: false, waitingFor, lastSeen: `${status}; DeleteVpcEndpoint not yet made` };
  }
  if (!(await deleteVpcEndpoint(task.vpcEndpointId))) {
    return { done: true };
  }
  return { done: false, waitingFor, lastSeen: 'DeleteVpcEndpoint submitted' };
}

async function advanceUpdate(task: Extract<EndpointTask, { kind: 'update' }>, context: StepContext): Promise<Progress> {
  const waitingFor = domainVpcEndpoint.describe(task);
  const physicalResourceId = vpcEndpointPhysicalId(task.vpcEndpointId, task.origin);
  const endpoint = await describeVpcEndpoint(task.vpcEndpointId);
  if (endpoint === undefined) {
    throw new ResourceFailure(
      `VPC endpoint ${task.vpcEndpointId} (${subjectOf(task.wanted)}) was not found: it was deleted outside CloudFormation. ` +
        'Remove the DomainVpcEndpoint from the stack and add it again (or give it a new id) so that CloudFormation makes a new one.',
    );
  }
  const status = statusOf(endpoint);
  if (IN_FLIGHT.has(status)) {
    return { done: false, waitingFor, lastSeen: status, physicalResourceId };
  }
  if (status === 'ACTIVE' && optionsMatch(endpoint, task.wanted)) {
    return { done: true, physicalResourceId, data: attributes(task.vpcEndpointId, endpoint) };
  }
  if (status === 'UPDATE_FAILED' && context.phase === 'poll') {
    throw new ResourceFailure(
      `UpdateVpcEndpoint ${task.vpcEndpointId} ended UPDATE_FAILED (the service gives no reason in its API); the endpoint keeps ${describeOptions(endpoint)}. ` +
        "Check that the subnets are in the endpoint's VPC, one per Availability Zone, and that the security groups exist, then deploy again.",
    );
  }
  if (status !== 'ACTIVE' && status !== 'UPDATE_FAILED') {
    throw new ResourceFailure(
      `VPC endpoint ${task.vpcEndpointId} is ${status}: it cannot be updated. Look at it in the OpenSearch console, then deploy again.`,
    );
  }
  if (!context.mayMutate) {
    return { done: false, waitingFor, lastSeen: `${status}; UpdateVpcEndpoint not yet made`, physicalResourceId };
  }
  const updated = await updateVpcEndpoint(task.vpcEndpointId, task.wanted.subnetIds, task.wanted.securityGroupIds);
  return { done: false, waitingFor, lastSeen: `UpdateVpcEndpoint submitted: ${statusOf(updated)}`, physicalResourceId };
}

type Found = { endpoint: VpcEndpoint; origin: VpcEndpointOrigin };

async function advanceCreate(task: Extract<EndpointTask, { kind: 'create' }>, context: StepContext): Promise<Progress> {
  const { wanted } = task;
  let found: Found | undefined;
  if (task.vpcEndpointId !== undefined) {
    const endpoint = await describeVpcEndpoint(task.vpcEndpointId);
    if (endpoint === undefined) {
      throw new ResourceFailure(
        `VPC endpoint ${task.vpcEndpointId} (${subjectOf(wanted)}) disappeared while waiting for it; deploy again to make a new one.`,
      );
    }
    found = { endpoint, origin: task.origin ?? 'adopted' };
  } else if (task.decided === 'create') {
    found = await createOrRetry(task, context);
  } else if (context.phase === 'event') {
    found = await adoptOrCreate(task, context);
  } else {
    found = await adoptOnly(task);
  }
  if (found === undefined) {
    // CreateVpcEndpoint met a transient fault: the polls send the same ClientToken again.
    return {
      done: false,
      waitingFor: domainVpcEndpoint.describe(task),
      lastSeen: 'CreateVpcEndpoint not yet answered',
      task: { ...task, decided: 'create' },
    };
  }
  const { endpoint, origin } = found;
  const vpcEndpointId = endpoint.VpcEndpointId;
  if (vpcEndpointId === undefined) {
    throw new ResourceFailure(`CreateVpcEndpoint ${subjectOf(wanted)} answered without an endpoint id; deploy again.`);
  }
  const physicalResourceId = vpcEndpointPhysicalId(vpcEndpointId, origin);
  const status = statusOf(endpoint);
  const next = { ...task, vpcEndpointId, origin, decided: undefined };
  if (status === 'ACTIVE') {
    return { done: true, physicalResourceId, data: attributes(vpcEndpointId, endpoint) };
  }
  if (IN_FLIGHT.has(status)) {
    return { done: false, waitingFor: `VPC endpoint ${vpcEndpointId} to be ACTIVE`, lastSeen: status, physicalResourceId, task: next };
  }
  let cleanup = '';
  if (origin === 'created' && status === 'CREATE_FAILED') {
    // CloudFormation's Delete after a failed Create never reaches this handler: clean up now.
    const submitted = context.mayMutate && (await deleteVpcEndpoint(vpcEndpointId));
    cleanup = submitted ? ' The endpoint this Create made is being deleted.' : ' The endpoint this Create made is left for you to delete.';
  }
  throw new ResourceFailure(
    `VPC endpoint ${vpcEndpointId} (${subjectOf(wanted)}) is ${status} (the service gives no reason in its API).${cleanup} ` +
      'Check that the subnets are in one VPC, one per Availability Zone, that the security groups exist, that the domain is a VPC domain, ' +
      `and that its owner authorized account ${stackAccount(context.event)} (VpcEndpointAccess), then deploy again.`,
  );
}

/** The adoptable endpoint of this account to the wanted domain in the wanted VPC, if any. */
async function findExisting(wanted: Wanted): Promise<VpcEndpoint | undefined> {
  const candidates = (await listVpcEndpoints(subjectOf(wanted))).filter(
    (summary) => summary.DomainArn === wanted.domainArn && ADOPTABLE.has(summary.Status ?? ''),
  );
  for (const candidate of candidates) {
    const endpoint = await describeVpcEndpoint(candidate.VpcEndpointId!);
    if (endpoint?.VpcOptions?.VPCId === wanted.vpcId && ADOPTABLE.has(statusOf(endpoint))) {
      return endpoint;
    }
  }
  return undefined;
}

/** An existing endpoint is only adopted as it is: one with other subnets or security groups is refused, never changed. */
function adopt(endpoint: VpcEndpoint, wanted: Wanted): Found {
  if (!optionsMatch(endpoint, wanted)) {
    throw new ResourceFailure(
      `VPC endpoint ${endpoint.VpcEndpointId} of this account already connects ${wanted.vpcId} to domain ${wanted.domainArn}, with ${describeOptions(endpoint)}; ` +
        `nothing was changed. Give the DomainVpcEndpoint the same subnets (${wanted.subnetIds.join(', ')} asked) and security groups to adopt it, or delete it first.`,
    );
  }
  log(`VPC endpoint ${endpoint.VpcEndpointId} (${subjectOf(wanted)}) already exists: adopted, no new one is made`);
  return { endpoint, origin: 'adopted' };
}

/**
 * onEvent's decision, as for OutboundConnection: an endpoint that exists is adopted, otherwise one
 * is created. A look-up that still fails after the SDK's retries fails the Create with nothing
 * made, so that whether this resource made the endpoint is always known.
 */
async function adoptOrCreate(task: Extract<EndpointTask, { kind: 'create' }>, context: StepContext): Promise<Found | undefined> {
  let existing: VpcEndpoint | undefined;
  try {
    existing = await findExisting(task.wanted);
  } catch (error) {
    if (!isTransient(error)) throw error;
    throw callFailure(
      'ListVpcEndpoints',
      subjectOf(task.wanted),
      error,
      'Nothing was made: this resource makes an endpoint only after it has seen that none exists. Deploy again.',
    );
  }
  if (existing !== undefined) {
    return adopt(existing, task.wanted);
  }
  return createOrRetry(task, context);
}

/** A poll without onEvent's decision (an Update whose stack status could not be read at first): adopt, never make. */
async function adoptOnly(task: Extract<EndpointTask, { kind: 'create' }>): Promise<Found> {
  const existing = await findExisting(task.wanted);
  if (existing === undefined) {
    throw new ResourceFailure(
      `VPC endpoint ${subjectOf(task.wanted)} was not made: the stack status could not be read when the update began, ` +
        'and only that first step may make an endpoint, so that whether this resource made it is always known. Nothing was made; deploy again.',
    );
  }
  return adopt(existing, task.wanted);
}

/**
 * CreateVpcEndpoint with the resource's ClientToken. Undefined when it met a transient fault: the
 * next poll sends the same token, and the service answers with the endpoint if it made one.
 */
async function createOrRetry(task: Extract<EndpointTask, { kind: 'create' }>, context: StepContext): Promise<Found | undefined> {
  if (!context.mayMutate) {
    return undefined;
  }
  try {
    const endpoint = await createVpcEndpoint({
      domainArn: task.wanted.domainArn,
      subnetIds: task.wanted.subnetIds,
      securityGroupIds: task.wanted.securityGroupIds,
      clientToken: task.clientToken,
    });
    return { endpoint, origin: 'created' };
  } catch (error) {
    if (isTransient(error)) {
      log(
        `CreateVpcEndpoint ${subjectOf(task.wanted)}: ${errorName(error)}: ${errorMessage(error)}; the same ClientToken is sent again at the next poll`,
      );
      return undefined;
    }
    const owner = task.wanted.domainOwnerId;
    const advice =
      errorName(error) === 'LimitExceededException'
        ? 'An account has at most 50 VPC endpoints per region and a domain at most 10: delete one first.'
        : stackAccount(context.event) === owner
          ? 'Check the subnets (one VPC, one per Availability Zone), the security groups, and that the domain is a VPC domain.'
          : `Check that the owner of the domain (account ${owner}) has authorized this account with a VpcEndpointAccess (AuthorizeVpcEndpointAccess), and the subnets and security groups.`;
    throw callFailure('CreateVpcEndpoint', subjectOf(task.wanted), error, advice);
  }
}
