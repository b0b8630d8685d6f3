import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { domainAddress, localDomainAddress } from './private/connection-props';
import { connectionIdProperty, withConstructPath } from './private/construct-props';
import { AcceptanceKey, INBOUND_CONNECTION_ACCEPTANCE_TYPE } from './private/contracts/inbound-connection-acceptance';
import { PropertyKey } from './private/contracts/properties';
import { LifecycleProvider } from './private/lifecycle-provider';
import { lifecycleResource } from './private/lifecycle-resource';
import { connectionClaim } from './private/overlaps';

/**
 * Properties of an InboundConnectionAcceptance.
 */
export interface InboundConnectionAcceptanceProps {
  /**
   * The destination domain: the connection to accept arrives here.
   *
   * It must be in the account and region of the stack.
   */
  readonly domain: IDomain;

  /**
   * The id of the connection to accept. Give either this or `from`.
   *
   * 10-256 characters of lower-case letters, digits and hyphens, starting with a letter.
   *
   * @default - the connection is found by `from`
   */
  readonly connectionId?: string;

  /**
   * The source domain the connection comes from, in any account and region. Give either this or
   * `connectionId`.
   *
   * Its ARN names its account, region and name. The connection is found by where it comes from,
   * so the source's stack need not pass its id here: the two stacks deploy in either order.
   * Several connections from that domain to `domain` fail the deployment, listing their ids.
   *
   * @default - the connection is found by `connectionId`
   */
  readonly from?: IDomain;

  /**
   * How long to wait for the connection to show up and become active before failing.
   *
   * From 1 second to 55 minutes.
   *
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;

  /**
   * What happens to the connection when the resource leaves the stack.
   *
   * `RemovalPolicy.DESTROY` ends it (rejects it while pending, deletes it once accepted);
   * `RemovalPolicy.RETAIN` keeps it, through CloudFormation's own DeletionPolicy.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Accepts an inbound cross-cluster connection of an Amazon OpenSearch Service domain, found by id
 * or by the domain it comes from, waits until it is ACTIVE, and ends it when the resource is
 * deleted.
 *
 * | event | status of the connection | what happens |
 * |---|---|---|
 * | Create | not visible yet | wait, until the timeout: the source's stack may deploy later; then fail naming what was looked for and where |
 * | Create | PENDING_ACCEPTANCE | AcceptInboundConnection, then wait until ACTIVE |
 * | Create | APPROVED, PROVISIONING | wait until ACTIVE, no call |
 * | Create | ACTIVE | succeed at once, no call |
 * | Create | REJECTED, DELETED, REJECTING, DELETING | fail, no call |
 * | Create | several connections from `from` | fail listing their ids, no call |
 * | Update, another connection | any | a replacement: as Create; CloudFormation then deletes the old resource |
 * | Update, only the timeout changed | any | no call that changes anything |
 * | Delete | PENDING_ACCEPTANCE | RejectInboundConnection, then wait until REJECTED |
 * | Delete | APPROVED, PROVISIONING, ACTIVE | DeleteInboundConnection, then wait until DELETED |
 * | Delete | DELETED, REJECTED, not found | succeed at once, no call |
 * | Delete during a rollback | any | no call: the connection was made by the source's owner |
 * | Delete, removalPolicy RETAIN | any | CloudFormation does not call the handler |
 */
export class InboundConnectionAcceptance extends Construct {
  /**
   * The id of the accepted connection.
   *
   * @attribute
   */
  public readonly connectionId: string;

  /**
   * The connection's status when the resource was last created or updated, e.g. ACTIVE.
   *
   * @attribute
   */
  public readonly connectionStatus: string;

  constructor(scope: Construct, id: string, props: InboundConnectionAcceptanceProps) {
    super(scope, id);
    try {
      if ((props.connectionId === undefined) === (props.from === undefined)) {
        throw new Error(
          `Give InboundConnectionAcceptance either connectionId or from, not ${props.connectionId === undefined ? 'neither' : 'both'}`,
        );
      }
      const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
      if (removalPolicy !== RemovalPolicy.DESTROY && removalPolicy !== RemovalPolicy.RETAIN) {
        throw new Error(`removalPolicy must be RemovalPolicy.DESTROY or RemovalPolicy.RETAIN; got ${removalPolicy}`);
      }
      const destination = localDomainAddress(this, props.domain, 'domain');
      const source = props.from ? domainAddress(props.from, 'from') : undefined;
      const resource = lifecycleResource(this, {
        constructName: 'InboundConnectionAcceptance',
        resourceType: INBOUND_CONNECTION_ACCEPTANCE_TYPE,
        // Reads the stack status: a rollback never ends the connection (the source's owner made it).
        readsStackStatus: true,
        claims: props.connectionId === undefined ? [] : connectionClaim(props.connectionId),
        timeout: props.timeout,
        domain: props.domain,
        removalPolicy,
        properties: {
          [PropertyKey.DOMAIN_NAME]: destination.domainName,
          [PropertyKey.CONNECTION_ID]: props.connectionId === undefined ? undefined : connectionIdProperty(props.connectionId),
          [AcceptanceKey.SOURCE_DOMAIN_NAME]: source?.domainName,
          [AcceptanceKey.SOURCE_OWNER_ID]: source?.ownerId,
          [AcceptanceKey.SOURCE_REGION]: source?.region,
        },
      });
      LifecycleProvider.of(this).allowConnectionActions(resource, 'InboundConnectionAcceptance', [
        'es:DescribeInboundConnections',
        'es:AcceptInboundConnection',
        'es:RejectInboundConnection',
        'es:DeleteInboundConnection',
      ]);
      this.connectionId = resource.getAttString('ConnectionId');
      this.connectionStatus = resource.getAttString('ConnectionStatus');
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }
}
