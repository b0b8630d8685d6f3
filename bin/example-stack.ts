import * as path from 'path';
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import {
  AssociatedPackage,
  DomainVpcEndpoint,
  InboundConnectionAcceptance,
  InboundConnectionDeletion,
  InboundConnectionRejection,
  OutboundConnection,
  OutboundConnectionWaitFor,
  Package,
  PackageAssociation,
  PackageDissociation,
  PackageSource,
  PackageType,
  VpcEndpointAccess,
  RoleMembership,
  SecurityRole,
} from '../lib';

/** Where a stack of the example lives. */
export interface ExampleEnvironment {
  readonly account: string;
  readonly region: string;
}

/** The source of the cross-account connection: its domain, account and region. */
export const SOURCE_DOMAIN = 'shop-logs';
/** The IAM role the source side searches with (in the source account), mapped on the destination. */
export const SOURCE_SEARCH_ROLE = 'shop-logs-search';
/** The destination of every connection: the domain the example stack's constructs act on. */
export const DESTINATION_DOMAIN = 'logs-destination';

/** A domain made elsewhere, in any account and region, named by its ARN. */
function domainOf(scope: Construct, constructId: string, env: ExampleEnvironment, name: string): IDomain {
  return Domain.fromDomainAttributes(scope, constructId, {
    domainArn: `arn:aws:es:${env.region}:${env.account}:domain/${name}`,
    domainEndpoint: `https://search-${name}-example.${env.region}.es.amazonaws.com`,
  });
}

export interface ExampleStackProps extends StackProps {
  /**
   * The stack's next version: one package dropped from the list, the rejection pointed at another
   * connection, and a changed synonyms file.
   */
  readonly next?: boolean;
  /**
   * Where the source stack's domain lives: the acceptance finds the connection by it.
   * @default - account 222222222222 in eu-west-1
   */
  readonly source?: ExampleEnvironment;
  /**
   * The account authorized to make VPC endpoints to logs-destination (the consumer stack's).
   * @default '222222222222'
   */
  readonly consumerAccount?: string;
}

/**
 * The example's destination stack: the three inbound constructs against domains made elsewhere,
 * and the acceptance of the connection the source stack (another account) makes, found by where
 * it comes from; and a synonyms dictionary kept in this repository, associated with a domain.
 */
export class OpenSearchLifecycleExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: ExampleStackProps = {}) {
    super(scope, id, props);
    const here = { account: this.account, region: this.region };
    const importDomain = (constructId: string, name: string) => domainOf(this, constructId, here, name);
    const destination = importDomain('LogsDestination', DESTINATION_DOMAIN);
    const searchDomain = importDomain('SearchDomain', 'search-products');

    const rejection = new InboundConnectionRejection(this, 'RejectPendingConnection', {
      connectionId: props.next ? 'cc-pending-0002' : 'cc-pending-0001',
      domain: destination,
    });

    const deletion = new InboundConnectionDeletion(this, 'DeleteActiveConnection', {
      connectionId: 'cc-active-0001',
      domain: destination,
    });

    new PackageDissociation(this, 'RemoveDictionaries', {
      domain: searchDomain,
      packageIds: props.next ? ['F111111111', 'pkg-0a1b2c3d'] : ['F111111111', 'F222222222', 'pkg-0a1b2c3d'],
    });

    const acceptance = new InboundConnectionAcceptance(this, 'AcceptShopLogs', {
      domain: destination,
      from: domainOf(this, 'ShopLogs', props.source ?? DEFAULT_SOURCE, SOURCE_DOMAIN),
    });

    // A dictionary kept in the repository: a changed file is a new package version, which the
    // association moves the domain to.
    const synonyms = new Package(this, 'ProductSynonyms', {
      packageName: 'product-synonyms',
      packageType: PackageType.TXT_DICTIONARY,
      source: PackageSource.fromAsset(
        path.join(__dirname, 'dictionaries', props.next ? 'product-synonyms-next.txt' : 'product-synonyms.txt'),
      ),
      description: 'Synonyms for product search',
    });
    new PackageAssociation(this, 'ProductSynonymsOnSearch', {
      domain: searchDomain,
      packages: [AssociatedPackage.fromPackage(synonyms)],
    });

    // The consumer stack (another account) may make a VPC endpoint to logs-destination.
    new VpcEndpointAccess(this, 'AuthorizeConsumer', {
      domain: destination,
      account: props.consumerAccount ?? DEFAULT_CONSUMER_ACCOUNT,
    });

