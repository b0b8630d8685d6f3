import { AWSServicePrincipal } from '@aws-sdk/client-opensearch';
import {
  VPC_ENDPOINT_ACCESS_TYPE,
  VpcEndpointAccessProperties,
  VpcEndpointOrigin,
  parseVpcEndpointAccessPhysicalId,
  parseVpcEndpointAccessProperties,
  principalOf,
  vpcEndpointAccessPhysicalId,
} from '../lib/private/contracts/vpc-endpoint';
import { Progress, ResourceFailure, ResourceKind, StepContext, callFailure } from './lifecycle';
import { log } from './log';
import { errorMessage, errorName, isNotFound, isTransient } from './opensearch';
import {
  PrincipalRequest,
  authorizeVpcEndpointAccess,
  listVpcEndpointAccess,
  listVpcEndpointsForDomain,
  revokeVpcEndpointAccess,
} from './vpc-endpoint-api';

type Wanted = Omit<VpcEndpointAccessProperties, 'timeoutSeconds'>;

type AccessTask =
  /** Authorize the principal, or adopt its authorization if it exists. `decided` once onEvent's Authorize met a transient fault. */
  | { readonly kind: 'authorize'; readonly wanted: Wanted; readonly decided?: 'authorize' }
  /** Revoke what this resource authorized, once the principal's endpoints to the domain are gone (or the user allows it). */
  | { readonly kind: 'revoke'; readonly wanted: Wanted };

const requestOf = (wanted: Wanted): PrincipalRequest =>
  wanted.principal.kind === 'account'
    ? { Account: wanted.principal.account }
    : { Service: wanted.principal.service as AWSServicePrincipal };

function subjectOf(wanted: Wanted): string {
  return `of ${wanted.principal.kind === 'account' ? 'account' : 'service'} ${principalOf(wanted)} to domain ${wanted.domainName}`;
}

/**
 * VpcEndpointAccess: the domain owner's authorization of an account (or of the OpenSearch UI
 * service) to make VPC endpoints to a domain. An authorization that existed before is adopted and
 * never revoked by this resource; one it made is revoked on Delete, but never while the account
 * still has endpoints to the domain, unless `AllowRevokeWhileInUse` says so.
 */
export const vpcEndpointAccess: ResourceKind<AccessTask> = {
  resourceType: VPC_ENDPOINT_ACCESS_TYPE,

  describe: (task) =>
    task.kind === 'authorize' ? `the authorization ${subjectOf(task.wanted)}` : `the authorization ${subjectOf(task.wanted)} to be revoked`,

  plan(event) {
    const props = parseVpcEndpointAccessProperties(event.ResourceProperties);
    const { timeoutSeconds, ...wanted } = props;
    const principal = principalOf(props);
    const held = parseVpcEndpointAccessPhysicalId(event.PhysicalResourceId);
    const provisionalId = vpcEndpointAccessPhysicalId(wanted.domainName, principal, 'created');
    switch (event.RequestType) {
      case 'Create':
        return { physicalResourceId: provisionalId, timeoutSeconds, task: { kind: 'authorize' as const, wanted } };
      case 'Update':
        if (held && held.domainName === wanted.domainName && held.principal === principal) {
          // Only AllowRevokeWhileInUse or TimeoutSeconds changed: the Delete reads them when it comes.
          return { physicalResourceId: event.PhysicalResourceId!, timeoutSeconds };
        }
        // Another domain or principal: a new authorization (CloudFormation then deletes the old resource).
        return { physicalResourceId: provisionalId, timeoutSeconds, task: { kind: 'authorize' as const, wanted } };
      case 'Delete':
        if (!held) {
          return { physicalResourceId: event.PhysicalResourceId ?? `${provisionalId}:not-made-here`, timeoutSeconds };
        }
        if (held.origin === 'adopted') {
          return {
            physicalResourceId: event.PhysicalResourceId!,
            timeoutSeconds,
            note: `the authorization ${subjectOf(wanted)} was there before this resource and is never revoked by it`,
          };
        }
        return { physicalResourceId: event.PhysicalResourceId!, timeoutSeconds, task: { kind: 'revoke' as const, wanted } };
    }
  },

  async advance(task, context) {
    return task.kind === 'authorize' ? advanceAuthorize(task, context) : advanceRevoke(task, context);
  },
};

async function isAuthorized(wanted: Wanted): Promise<boolean> {
  const principal = principalOf(wanted);
  return (await listVpcEndpointAccess(wanted.domainName)).some((p) => p.Principal === principal);
}

