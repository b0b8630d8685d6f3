import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { InboundConnectionDeletion, OpenSearchLifecycleProvider, PackageDissociation } from '../lib';

/**
 * The example for an account governed by AWS Control Tower's proactive controls: the provider runs
 * in a VPC of the stack's own, logs to log groups encrypted with the stack's KMS key, and its waiter
 * sends traces to X-Ray. The stack has no Control Tower finding (see test/lib/control-tower.test.ts).
 *
 * The local deploy runner does not model VPCs, so `npm run demo` deploys the other example only.
 */
export class OpenSearchLifecycleGovernedExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const key = new kms.Key(this, 'LogsKey', {
      description: 'Encrypts the logs of the cdk-opensearch-lifecycle example',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CT.KMS.PR.3: only AWS services may create grants on the key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );

    // The functions reach the OpenSearch, Lambda and Step Functions APIs through the NAT gateway,
    // and the ResponseURL in S3 through the gateway endpoint.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogs', {
          encryptionKey: key,
          retention: logs.RetentionDays.ONE_YEAR,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      ),
    });

    // Before the first construct of the library in this stack.
    OpenSearchLifecycleProvider.configure(this, { vpc, logEncryptionKey: key, waiterTracing: true });

    const domain = Domain.fromDomainAttributes(this, 'LogsDestination', {
      domainArn: `arn:aws:es:${this.region}:${this.account}:domain/logs-destination`,
      domainEndpoint: `https://search-logs-destination-example.${this.region}.es.amazonaws.com`,
    });
    new InboundConnectionDeletion(this, 'DeleteActiveConnection', { connectionId: 'cc-active-0001', domain });
    new PackageDissociation(this, 'RemoveDictionaries', { domain, packageIds: ['F111111111'] });
  }
}
