import { CfnResource, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { connectionIdProperty, dependOnDomain, domainNameProperty, serviceTimeoutFor, timeoutSecondsProperty } from './construct-props';
import { DEFAULT_TIMEOUT_SECONDS, PropertyKey } from './contracts/properties';
import { checkDomainPlacement, warnOnEndpointName } from './domain-checks';
import { ConnectionAction, LifecycleProvider } from './lifecycle-provider';
import { Claim, connectionClaim, registerClaims } from './overlaps';

export interface LifecycleResourceOptions {
  /** The construct's class name, for messages. */
  readonly constructName: string;
  readonly resourceType: string;
  /** Template properties besides TimeoutSeconds, already checked. */
  readonly properties: Record<string, unknown>;
  readonly timeout?: Duration;
  readonly domain?: IDomain;
  /**
   * True when the kind's handler reads the stack status (`readsStackStatus` in lambda/): the
   * provider's role may then call DescribeStacks on the stack.
   */
  readonly readsStackStatus: boolean;
  /** What the construct acts on, for the overlap warning (see overlaps.ts). */
  readonly claims: Claim[];
  /**
   * What CloudFormation does with the resource when it leaves the stack: DESTROY (the handler's
   * Delete runs) or RETAIN (CloudFormation never calls the handler).
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A construct's custom resource: a `CfnResource` of its `Custom::` type, made directly rather
 * than through aws-cdk-lib's `CustomResource`, which wraps it in a construct of its own with the
 * resource as a `Default` child. The logical id is the same either way (CDK leaves `Default` out
 * of ids), but this way every construct's path metadata is 8 bytes shorter and the construct's
 * `node.defaultChild` is the resource itself, for escape hatches.
 */
export class LifecycleCustomResource extends CfnResource {
  /** An attribute the handler returns, as a string token. */
  public getAttString(attributeName: string): string {
    return Token.asString(this.getAtt(attributeName));
  }
}

/**
 * The custom resource at the heart of every construct (its `Resource` child): served by the
 * stack's one provider, carrying its timeout both to the handler and to CloudFormation, and
 * depending on the domain when it is in the same stack. The domain is checked first (its account
 * and region, a name taken from an endpoint), and what the construct acts on is registered.
 */
export function lifecycleResource(scope: Construct, options: LifecycleResourceOptions): LifecycleCustomResource {
  if (options.domain) {
    checkDomainPlacement(scope, options.constructName, options.domain);
    warnOnEndpointName(scope, options.domain);
  }
  registerClaims(scope, options.claims);
  const timeoutSeconds = timeoutSecondsProperty(options.timeout);
  const resource = new LifecycleCustomResource(scope, 'Resource', {
    type: options.resourceType,
    properties: {
      ServiceToken: LifecycleProvider.of(scope).serviceToken,
      // As CustomResource writes it: whole seconds, as a string.
      ServiceTimeout: serviceTimeoutFor(timeoutSeconds).toSeconds().toString(),
      ...options.properties,
      // The default timeout is left out: every contract's parser applies DEFAULT_TIMEOUT_SECONDS
      // when the property is absent, so the handler waits exactly as long (it keeps every extra
      // construct's template small). A token is kept as it is.
      [PropertyKey.TIMEOUT_SECONDS]: timeoutSeconds === DEFAULT_TIMEOUT_SECONDS ? undefined : timeoutSeconds,
    },
  });
  if (options.readsStackStatus) {
    LifecycleProvider.of(scope).allowStackStatusRead(resource, options.constructName);
  }
  // DESTROY is CloudFormation's own default for a custom resource (DeletionPolicy and
  // UpdateReplacePolicy "Delete"): nothing is written for it, which keeps every extra construct's
  // template small. RETAIN is written, since it is not the default.
  if (options.removalPolicy !== undefined && options.removalPolicy !== RemovalPolicy.DESTROY) {
    resource.applyRemovalPolicy(options.removalPolicy);
  }
  dependOnDomain(resource, options.domain);
  return resource;
}

/** What both inbound connection constructs take. */
export interface ConnectionResourceProps {
  readonly connectionId: string;
  readonly domain?: IDomain;
  readonly timeout?: Duration;
}

/** The custom resource of an inbound connection construct, with the connection actions it needs. */
export function connectionResource(
  scope: Construct,
  constructName: string,
  resourceType: string,
  actions: ConnectionAction[],
  props: ConnectionResourceProps,
): LifecycleCustomResource {
  const resource = lifecycleResource(scope, {
    constructName,
    resourceType,
    claims: connectionClaim(props.connectionId),
    // Both connection kinds read it: see lambda/inbound-connection-deletion.ts and -rejection.ts.
    readsStackStatus: true,
    timeout: props.timeout,
    domain: props.domain,
    properties: {
      [PropertyKey.CONNECTION_ID]: connectionIdProperty(props.connectionId),
      [PropertyKey.DOMAIN_NAME]: props.domain ? domainNameProperty(props.domain) : undefined,
    },
  });
  LifecycleProvider.of(scope).allowConnectionActions(resource, constructName, actions);
  return resource;
}
