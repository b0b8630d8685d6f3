/**
 * The custom resource type. Changing it replaces every deployed resource, so a test pins it.
 */
export const INBOUND_CONNECTION_REJECTION_TYPE = 'Custom::OpenSearchInboundConnectionRejection';

/** The physical id depends only on the connection: a new connection id is a new resource. */
export function inboundConnectionRejectionPhysicalId(connectionId: string): string {
  return `opensearch-inbound-connection-rejection:${connectionId}`;
}
