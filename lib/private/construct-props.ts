import { Duration, Stack, Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import {
  DEFAULT_TIMEOUT_SECONDS,
  InvalidPropertyError,
  MAX_TIMEOUT_SECONDS,
  MIN_TIMEOUT_SECONDS,
  checkConnectionId,
  checkDomainName,
  checkPackageIds,
} from './contracts/properties';

/**
 * Synth-time checks of construct props, with the same rules the handler applies at deploy time.
 * Values that are tokens are left to the handler.
 */

/**
 * The error a construct's constructor throws, naming the construct's path first (in an app of many
 * stacks, which construct is at fault is the first thing to know); a message that already starts
 * with the path is left as it is.
 */
export function withConstructPath(construct: Construct, error: unknown): unknown {
  if (error instanceof Error && !error.message.startsWith(`${construct.node.path}:`)) {
    error.message = `${construct.node.path}: ${error.message}`;
  }
  return error;
}

/** Runs a contract check at synth time: its InvalidPropertyError becomes a plain synth error. */
export function atSynth(check: () => unknown): void {
  try {
    check();
  } catch (error) {
    throw error instanceof InvalidPropertyError ? new Error(error.message) : error;
  }
}

export function connectionIdProperty(connectionId: string): string {
  if (!Token.isUnresolved(connectionId)) {
    atSynth(() => checkConnectionId(connectionId, 'connectionId'));
  }
  return connectionId;
}

export function domainNameProperty(domain: IDomain): string {
  const name = domain.domainName;
  if (!Token.isUnresolved(name)) {
    atSynth(() => checkDomainName(name, 'domain.domainName'));
  }
  return name;
}

export function packageIdsProperty(packageIds: string[]): string[] {
  if (!Token.isUnresolved(packageIds)) {
    atSynth(() => checkPackageIds(packageIds, 'packageIds', (id) => Token.isUnresolved(id)));
  }
  return packageIds;
}

/** The timeout in whole seconds, or a token of it. */
export function timeoutSecondsProperty(timeout: Duration | undefined): number {
  if (timeout === undefined) {
    return DEFAULT_TIMEOUT_SECONDS;
  }
  if (timeout.isUnresolved()) {
    return timeout.toSeconds();
  }
  const milliseconds = timeout.toMilliseconds();
  if (milliseconds % 1000 !== 0 || milliseconds < MIN_TIMEOUT_SECONDS * 1000 || milliseconds > MAX_TIMEOUT_SECONDS * 1000) {
    throw new Error(
      `timeout must be a whole number of seconds from ${MIN_TIMEOUT_SECONDS} second to 55 minutes; got ${timeout.toHumanString()}`,
    );
  }
  return milliseconds / 1000;
}

/** What CloudFormation's wait adds to the resource's own timeout: the first call, the last poll, the response. */
const SERVICE_TIMEOUT_MARGIN_SECONDS = 3 * 60;

/**
 * How long CloudFormation waits for the resource: its own timeout plus a margin, so that our
 * reason (which names the status we waited on) always arrives first. Even for the longest timeout
 * this stays under CloudFormation's default hour, and above the provider's own limit.
 */
export function serviceTimeoutFor(timeoutSeconds: number): Duration {
  if (Token.isUnresolved(timeoutSeconds)) {
    return Duration.seconds(MAX_TIMEOUT_SECONDS + SERVICE_TIMEOUT_MARGIN_SECONDS);
  }
  return Duration.seconds(timeoutSeconds + SERVICE_TIMEOUT_MARGIN_SECONDS);
}

/** Makes the resource wait for the domain when both are in the same stack. */
export function dependOnDomain(resource: Construct, domain: IDomain | undefined): void {
  if (domain && Stack.of(domain) === Stack.of(resource)) {
    resource.node.addDependency(domain);
  }
}
