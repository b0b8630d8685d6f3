#!/usr/bin/env node
/**
 * Example app, two stacks in two accounts:
 *  - OpenSearchLifecycleSource (account 222222222222, eu-west-1): an OutboundConnection from its
 *    domain shop-logs to logs-destination in the other account;
 *  - OpenSearchLifecycleExample (account 111111111111, us-east-1): the three inbound constructs,
 *    an InboundConnectionAcceptance that finds that connection by its source (no id passed), and a
 *    synonyms dictionary from this repository (Package) associated with a domain (PackageAssociation);
 *  - OpenSearchLifecycleConsumer (account 222222222222, us-east-1): a DomainVpcEndpoint from its VPC to
 *    logs-destination, which the example stack's VpcEndpointAccess authorizes;
 *  - OpenSearchLifecycleGovernedExample (account 111111111111, us-east-1): the library with the
 *    provider configured for an account governed by AWS Control Tower (synthesized only).
 *
 * `-c variant=next` synthesizes both stacks' next versions (one package dropped from the list,
 * the rejection pointed at another connection, the connection's deployment waiting for ACTIVE, a changed synonyms file,
 * another security group on the VPC endpoint),
 * to show an Update. `-c account=` / `-c region=` and `-c sourceAccount=` / `-c sourceRegion=`
 * place the stacks.
 */
import { App } from 'aws-cdk-lib';
import { OpenSearchLifecycleConsumerStack, OpenSearchLifecycleExampleStack, OpenSearchLifecycleSourceStack } from './example-stack';
import { OpenSearchLifecycleGovernedExampleStack } from './governed-example-stack';

const app = new App();
const next = app.node.tryGetContext('variant') === 'next';
const destination = {
  account: app.node.tryGetContext('account') ?? '111111111111',
  region: app.node.tryGetContext('region') ?? 'us-east-1',
};
const source = {
  account: app.node.tryGetContext('sourceAccount') ?? '222222222222',
  region: app.node.tryGetContext('sourceRegion') ?? 'eu-west-1',
};
new OpenSearchLifecycleSourceStack(app, 'OpenSearchLifecycleSource', { env: source, destination, next });
new OpenSearchLifecycleExampleStack(app, 'OpenSearchLifecycleExample', { env: destination, source, consumerAccount: source.account, next });
// The consumer of the VPC endpoint: the source's account, in the destination's region (an endpoint
// reaches a domain of its own region only).
new OpenSearchLifecycleConsumerStack(app, 'OpenSearchLifecycleConsumer', {
  env: { account: source.account, region: destination.region },
  destination,
  next,
});

// The same library in an account governed by AWS Control Tower: the provider in a VPC, its logs
// encrypted with a KMS key. Synthesized only: the local deploy runner does not model VPCs.
new OpenSearchLifecycleGovernedExampleStack(app, 'OpenSearchLifecycleGovernedExample', { env: destination });
