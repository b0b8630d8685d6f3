import { Duration } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { withConstructPath } from './private/construct-props';
import { Construct } from 'constructs';
import { INBOUND_CONNECTION_DELETION_TYPE } from './private/contracts/inbound-connection-deletion';
import { connectionResource } from './private/lifecycle-resource';

/**
 * Properties of an InboundConnectionDeletion.
 */
export interface InboundConnectionDeletionProps {
  /**
   * The id of the inbound cross-cluster connection to delete when this resource is deleted.
   *
   * 10-256 characters of lower-case letters, digits and hyphens, starting with a letter.
   */
  readonly connectionId: string;

  /**
   * The destination domain of the connection (the domain in this account that receives it).
   *
   * When given, a connection to any other domain is never touched, and when the domain is in the
   * same stack, stack deletion ends the connection before it deletes the domain (a domain with
   * active connections cannot be deleted).
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
 * Deletes an inbound cross-cluster connection of an Amazon OpenSearch Service domain when the
 * resource is deleted (with its stack, or replaced by a new connection id), and waits until the
 * service reports it DELETED or REJECTED.
 *
 * | event | status of the connection | what happens |
 * |---|---|---|
 * | Create | any | look the connection up: fail if it is not visible after 30 s (typo guard); no change |
 * | Update, new connectionId | any | as Create, for the new connection; a replacement, so CloudFormation then deletes the old resource |
 * | Update, other changes | any | no call that changes anything |
 * | Delete | PENDING_ACCEPTANCE | RejectInboundConnection, then wait until REJECTED |
 * | Delete | APPROVED, PROVISIONING, ACTIVE | DeleteInboundConnection, then wait until DELETED |
 * | Delete | DELETING, REJECTING | wait, no call |
 * | Delete | DELETED, REJECTED, not found | succeed at once, no call |
 * | Delete or Update during a rollback | any | no call that changes anything: the connection existed before this resource; its status is reported, and the response's `Note` says why |
 *
 * A rollback is a Delete or Update sent while the stack status is ROLLBACK_IN_PROGRESS,
 * UPDATE_ROLLBACK_IN_PROGRESS or UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS (read with
 * DescribeStacks). A stack deletion, a successful update that removes the construct, and the old
 * resource after a successful replacement still end the connection.
 */
export class InboundConnectionDeletion extends Construct {
  /**
   * The connection's status when the resource was last created or updated, e.g. ACTIVE.
   *
   * @attribute
   */
  public readonly connectionStatus: string;

  constructor(scope: Construct, id: string, props: InboundConnectionDeletionProps) {
    super(scope, id);
    try {
      const resource = connectionResource(
        this,
        'InboundConnectionDeletion',
        INBOUND_CONNECTION_DELETION_TYPE,
        ['es:DescribeInboundConnections', 'es:RejectInboundConnection', 'es:DeleteInboundConnection'],
        props,
      );
      this.connectionStatus = resource.getAttString('ConnectionStatus');
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }
}
