import { Duration } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { withConstructPath } from './private/construct-props';
import { Construct } from 'constructs';
import { INBOUND_CONNECTION_REJECTION_TYPE } from './private/contracts/inbound-connection-rejection';
import { connectionResource } from './private/lifecycle-resource';

/**
 * Properties of an InboundConnectionRejection.
 */
export interface InboundConnectionRejectionProps {
  /**
   * The id of the inbound cross-cluster connection to reject.
   *
   * 10-256 characters of lower-case letters, digits and hyphens, starting with a letter.
   */
  readonly connectionId: string;

  /**
   * The destination domain of the connection (the domain in this account that receives it).
   *
   * When given, a connection to any other domain is refused without being touched, and when the
   * domain is in the same stack the rejection waits for it.
   *
   * @default - the connection is not checked against a domain
   */
  readonly domain?: IDomain;

  /**
   * How long to wait for the service to finish before failing.
   *
   * From 1 second to 55 minutes.
   *
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
}

/**
 * Rejects a pending inbound cross-cluster connection of an Amazon OpenSearch Service domain, and
 * waits until the service reports it REJECTED.
 *
 * | event | status of the connection | what happens |
 * |---|---|---|
 * | Create | PENDING_ACCEPTANCE | RejectInboundConnection, then wait until REJECTED |
 * | Create | REJECTING, REJECTED | wait until REJECTED, no call |
 * | Create | DELETING, DELETED | succeed, no call (nothing can use it) |
 * | Create | APPROVED, PROVISIONING, ACTIVE | fail: already accepted, use InboundConnectionDeletion |
 * | Create | not visible (after 30 s of grace) | fail, naming the id and the account and region asked |
 * | Update, new connectionId | any | as Create, for the new connection (new physical id) |
 * | Update, other changes | any | no call |
 * | Update during a rollback (back to the old connectionId) | any | no call: this resource rejected the old connection before; its status (or NOT_FOUND) is reported, and the response's `Note` says why |
 * | Delete | any | no call: a rejection cannot be undone |
 *
 * A connection that a failed update rejected stays rejected after the rollback: a rejection
 * cannot be undone.
 */
export class InboundConnectionRejection extends Construct {
  /**
   * The connection's status when the resource was last created or updated, e.g. REJECTED.
   *
   * @attribute
   */
  public readonly connectionStatus: string;

  constructor(scope: Construct, id: string, props: InboundConnectionRejectionProps) {
    super(scope, id);
    try {
      const resource = connectionResource(
        this,
        'InboundConnectionRejection',
        INBOUND_CONNECTION_REJECTION_TYPE,
        ['es:DescribeInboundConnections', 'es:RejectInboundConnection'],
        props,
      );
      this.connectionStatus = resource.getAttString('ConnectionStatus');
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }
}
