#!/usr/bin/env node
/**
 * Example app: one stack using all three constructs against domains made elsewhere, and one stack
 * with the provider configured for an account governed by AWS Control Tower.
 *
 * `-c variant=next` synthesizes the stack's next version (one package dropped from the list,
 * the rejection pointed at another connection), to show an Update.
 */
import { App } from 'aws-cdk-lib';
import { OpenSearchLifecycleExampleStack } from './example-stack';
import { OpenSearchLifecycleGovernedExampleStack } from './governed-example-stack';

const app = new App();
new OpenSearchLifecycleExampleStack(app, 'OpenSearchLifecycleExample', {
  env: {
    account: app.node.tryGetContext('account') ?? '111111111111',
    region: app.node.tryGetContext('region') ?? 'us-east-1',
  },
  next: app.node.tryGetContext('variant') === 'next',
});

// The same library in an account governed by AWS Control Tower: the provider in a VPC, its logs
// encrypted with a KMS key. Synthesized only: the local deploy runner does not model VPCs.
new OpenSearchLifecycleGovernedExampleStack(app, 'OpenSearchLifecycleGovernedExample', {
  env: {
    account: app.node.tryGetContext('account') ?? '111111111111',
    region: app.node.tryGetContext('region') ?? 'us-east-1',
  },
});
