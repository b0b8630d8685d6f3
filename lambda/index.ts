/**
 * The Lambda entry points of the shared provider: `index.onEvent` and `index.isComplete`.
 * Each request is routed by its custom resource type to the module of that kind.
 */
import { domainVpcEndpoint } from './domain-vpc-endpoint';
import { inboundConnectionAcceptance } from './inbound-connection-acceptance';
import { inboundConnectionDeletion } from './inbound-connection-deletion';
import { inboundConnectionRejection } from './inbound-connection-rejection';
import {
  Handover,
  IsCompleteEvent,
  IsCompleteResult,
  ResourceEvent,
  ResourceFailure,
  ResourceKind,
  handleEvent,
  handleIsComplete,
} from './lifecycle';
import { outboundConnection } from './outbound-connection';
import { packageKind } from './package';
import { packageAssociation } from './package-association';
import { packageDissociation } from './package-dissociation';
import { vpcEndpointAccess } from './vpc-endpoint-access';
import { roleMembership } from './role-membership';
import { securityRole } from './security-role';

const KINDS: ReadonlyArray<ResourceKind<unknown>> = [
  inboundConnectionRejection,
  inboundConnectionDeletion,
  packageDissociation,
  outboundConnection,
  inboundConnectionAcceptance,
  packageKind,
  packageAssociation,
  domainVpcEndpoint,
  vpcEndpointAccess,
  securityRole,
  roleMembership,
] as ReadonlyArray<ResourceKind<unknown>>;

function kindOf(event: ResourceEvent): ResourceKind<unknown> {
  const kind = KINDS.find((candidate) => candidate.resourceType === event?.ResourceType);
  if (!kind) {
    throw new ResourceFailure(
      `Unknown resource type ${JSON.stringify(event?.ResourceType)}; this provider serves ${KINDS.map((k) => k.resourceType).join(', ')}`,
    );
  }
  return kind;
}

export async function onEvent(event: ResourceEvent): Promise<Handover> {
  return handleEvent(kindOf(event), event);
}

export async function isComplete(event: IsCompleteEvent): Promise<IsCompleteResult> {
  return handleIsComplete(kindOf(event), event);
}
