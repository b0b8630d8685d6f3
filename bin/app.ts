#!/usr/bin/env node
/**
 * Example app: one stack using every construct of the library against domains made elsewhere.
 *
 * `-c variant=next` synthesizes the stack's next version (one package dropped from the list,
 * the rejection pointed at another connection, a changed synonyms file), to show an Update.
 */
import { App } from 'aws-cdk-lib';
import { OpenSearchLifecycleExampleStack } from './example-stack';

const app = new App();
new OpenSearchLifecycleExampleStack(app, 'OpenSearchLifecycleExample', {
  env: {
    account: app.node.tryGetContext('account') ?? '111111111111',
    region: app.node.tryGetContext('region') ?? 'us-east-1',
  },
  next: app.node.tryGetContext('variant') === 'next',
});