    // Cross-cluster search with fine-grained access control: the source side's searches arrive
    // signed by its IAM role, which the destination's security plugin must map to a role that may
    // read the logs (and look up their shards). Nothing is left to do by hand.
    const sourceEnv = props.source ?? DEFAULT_SOURCE;
    const remoteSearch = new SecurityRole(this, 'ShopLogsSearchRole', {
      domain: destination,
      roleName: 'shop-logs-search',
      description: 'Cross-cluster search from shop-logs',
      clusterPermissions: ['cluster_composite_ops_ro'],
      indexPermissions: [
        {
          indexPatterns: props.next ? ['logs-*', 'audit-*'] : ['logs-*'],
          allowedActions: ['read', 'indices:admin/shards/search_shards'],
        },
      ],
    });
    new RoleMembership(this, 'ShopLogsSearchMembers', {
      domain: destination,
      role: remoteSearch,
      backendRoles: [`arn:aws:iam::${sourceEnv.account}:role/${SOURCE_SEARCH_ROLE}`],
    });

    new CfnOutput(this, 'SynonymsPackageVersion', { value: synonyms.packageVersion });
    // Named for when the status was read: the deletion happens only when its resource is deleted.
    new CfnOutput(this, 'RejectedConnectionStatusAfterRejection', {
      value: rejection.connectionStatus,
      description: 'Status of the rejected connection once the rejection finished (REJECTED)',
    });
    new CfnOutput(this, 'ConnectionToDeleteStatusBeforeDeletion', {
      value: deletion.connectionStatus,
      description: 'Status of the connection to delete, read at create or update; it is deleted when this resource is deleted',
    });
    new CfnOutput(this, 'AcceptedConnectionId', { value: acceptance.connectionId });
  }
}

const DEFAULT_SOURCE: ExampleEnvironment = { account: '222222222222', region: 'eu-west-1' };
const DEFAULT_CONSUMER_ACCOUNT = '222222222222';

export interface ExampleSourceStackProps extends StackProps {
  /** The stack's next version: the connection's deployment waits until it is ACTIVE (an Update with no call). */
  readonly next?: boolean;
  /** Where the destination domain lives. */
  readonly destination: ExampleEnvironment;
}

/** The example's source stack: an outbound connection from its own domain to the destination's, in another account. */
export class OpenSearchLifecycleSourceStack extends Stack {
  constructor(scope: Construct, id: string, props: ExampleSourceStackProps) {
    super(scope, id, props);
    const connection = new OutboundConnection(this, 'ConnectToCentralLogs', {
      localDomain: domainOf(this, 'ShopLogs', { account: this.account, region: this.region }, SOURCE_DOMAIN),
      remoteDomain: domainOf(this, 'CentralLogs', props.destination, DESTINATION_DOMAIN),
      connectionAlias: 'central-logs',
      waitFor: props.next ? OutboundConnectionWaitFor.ACTIVE : OutboundConnectionWaitFor.PENDING_ACCEPTANCE,
    });
    new CfnOutput(this, 'ConnectionId', { value: connection.connectionId });
  }
}

export interface ExampleConsumerStackProps extends StackProps {
  /** The stack's next version: another security group on the endpoint (an Update in place). */
  readonly next?: boolean;
  /** Where logs-destination lives (the example stack's account; the same region as this stack). */
  readonly destination: ExampleEnvironment;
}

/** The VPC of the consumer account, imported by its ids (the local runner does not model VPCs). */
export const CONSUMER_VPC = {
  vpcId: 'vpc-0c0ffee000000001',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  privateSubnetIds: ['subnet-0c0ffee00000000a', 'subnet-0c0ffee00000000b'],
};

/**
 * The example's consumer stack, in the source's account but in the destination's region: an
 * OpenSearch-managed VPC endpoint from its VPC to logs-destination, which the example stack's
 * VpcEndpointAccess authorized.
 */
export class OpenSearchLifecycleConsumerStack extends Stack {
  constructor(scope: Construct, id: string, props: ExampleConsumerStackProps) {
    super(scope, id, props);
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', CONSUMER_VPC);
    const clients = ec2.SecurityGroup.fromSecurityGroupId(this, 'Clients', props.next ? 'sg-0c0ffee000000002' : 'sg-0c0ffee000000001');
    const endpoint = new DomainVpcEndpoint(this, 'ReachLogsDestination', {
      domain: domainOf(this, 'LogsDestination', props.destination, DESTINATION_DOMAIN),
      vpc,
      securityGroups: [clients],
    });
    new CfnOutput(this, 'VpcEndpointId', { value: endpoint.vpcEndpointId });
    new CfnOutput(this, 'VpcEndpoint', { value: endpoint.endpoint });
  }
}