/** Whether the principal is still authorized; false as well when the domain is gone (its authorizations went with it). */
async function isAuthorizedOrGone(wanted: Wanted): Promise<boolean> {
  try {
    return await isAuthorized(wanted);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function done(wanted: Wanted, origin: VpcEndpointOrigin): Progress {
  return { done: true, physicalResourceId: vpcEndpointAccessPhysicalId(wanted.domainName, principalOf(wanted), origin) };
}

async function advanceAuthorize(task: Extract<AccessTask, { kind: 'authorize' }>, context: StepContext): Promise<Progress> {
  const { wanted } = task;
  const waitingFor = vpcEndpointAccess.describe(task);
  let present: boolean;
  try {
    present = await isAuthorized(wanted);
  } catch (error) {
    if (isNotFound(error)) {
      throw callFailure(
        'ListVpcEndpointAccess',
        subjectOf(wanted),
        error,
        `Domain ${wanted.domainName} must be in the account and region of this stack.`,
      );
    }
    if (!isTransient(error) || task.decided === 'authorize' || context.phase === 'poll') throw error;
    throw callFailure(
      'ListVpcEndpointAccess',
      subjectOf(wanted),
      error,
      'Nothing was authorized: this resource authorizes only after it has seen that no authorization exists. Deploy again.',
    );
  }
  if (present) {
    // Found after this resource's own Authorize was sent (a transient fault hid its answer): made here.
    const origin: VpcEndpointOrigin = task.decided === 'authorize' ? 'created' : 'adopted';
    if (origin === 'adopted')
      log(`the authorization ${subjectOf(wanted)} already exists: adopted, it will never be revoked by this resource`);
    return done(wanted, origin);
  }
  if (context.phase === 'poll' && task.decided !== 'authorize') {
    throw new ResourceFailure(
      `The authorization ${subjectOf(wanted)} was not made: the stack status could not be read when the update began, and only that first step ` +
        'may authorize, so that whether this resource made it is always known. Nothing was made; deploy again.',
    );
  }
  if (!context.mayMutate) {
    return { done: false, waitingFor, lastSeen: 'AuthorizeVpcEndpointAccess not yet made' };
  }
  try {
    await authorizeVpcEndpointAccess(wanted.domainName, requestOf(wanted), subjectOf(wanted));
  } catch (error) {
    if (isTransient(error)) {
      log(`AuthorizeVpcEndpointAccess ${subjectOf(wanted)}: ${errorName(error)}: ${errorMessage(error)}; will look again at the next poll`);
      return { done: false, waitingFor, lastSeen: `${errorName(error)}: ${errorMessage(error)}`, task: { ...task, decided: 'authorize' } };
    }
    const advice =
      errorName(error) === 'LimitExceededException'
        ? 'A domain has at most 10 authorized principals: revoke one first.'
        : `Domain ${wanted.domainName} must be a VPC domain in the account and region of this stack.`;
    throw callFailure('AuthorizeVpcEndpointAccess', subjectOf(wanted), error, advice);
  }
  return done(wanted, 'created');
}

async function advanceRevoke(task: Extract<AccessTask, { kind: 'revoke' }>, context: StepContext): Promise<Progress> {
  const { wanted } = task;
  const waitingFor = vpcEndpointAccess.describe(task);
  if (wanted.principal.kind === 'account' && !wanted.allowRevokeWhileInUse) {
    const account = wanted.principal.account;
    let theirs;
    try {
      theirs = (await listVpcEndpointsForDomain(wanted.domainName)).filter((e) => e.VpcEndpointOwner === account);
    } catch (error) {
      if (isNotFound(error)) {
        log(`domain ${wanted.domainName} not found: its authorizations went with it, nothing to do`);
        return { done: true };
      }
      throw error;
    }
    const live = theirs.filter((e) => e.Status !== 'DELETING');
    if (live.length > 0) {
      throw new ResourceFailure(
        `Account ${account} still has VPC endpoints to domain ${wanted.domainName}: ${live.map((e) => `${e.VpcEndpointId} (${e.Status})`).join(', ')}; ` +
          'nothing was revoked. Delete them first (the DomainVpcEndpoint in that account), or set allowRevokeWhileInUse to revoke anyway.',
      );
    }
    if (theirs.length > 0) {
      // Being deleted (the other stack is going at the same time): wait until they are gone.
      return { done: false, waitingFor, lastSeen: `endpoints ${theirs.map((e) => e.VpcEndpointId).join(', ')} DELETING` };
    }
  }
  if (!(await isAuthorizedOrGone(wanted))) {
    log(`the authorization ${subjectOf(wanted)} is already revoked: nothing to do`);
    return { done: true };
  }
  if (!context.mayMutate) {
    return { done: false, waitingFor, lastSeen: 'RevokeVpcEndpointAccess not yet made' };
  }
  try {
    await revokeVpcEndpointAccess(wanted.domainName, requestOf(wanted), subjectOf(wanted));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    log(`RevokeVpcEndpointAccess ${subjectOf(wanted)}: ${errorMessage(error)}; already revoked or the domain is gone, nothing to do`);
  }
  return { done: true };
}
