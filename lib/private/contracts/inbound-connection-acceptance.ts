import { DomainAddress, checkAccountId, checkRegion } from './connection-ends';
import {
  DEFAULT_TIMEOUT_SECONDS,
  InvalidPropertyError,
  PropertyKey,
  asPropertyBag,
  checkConnectionId,
  checkDomainName,
  checkTimeoutSeconds,
  optional,
} from './properties';

/**
 * The custom resource type. Changing it replaces every deployed resource, so a test pins it.
 */
export const INBOUND_CONNECTION_ACCEPTANCE_TYPE = 'Custom::OpenSearchInboundConnectionAcceptance';

/** Template property keys of an InboundConnectionAcceptance, besides DomainName, ConnectionId and TimeoutSeconds. */
export const AcceptanceKey = {
  SOURCE_DOMAIN_NAME: 'SourceDomainName',
  SOURCE_OWNER_ID: 'SourceOwnerId',
  SOURCE_REGION: 'SourceRegion',
} as const;

const SOURCE_KEYS = [AcceptanceKey.SOURCE_DOMAIN_NAME, AcceptanceKey.SOURCE_OWNER_ID, AcceptanceKey.SOURCE_REGION];

export interface InboundConnectionAcceptanceProperties {
  /** The destination domain, in the account and region of the stack. */
  readonly domainName: string;
  /** The connection, when named by id. */
  readonly connectionId?: string;
  /** The source domain, when the connection is to be found by where it comes from. */
  readonly source?: DomainAddress;
  readonly timeoutSeconds: number;
}

/**
 * Parses the template properties of an InboundConnectionAcceptance resource: the connection is
 * named either by ConnectionId or by the three Source* properties, never both.
 */
export function parseInboundConnectionAcceptanceProperties(raw: unknown): InboundConnectionAcceptanceProperties {
  const bag = asPropertyBag(raw);
  const givenSourceKeys = SOURCE_KEYS.filter((key) => bag[key] !== undefined);
  const hasId = bag[PropertyKey.CONNECTION_ID] !== undefined;
  if (hasId === givenSourceKeys.length > 0) {
    throw new InvalidPropertyError(
      `Give either ${PropertyKey.CONNECTION_ID} or ${SOURCE_KEYS.join(', ')}, not ${hasId ? 'both' : 'neither'}`,
    );
  }
  if (!hasId && givenSourceKeys.length < SOURCE_KEYS.length) {
    throw new InvalidPropertyError(`${SOURCE_KEYS.join(', ')} go together; got only ${givenSourceKeys.join(', ')}`);
  }
  return {
    domainName: checkDomainName(bag[PropertyKey.DOMAIN_NAME]),
    connectionId: optional(bag, PropertyKey.CONNECTION_ID, checkConnectionId),
    source: hasId
      ? undefined
      : {
          domainName: checkDomainName(bag[AcceptanceKey.SOURCE_DOMAIN_NAME], AcceptanceKey.SOURCE_DOMAIN_NAME),
          ownerId: checkAccountId(bag[AcceptanceKey.SOURCE_OWNER_ID], AcceptanceKey.SOURCE_OWNER_ID),
          region: checkRegion(bag[AcceptanceKey.SOURCE_REGION], AcceptanceKey.SOURCE_REGION),
        },
    timeoutSeconds: optional(bag, PropertyKey.TIMEOUT_SECONDS, checkTimeoutSeconds) ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

const PHYSICAL_ID_PREFIX = 'opensearch-inbound-connection-acceptance:';

/** The physical id names the connection: another connection is a replacement. */
export function inboundConnectionAcceptancePhysicalId(connectionId: string): string {
  return `${PHYSICAL_ID_PREFIX}${connectionId}`;
}

/** The connection id of a physical id made by `inboundConnectionAcceptancePhysicalId`; undefined for any other id. */
export function connectionIdOfAcceptance(physicalResourceId: string | undefined): string | undefined {
  const match = /^opensearch-inbound-connection-acceptance:([a-z][a-z0-9-]{9,255})$/.exec(physicalResourceId ?? '');
  return match?.[1];
}
