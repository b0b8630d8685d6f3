export * from './inbound-connection-rejection';
export * from './inbound-connection-deletion';
export * from './package-dissociation';
export * from './outbound-connection';
export * from './inbound-connection-acceptance';
export * from './opensearch-lifecycle-provider';
export * from './package';
export * from './package-association';
