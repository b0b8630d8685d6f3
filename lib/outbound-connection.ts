import { Duration, Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { domainAddress, localDomainAddress } from './private/connection-props';
import { atSynth, withConstructPath } from './private/construct-props';
import { checkConnectionAlias } from './private/contracts/connection-ends';
import { OUTBOUND_CONNECTION_TYPE, OutboundConnectionKey } from './private/contracts/outbound-connection';
import { LifecycleProvider } from './private/lifecycle-provider';
import { lifecycleResource } from './private/lifecycle-resource';

/**
 * How a cross-cluster connection reaches the remote domain.
 */
export enum ConnectionMode {
  /** For cross-cluster search and cross-cluster replication. */
  DIRECT = 'DIRECT',
  /** For remote reindex between domains in VPCs. */
  VPC_ENDPOINT = 'VPC_ENDPOINT',
}

/**
 * The status an OutboundConnection's Create waits for.
 */
export enum OutboundConnectionWaitFor {
  /**
   * The service has validated the connection and sent it to the remote domain's owner. Also
   * reached when the connection is already accepted (APPROVED, PROVISIONING or ACTIVE).
   */
  PENDING_ACCEPTANCE = 'PENDING_ACCEPTANCE',
  /**
   * The remote domain's owner has accepted the connection and it is ready to use. Only when the
   * acceptance is deployed first, or at the same time: otherwise the Create times out.
   */
  ACTIVE = 'ACTIVE',
}

/**
 * Properties of an OutboundConnection.
 */
export interface OutboundConnectionProps {
  /**
   * The source domain: the connection starts here.
   *
   * It must be in the account and region of the stack.
   */
  readonly localDomain: IDomain;

  /**
   * The destination domain, in any account and region.
   *
   * Its ARN names its account, region and name: a domain imported with
   * `Domain.fromDomainAttributes` and a literal ARN, or a domain of a stack of this app.
   */
  readonly remoteDomain: IDomain;

  /**
   * The name of the connection, as searches on the local domain refer to the remote one.
   *
   * 2-100 characters of letters, digits, hyphens and underscores, starting with a letter.
   */
  readonly connectionAlias: string;

  /**
   * How the connection reaches the remote domain.
   *
   * @default ConnectionMode.DIRECT
   */
  readonly connectionMode?: ConnectionMode;

  /**
   * Whether cross-cluster searches skip the remote domain while it is unavailable.
   *
   * @default - the service's default
   */
  readonly skipUnavailable?: boolean;

  /**
   * The status the deployment waits for before it goes on.
   *
   * The default lets the destination's stack deploy later, in another account.
   *
   * @default OutboundConnectionWaitFor.PENDING_ACCEPTANCE
   */
  readonly waitFor?: OutboundConnectionWaitFor;

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
 * Creates an outbound cross-cluster connection from a domain of this account and region to a
 * domain of any account and region, waits until the service has validated it, and deletes it
 * when the resource is deleted. The destination's owner accepts it, e.g. with
 * InboundConnectionAcceptance in a stack of the destination's account.
 *
 * | event | what the service shows | what happens |
 * |---|---|---|
 * | Create | a connection with the same local domain, remote domain and alias, not ended | adopt it (a retried Create never makes a second one); wait for `waitFor` |
 * | Create | none | CreateOutboundConnection; wait until VALIDATING has passed and `waitFor` is reached (PENDING_ACCEPTANCE is also reached by APPROVED, PROVISIONING, ACTIVE) |
 * | Create | VALIDATION_FAILED or REJECTED | fail with the service's message, after deleting the connection this Create made |
 * | Create | the look-up still fails after the SDK's retries | fail, nothing made: only the Create's first step may make the connection, so that "created" or "adopted" is always known |
 * | Update, identifying property changed | any | a replacement: as Create for the new connection; CloudFormation then deletes the old one |
 * | Update, only waitFor or timeout changed | any | no call that changes anything |
 * | Delete | DELETED, REJECTED, VALIDATION_FAILED... gone | succeed at once, no call |
 * | Delete | any other | DeleteOutboundConnection, then wait until DELETED or gone |
 * | Delete or Update during a rollback | adopted connection | no call that changes anything |
 *
 * Changing only `connectionMode` or `skipUnavailable` needs a new `connectionAlias` too: the
 * replacement is created before the old connection is deleted.
 */
export class OutboundConnection extends Construct {
  /**
   * The connection's id, the same on both sides of the connection.
   *
   * @attribute
   */
  public readonly connectionId: string;

  /**
   * The connection's status when the resource was last created or updated, e.g. PENDING_ACCEPTANCE.
   *
   * @attribute
   */
  public readonly connectionStatus: string;

  constructor(scope: Construct, id: string, props: OutboundConnectionProps) {
    super(scope, id);
    try {
      const local = localDomainAddress(this, props.localDomain, 'localDomain');
      const remote = domainAddress(props.remoteDomain, 'remoteDomain');
      if (!Token.isUnresolved(props.connectionAlias)) {
        atSynth(() => checkConnectionAlias(props.connectionAlias, 'connectionAlias'));
      }
      const provider = LifecycleProvider.of(this);
      const key = OutboundConnectionKey;
      const resource = lifecycleResource(this, {
        constructName: 'OutboundConnection',
        resourceType: OUTBOUND_CONNECTION_TYPE,
        // Reads the stack status: a connection it adopted is left alone during a rollback.
        readsStackStatus: true,
        claims: [],
        timeout: props.timeout,
        domain: props.localDomain,
        properties: {
          [key.LOCAL_DOMAIN_NAME]: local.domainName,
          [key.REMOTE_DOMAIN_NAME]: remote.domainName,
          [key.REMOTE_OWNER_ID]: remote.ownerId,
          [key.REMOTE_REGION]: remote.region,
          [key.CONNECTION_ALIAS]: props.connectionAlias,
          [key.CONNECTION_MODE]: props.connectionMode,
          [key.SKIP_UNAVAILABLE]: props.skipUnavailable === undefined ? undefined : props.skipUnavailable ? 'ENABLED' : 'DISABLED',
          [key.WAIT_FOR]: props.waitFor,
        },
      });
      provider.allowOutboundConnectionCreation(resource, props.localDomain.domainArn);
      provider.allowConnectionActions(resource, 'OutboundConnection', ['es:DescribeOutboundConnections', 'es:DeleteOutboundConnection']);
      this.connectionId = resource.getAttString('ConnectionId');
      this.connectionStatus = resource.getAttString('ConnectionStatus');
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }
}
