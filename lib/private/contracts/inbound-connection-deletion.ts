/**
 * The custom resource type. Changing it replaces every deployed resource, so a test pins it.
 */
export const INBOUND_CONNECTION_DELETION_TYPE = 'Custom::OpenSearchInboundConnectionDeletion';

/**
 * The physical id depends only on the connection: a new connection id is a replacement, after
 * which CloudFormation deletes the old resource, and so the old connection.
 */
export function inboundConnectionDeletionPhysicalId(connectionId: string): string {
  return `opensearch-inbound-connection-deletion:${connectionId}`;
}
