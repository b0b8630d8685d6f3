#!/usr/bin/env node
/**
 * Example app: one stack using all three constructs against domains made elsewhere.
 *
 * `-c variant=next` synthesizes the stack's next version (one package dropped from the list,
 * the rejection pointed at another connection), to show an Update.
 */
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../lib';

const app = new App();
const account = app.node.tryGetContext('account') ?? '111111111111';
const region = app.node.tryGetContext('region') ?? 'us-east-1';
const next = app.node.tryGetContext('variant') === 'next';

const stack = new Stack(app, 'OpenSearchLifecycleExample', { env: { account, region } });

const importDomain = (id: string, name: string) =>
  Domain.fromDomainAttributes(stack, id, {
    domainArn: `arn:aws:es:${region}:${account}:domain/${name}`,
    domainEndpoint: `https://search-${name}-example.${region}.es.amazonaws.com`,
  });
const destination = importDomain('LogsDestination', 'logs-destination');
const searchDomain = importDomain('SearchDomain', 'search-products');

const rejection = new InboundConnectionRejection(stack, 'RejectPendingConnection', {
  connectionId: next ? 'cc-pending-0002' : 'cc-pending-0001',
  domain: destination,
});

const deletion = new InboundConnectionDeletion(stack, 'DeleteActiveConnection', {
  connectionId: 'cc-active-0001',
  domain: destination,
});

new PackageDissociation(stack, 'RemoveDictionaries', {
  domain: searchDomain,
  packageIds: next ? ['F111111111', 'pkg-0a1b2c3d'] : ['F111111111', 'F222222222', 'pkg-0a1b2c3d'],
});

new CfnOutput(stack, 'RejectedConnectionStatus', { value: rejection.connectionStatus });
new CfnOutput(stack, 'DeletedConnectionStatus', { value: deletion.connectionStatus });
