import { CfnResource, CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
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
 * The custom resource at the heart of every construct (its `Resource` child): served by the
 * stack's one provider, carrying its timeout both to the handler and to CloudFormation, and
 * depending on the domain when it is in the same stack. The domain is checked first (its account
 * and region, a name taken from an endpoint), and what the construct acts on is registered.
 */
export function lifecycleResource(scope: Construct, options: LifecycleResourceOptions): CustomResource {
  if (options.domain) {
    checkDomainPlacement(scope, options.constructName, options.domain);
    warnOnEndpointName(scope, options.domain);
  }
  registerClaims(scope, options.claims);
  const timeoutSeconds = timeoutSecondsProperty(options.timeout);
  const resource = new CustomResource(scope, 'Resource', {
    serviceToken: LifecycleProvider.of(scope).serviceToken,
    resourceType: options.resourceType,
    serviceTimeout: serviceTimeoutFor(timeoutSeconds),
    properties: {
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
  writeRemovalPolicy(resource, options.removalPolicy ?? RemovalPolicy.DESTROY);
  dependOnDomain(resource, options.domain);
  return resource;
}

/**
 * Writes the resource's DeletionPolicy and UpdateReplacePolicy only when they are not
 * CloudFormation's own default. CustomResource writes "Delete" for both, which is what
 * CloudFormation does for a custom resource without them: leaving them out changes nothing on AWS
 * and keeps every extra construct's template small. RETAIN is written, since it is not the default.
 */
function writeRemovalPolicy(resource: CustomResource, removalPolicy: RemovalPolicy): void {
  const cfn = resource.node.defaultChild as CfnResource;
  if (removalPolicy === RemovalPolicy.DESTROY) {
    cfn.cfnOptions.deletionPolicy = undefined;
    cfn.cfnOptions.updateReplacePolicy = undefined;
  } else {
    cfn.applyRemovalPolicy(removalPolicy);
  }
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
): CustomResource {
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
