import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { domainAddress } from './private/connection-props';
import { atSynth, dependOnDomain, withConstructPath } from './private/construct-props';
import {
  MAX_ENDPOINTS_PER_ACCOUNT,
  MAX_ENDPOINTS_PER_DOMAIN,
  VPC_ENDPOINT_TYPE,
  VpcEndpointAttribute,
  VpcEndpointKey,
  checkSecurityGroupIds,
  checkSubnetIds,
  checkVpcId,
} from './private/contracts/vpc-endpoint';
import { LifecycleProvider } from './private/lifecycle-provider';
import { lifecycleResource } from './private/lifecycle-resource';
import { countTowardsQuota, endpointSubnets } from './private/vpc-endpoint-checks';

/**
 * Properties of a DomainVpcEndpoint.
 */
export interface DomainVpcEndpointProps {
  /**
   * The VPC domain to reach, in any account of this stack's region.
   *
   * Usually imported by its ARN from the owner's account (`Domain.fromDomainAttributes`); the owner
   * must have authorized this stack's account first (a VpcEndpointAccess in the owner's stack). A new
   * domain is a new endpoint (a replacement).
   */
  readonly domain: IDomain;

  /**
   * The VPC the endpoint is made in. A new VPC is a new endpoint (a replacement).
   */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets the endpoint's network interfaces go in: one per Availability Zone.
   *
   * Changing them updates the endpoint in place (UpdateVpcEndpoint).
   *
   * @default - one subnet per Availability Zone of the VPC's default selection (private subnets first)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of the endpoint's network interfaces: they decide who in the VPC may
   * connect (HTTPS, port 443).
   *
   * Changing them updates the endpoint in place.
   *
   * @default - the service's choice (the VPC's default security group)
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * How long to wait for the service to finish before failing. The developer guide expects an
   * endpoint to be active within 2 to 5 minutes.
   *
   * From 1 second to 55 minutes.
   *
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;

  /**
   * What happens to the endpoint when the resource leaves the stack: DESTROY deletes it and waits
   * until it is gone; RETAIN leaves it.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An OpenSearch Service-managed interface VPC endpoint (AWS PrivateLink): a private way from a
 * VPC of this stack's account to a VPC domain of any account of the same region. Deploy it in the
 * consumer's account; the domain's owner authorizes that account with a VpcEndpointAccess first.
 *
 * | event | what happens |
 * |---|---|
 * | Create, an endpoint of this account to the domain in the VPC exists | adopt it (recorded as adopted); wait until ACTIVE |
 * | Create, none exists | CreateVpcEndpoint with a ClientToken made from the stack and the logical id (a retried or crashed Create never makes a second endpoint); wait CREATING → ACTIVE |
 * | Create, CREATE_FAILED | DeleteVpcEndpoint for the endpoint this Create made, then fail |
 * | Create, the existing endpoint has other subnets or security groups | fail, nothing changed |
 * | Update, new subnets or security groups | UpdateVpcEndpoint, wait UPDATING → ACTIVE; UPDATE_FAILED fails |
 * | Update, new domain or VPC | a replacement: a new endpoint; CloudFormation then deletes the old one |
 * | Update, only the timeout | no call that changes anything |
 * | Delete | DeleteVpcEndpoint, wait until the service no longer knows it; already gone: success |
 * | Delete during a rollback, adopted endpoint | no call that changes anything |
 */
export class DomainVpcEndpoint extends Construct {
  /**
   * The endpoint's id, like `aos-0123456789ab`.
   *
   * @attribute
   */
  public readonly vpcEndpointId: string;

  /**
   * The DNS name to connect to (HTTPS), like `aos-0123456789ab-....us-east-1.es.amazonaws.com`.
   *
   * @attribute
   */
  public readonly endpoint: string;

  constructor(scope: Construct, id: string, props: DomainVpcEndpointProps) {
    super(scope, id);
    try {
      const domain = domainAddress(props.domain, 'domain');
      const stack = Stack.of(this);
      if (!Token.isUnresolved(domain.region) && !Token.isUnresolved(stack.region) && domain.region !== stack.region) {
        throw new Error(
          `${this.node.path}: domain ${domain.domainName} is in region ${domain.region}, but stack ${stack.stackName} deploys to ${stack.region}; ` +
            'an OpenSearch VPC endpoint connects a VPC to a domain of the same region: deploy it in a stack of that region.',
        );
      }
      if (!Token.isUnresolved(props.vpc.vpcId)) {
        atSynth(() => checkVpcId(props.vpc.vpcId, 'vpc.vpcId'));
      }
      const subnetIds = endpointSubnets(this, props.vpc, props.vpcSubnets).map((subnet) => subnet.subnetId);
      if (!subnetIds.some((subnetId) => Token.isUnresolved(subnetId))) {
        atSynth(() => checkSubnetIds(subnetIds, 'vpcSubnets'));
      }
      const securityGroupIds = (props.securityGroups ?? []).map((group) => group.securityGroupId);
      if (!securityGroupIds.some((groupId) => Token.isUnresolved(groupId))) {
        atSynth(() => checkSecurityGroupIds(securityGroupIds, 'securityGroups'));
      }
      if (!Token.isUnresolved(stack.account) && !Token.isUnresolved(stack.region)) {
        countTowardsQuota(
          this,
          `vpc-endpoints-of:${stack.account}/${stack.region}`,
          MAX_ENDPOINTS_PER_ACCOUNT,
          'more VPC endpoints in one account and region than the service allows',
        );
      }
      if (!Token.isUnresolved(props.domain.domainArn)) {
        countTowardsQuota(
          this,
          `vpc-endpoints-to:${props.domain.domainArn}`,
          MAX_ENDPOINTS_PER_DOMAIN,
          `more VPC endpoints to domain ${domain.domainName} than the service allows`,
        );
      }

      const claimed = !Token.isUnresolved(props.domain.domainArn) && !Token.isUnresolved(props.vpc.vpcId);
      const resource = lifecycleResource(this, {
        constructName: 'DomainVpcEndpoint',
        resourceType: VPC_ENDPOINT_TYPE,
        // Reads the stack status: an endpoint it adopted is left alone during a rollback.
        readsStackStatus: true,
        claims: claimed
          ? [
              {
                key: `vpc-endpoint:${props.domain.domainArn}/${props.vpc.vpcId}`,
                subject: `the VPC endpoint of ${props.vpc.vpcId} to domain ${domain.domainName}`,
              },
            ]
          : [],
        timeout: props.timeout,
        removalPolicy: props.removalPolicy,
        properties: {
          [VpcEndpointKey.DOMAIN_ARN]: props.domain.domainArn,
          [VpcEndpointKey.VPC_ID]: props.vpc.vpcId,
          [VpcEndpointKey.SUBNET_IDS]: subnetIds,
          [VpcEndpointKey.SECURITY_GROUP_IDS]: securityGroupIds.length > 0 ? securityGroupIds : undefined,
        },
      });
      LifecycleProvider.of(this).allowVpcEndpointActions(resource, 'DomainVpcEndpoint', [
        'es:CreateVpcEndpoint',
        'es:DescribeVpcEndpoints',
        'es:UpdateVpcEndpoint',
        'es:DeleteVpcEndpoint',
        'es:ListVpcEndpoints',
      ]);
      dependOnDomain(resource, props.domain);
      this.vpcEndpointId = resource.getAttString(VpcEndpointAttribute.VPC_ENDPOINT_ID);
      this.endpoint = resource.getAttString(VpcEndpointAttribute.ENDPOINT);
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }
}
