import { DomainAddress, checkAccountId, checkConnectionAlias, checkOneOf, checkRegion } from './connection-ends';
import { DEFAULT_TIMEOUT_SECONDS, PropertyKey, asPropertyBag, checkDomainName, checkTimeoutSeconds, optional } from './properties';

/**
 * The custom resource type. Changing it replaces every deployed resource, so a test pins it.
 */
export const OUTBOUND_CONNECTION_TYPE = 'Custom::OpenSearchOutboundConnection';

/** Template property keys of an OutboundConnection, besides TimeoutSeconds. */
export const OutboundConnectionKey = {
  LOCAL_DOMAIN_NAME: 'LocalDomainName',
  REMOTE_DOMAIN_NAME: 'RemoteDomainName',
  REMOTE_OWNER_ID: 'RemoteOwnerId',
  REMOTE_REGION: 'RemoteRegion',
  CONNECTION_ALIAS: 'ConnectionAlias',
  CONNECTION_MODE: 'ConnectionMode',
  SKIP_UNAVAILABLE: 'SkipUnavailable',
  WAIT_FOR: 'WaitFor',
} as const;

/** The service's connection modes. */
export const CONNECTION_MODES = ['DIRECT', 'VPC_ENDPOINT'] as const;
export type ConnectionModeValue = (typeof CONNECTION_MODES)[number];

/** The cross-cluster search setting, in the service's words. */
export const SKIP_UNAVAILABLE_VALUES = ['ENABLED', 'DISABLED'] as const;
export type SkipUnavailableValue = (typeof SKIP_UNAVAILABLE_VALUES)[number];

/** The statuses a Create may wait for. */
export const OUTBOUND_WAIT_FOR_VALUES = ['PENDING_ACCEPTANCE', 'ACTIVE'] as const;
export type OutboundWaitFor = (typeof OUTBOUND_WAIT_FOR_VALUES)[number];

/**
 * The properties that say which connection this is. A change to any of them is a replacement;
 * the others (WaitFor, TimeoutSeconds) only change how long a Create waits.
 */
export const OUTBOUND_IDENTITY_KEYS: readonly string[] = [
  OutboundConnectionKey.LOCAL_DOMAIN_NAME,
  OutboundConnectionKey.REMOTE_DOMAIN_NAME,
  OutboundConnectionKey.REMOTE_OWNER_ID,
  OutboundConnectionKey.REMOTE_REGION,
  OutboundConnectionKey.CONNECTION_ALIAS,
  OutboundConnectionKey.CONNECTION_MODE,
  OutboundConnectionKey.SKIP_UNAVAILABLE,
];

export interface OutboundConnectionProperties {
  readonly localDomainName: string;
  readonly remote: DomainAddress;
  readonly connectionAlias: string;
  readonly connectionMode: ConnectionModeValue;
  /** Absent: the service's default. */
  readonly skipUnavailable?: SkipUnavailableValue;
  readonly waitFor: OutboundWaitFor;
  readonly timeoutSeconds: number;
}

/** Parses the template properties of an OutboundConnection resource. */
export function parseOutboundConnectionProperties(raw: unknown): OutboundConnectionProperties {
  const bag = asPropertyBag(raw);
  const key = OutboundConnectionKey;
  return {
    localDomainName: checkDomainName(bag[key.LOCAL_DOMAIN_NAME], key.LOCAL_DOMAIN_NAME),
    remote: {
      domainName: checkDomainName(bag[key.REMOTE_DOMAIN_NAME], key.REMOTE_DOMAIN_NAME),
      ownerId: checkAccountId(bag[key.REMOTE_OWNER_ID], key.REMOTE_OWNER_ID),
      region: checkRegion(bag[key.REMOTE_REGION], key.REMOTE_REGION),
    },
    connectionAlias: checkConnectionAlias(bag[key.CONNECTION_ALIAS], key.CONNECTION_ALIAS),
    connectionMode: optional(bag, key.CONNECTION_MODE, (v, l) => checkOneOf(CONNECTION_MODES, v, l)) ?? 'DIRECT',
    skipUnavailable: optional(bag, key.SKIP_UNAVAILABLE, (v, l) => checkOneOf(SKIP_UNAVAILABLE_VALUES, v, l)),
    waitFor: optional(bag, key.WAIT_FOR, (v, l) => checkOneOf(OUTBOUND_WAIT_FOR_VALUES, v, l)) ?? 'PENDING_ACCEPTANCE',
    timeoutSeconds: optional(bag, PropertyKey.TIMEOUT_SECONDS, checkTimeoutSeconds) ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

/** True when an Update changes which connection the resource stands for. */
export function outboundIdentityChanged(oldProperties: Record<string, unknown> | undefined, properties: Record<string, unknown>): boolean {
  return OUTBOUND_IDENTITY_KEYS.some((key) => oldProperties?.[key] !== properties[key]);
}

/**
 * How the resource came by its connection. Only the physical id survives from a Create to later
 * events, so it carries this: a connection the resource `created` is removed even during a
 * rollback; one it `adopted` (it was there before) is left alone during a rollback.
 */
export type ConnectionOrigin = 'created' | 'adopted';

const PHYSICAL_ID_PREFIX = 'opensearch-outbound-connection';

/** The physical id of a resource that holds this connection. */
export function outboundConnectionPhysicalId(connectionId: string, origin: ConnectionOrigin): string {
  return `${PHYSICAL_ID_PREFIX}:${origin}:${connectionId}`;
}

/** Reads a physical id made by `outboundConnectionPhysicalId`; undefined for any other id. */
export function parseOutboundConnectionPhysicalId(
  physicalResourceId: string | undefined,
): { connectionId: string; origin: ConnectionOrigin } | undefined {
  const match = /^opensearch-outbound-connection:(created|adopted):([a-z][a-z0-9-]{9,255})$/.exec(physicalResourceId ?? '');
  return match ? { origin: match[1] as ConnectionOrigin, connectionId: match[2] } : undefined;
}
