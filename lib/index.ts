export * from './inbound-connection-rejection';
export * from './inbound-connection-deletion';
export * from './package-dissociation';
export * from './opensearch-lifecycle-provider';
