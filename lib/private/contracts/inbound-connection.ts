import {
  DEFAULT_TIMEOUT_SECONDS,
  PropertyKey,
  asPropertyBag,
  checkConnectionId,
  checkDomainName,
  checkTimeoutSeconds,
  optional,
} from './properties';

/** What both inbound connection resources receive. */
export interface InboundConnectionProperties {
  readonly connectionId: string;
  /** The destination domain the connection must belong to, when the user named one. */
  readonly domainName?: string;
  readonly timeoutSeconds: number;
}

/** Parses the template properties of either inbound connection resource. */
export function parseInboundConnectionProperties(raw: unknown): InboundConnectionProperties {
  const bag = asPropertyBag(raw);
  return {
    connectionId: checkConnectionId(bag[PropertyKey.CONNECTION_ID]),
    domainName: optional(bag, PropertyKey.DOMAIN_NAME, checkDomainName),
    timeoutSeconds: optional(bag, PropertyKey.TIMEOUT_SECONDS, checkTimeoutSeconds) ?? DEFAULT_TIMEOUT_SECONDS,
  };
}
