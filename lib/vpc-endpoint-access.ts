import { Duration, Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { atSynth, domainNameProperty, withConstructPath } from './private/construct-props';
import { checkAccountId, checkOneOf } from './private/contracts/connection-ends';
import {
  MAX_PRINCIPALS_PER_DOMAIN,
  VPC_ENDPOINT_ACCESS_TYPE,
  VPC_ENDPOINT_SERVICES,
  VpcEndpointAccessKey,
} from './private/contracts/vpc-endpoint';
import { LifecycleProvider } from './private/lifecycle-provider';
import { lifecycleResource } from './private/lifecycle-resource';
import { countTowardsQuota } from './private/vpc-endpoint-checks';

/**
 * Properties of a VpcEndpointAccess.
 */
export interface VpcEndpointAccessProps {
  /**
   * The VPC domain, in the account and region of this stack.
   */
  readonly domain: IDomain;

  /**
   * The account (12 digits) that may make VPC endpoints to the domain. Exactly one of `account`
   * and `service`.
   *
   * @default - none: `service` is given
   */
  readonly account?: string;

  /**
   * The AWS service that may make VPC endpoints to the domain: `VpcEndpointAccess.OPENSEARCH_UI_SERVICE`
   * (OpenSearch UI), the only one the service takes. Exactly one of `account` and `service`.
   *
   * @default - none: `account` is given
   */
  readonly service?: string;

  /**
   * Whether Delete revokes the authorization even while the account still has endpoints to the
   * domain. Revoking does not remove them, but they can no longer be made again.
   *
   * @default false - Delete fails, naming the endpoints, until they are deleted
   */
  readonly allowRevokeWhileInUse?: boolean;

  /**
   * How long to wait, at most, for the account's endpoints being deleted to be gone before revoking.
   *
   * From 1 second to 55 minutes.
   *
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
}

/**
 * Authorizes an account (or the OpenSearch UI service) to make OpenSearch Service-managed VPC
 * endpoints to a VPC domain of this stack's account and region; the other account then makes its
 * endpoint with a DomainVpcEndpoint.
 *
 * | event | what happens |
 * |---|---|
 * | Create, the principal is already authorized | adopt the authorization (recorded); it is never revoked by this resource |
 * | Create | AuthorizeVpcEndpointAccess |
 * | Update, new domain, account or service | a replacement: authorize the new one; CloudFormation then deletes the old resource |
 * | Update, only allowRevokeWhileInUse or the timeout | no call that changes anything |
 * | Delete, adopted | no call that changes anything |
 * | Delete, the account still has endpoints to the domain | fail naming them (unless allowRevokeWhileInUse); endpoints being deleted are waited for |
 * | Delete | RevokeVpcEndpointAccess; already revoked, or the domain gone: success |
 */
export class VpcEndpointAccess extends Construct {
  /** The service principal of OpenSearch UI (the model's only AWSServicePrincipal). */
  public static readonly OPENSEARCH_UI_SERVICE = VPC_ENDPOINT_SERVICES[0];

  constructor(scope: Construct, id: string, props: VpcEndpointAccessProps) {
    super(scope, id);
    try {
      if ((props.account === undefined) === (props.service === undefined)) {
        throw new Error(`${this.node.path}: give exactly one of account and service`);
      }
      if (props.account !== undefined && !Token.isUnresolved(props.account)) {
        atSynth(() => checkAccountId(props.account, 'account'));
      }
      if (props.service !== undefined && !Token.isUnresolved(props.service)) {
        atSynth(() => checkOneOf(VPC_ENDPOINT_SERVICES, props.service, 'service'));
      }
      const domainName = domainNameProperty(props.domain);
      const principal = props.account ?? props.service!;
      const domainKey = Token.isUnresolved(domainName) ? props.domain.node.path : domainName;
      countTowardsQuota(
        this,
        `vpc-endpoint-access:${domainKey}`,
        MAX_PRINCIPALS_PER_DOMAIN,
        `more authorized principals on domain ${domainKey} than the service allows`,
      );
      const resource = lifecycleResource(this, {
        constructName: 'VpcEndpointAccess',
        resourceType: VPC_ENDPOINT_ACCESS_TYPE,
        // An adopted authorization is never revoked, and one this resource made is always its own: no rollback rule needs the status.
        readsStackStatus: false,
        claims: Token.isUnresolved(principal)
          ? []
          : [{ key: `vpc-endpoint-access:${domainKey}/${principal}`, subject: `the authorization of ${principal} on domain ${domainKey}` }],
        timeout: props.timeout,
        domain: props.domain,
        properties: {
          [VpcEndpointAccessKey.DOMAIN_NAME]: domainName,
          [VpcEndpointAccessKey.ACCOUNT]: props.account,
          [VpcEndpointAccessKey.SERVICE]: props.service,
          [VpcEndpointAccessKey.ALLOW_REVOKE_WHILE_IN_USE]: props.allowRevokeWhileInUse ? 'true' : undefined,
        },
      });
      LifecycleProvider.of(this).allowVpcEndpointActions(resource, 'VpcEndpointAccess', [
        'es:AuthorizeVpcEndpointAccess',
        'es:RevokeVpcEndpointAccess',
        'es:ListVpcEndpointAccess',
        'es:ListVpcEndpointsForDomain',
      ]);
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }
}
