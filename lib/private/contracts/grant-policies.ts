/**
 * The names of the handler role's grant policies (see ../grants.ts), shared by the constructs,
 * which make the policies, and the handlers, whose access-denied failures say which policy should
 * have granted the call.
 *
 * Every custom resource's DependsOn lists the logical ids of its policies, so the logical ids are
 * short: a prefix and a hash. The names a user meets in IAM say what each policy is for: an inline
 * policy is named after the construct kind it serves; a managed policy is named by CloudFormation
 * after its logical id (`<stack>-DomainGrants<hash>-<suffix>`), since a name of our own would
 * have to be unique in the account.
 */
import { INBOUND_CONNECTION_ACCEPTANCE_TYPE } from './inbound-connection-acceptance';
import { INBOUND_CONNECTION_DELETION_TYPE } from './inbound-connection-deletion';
import { INBOUND_CONNECTION_REJECTION_TYPE } from './inbound-connection-rejection';
import { OUTBOUND_CONNECTION_TYPE } from './outbound-connection';
import { PACKAGE_TYPE } from './package';
import { PACKAGE_ASSOCIATION_TYPE } from './package-association';
import { PACKAGE_DISSOCIATION_TYPE } from './package-dissociation';
import { ROLE_MEMBERSHIP_TYPE, SECURITY_ROLE_TYPE } from './security';
import { VPC_ENDPOINT_ACCESS_TYPE, VPC_ENDPOINT_TYPE } from './vpc-endpoint';

/** Logical id prefix of a construct kind's inline policy (its grants on `*`, the stack, objects). */
export const KIND_POLICY_ID_PREFIX = 'Grants';
/** Logical id prefix of a managed policy with the grants on a bucket of domains. */
export const DOMAIN_POLICY_ID_PREFIX = 'DomainGrants';
/** IAM name prefix of a kind's inline policy; the kind and the logical id's hash follow. */
export const KIND_POLICY_NAME_PREFIX = 'LifecycleGrants';

/** The IAM name of the inline policy of `kind` (a construct class name) whose document hashes to `hash`. */
export function kindPolicyName(kind: string, hash: string): string {
  return `${KIND_POLICY_NAME_PREFIX}${kind}${hash}`;
}

/** The construct kind (class name) whose grants each custom resource type's handler uses. */
const GRANT_KIND_OF_RESOURCE_TYPE: Record<string, string> = {
  [INBOUND_CONNECTION_REJECTION_TYPE]: 'InboundConnectionRejection',
  [INBOUND_CONNECTION_DELETION_TYPE]: 'InboundConnectionDeletion',
  [INBOUND_CONNECTION_ACCEPTANCE_TYPE]: 'InboundConnectionAcceptance',
  [OUTBOUND_CONNECTION_TYPE]: 'OutboundConnection',
  [PACKAGE_TYPE]: 'Package',
  [PACKAGE_ASSOCIATION_TYPE]: 'PackageAssociation',
  [PACKAGE_DISSOCIATION_TYPE]: 'PackageDissociation',
  // The one type not named after its construct.
  [VPC_ENDPOINT_TYPE]: 'DomainVpcEndpoint',
  [VPC_ENDPOINT_ACCESS_TYPE]: 'VpcEndpointAccess',
  [SECURITY_ROLE_TYPE]: 'SecurityRole',
  [ROLE_MEMBERSHIP_TYPE]: 'RoleMembership',
};

/**
 * The IAM name of the inline policy that holds the grants of a custom resource type's handler,
 * e.g. `LifecycleGrantsDomainVpcEndpoint<hash>` for `Custom::OpenSearchVpcEndpoint`.
 */
export function kindPolicyNameOf(resourceType: string, hash: string): string {
  return kindPolicyName(GRANT_KIND_OF_RESOURCE_TYPE[resourceType] ?? resourceType.replace(/^Custom::OpenSearch/, ''), hash);
}
