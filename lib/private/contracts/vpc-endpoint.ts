import { createHash } from 'crypto';
import { checkAccountId, checkOneOf } from './connection-ends';
import {
  DEFAULT_TIMEOUT_SECONDS,
  InvalidPropertyError,
  PropertyKey,
  asPropertyBag,
  checkDomainName,
  checkTimeoutSeconds,
  describeValue,
  optional,
} from './properties';

/**
 * The custom resource types. Changing one replaces every deployed resource, so a test pins them.
 */
export const VPC_ENDPOINT_TYPE = 'Custom::OpenSearchVpcEndpoint';
export const VPC_ENDPOINT_ACCESS_TYPE = 'Custom::OpenSearchVpcEndpointAccess';

/** Template property keys of a DomainVpcEndpoint resource. */
export const VpcEndpointKey = {
  DOMAIN_ARN: 'DomainArn',
  /** Not in the issue's list: the handler needs it to adopt an endpoint of the same VPC and to tell a new VPC (a replacement). */
  VPC_ID: 'VpcId',
  SUBNET_IDS: 'SubnetIds',
  SECURITY_GROUP_IDS: 'SecurityGroupIds',
  TIMEOUT_SECONDS: PropertyKey.TIMEOUT_SECONDS,
} as const;

/** Attributes a DomainVpcEndpoint resource returns (`Fn::GetAtt`). */
export const VpcEndpointAttribute = {
  VPC_ENDPOINT_ID: 'VpcEndpointId',
  ENDPOINT: 'Endpoint',
  STATUS: 'Status',
} as const;

/** Template property keys of a VpcEndpointAccess resource. */
export const VpcEndpointAccessKey = {
  DOMAIN_NAME: PropertyKey.DOMAIN_NAME,
  ACCOUNT: 'Account',
  SERVICE: 'Service',
  /** 'true': Delete revokes even while the account still has endpoints to the domain. */
  ALLOW_REVOKE_WHILE_IN_USE: 'AllowRevokeWhileInUse',
  TIMEOUT_SECONDS: PropertyKey.TIMEOUT_SECONDS,
} as const;

/** The service principals AuthorizeVpcEndpointAccess takes (the model's AWSServicePrincipal enum). */
export const VPC_ENDPOINT_SERVICES = ['application.opensearchservice.amazonaws.com'] as const;

/** The developer guide's quotas ("Considerations for OpenSearch Service", vpc-interface-endpoints). */
export const MAX_ENDPOINTS_PER_ACCOUNT = 50;
export const MAX_ENDPOINTS_PER_DOMAIN = 10;
export const MAX_PRINCIPALS_PER_DOMAIN = 10;

/** The model's DomainArn pattern, anchored. */
const DOMAIN_ARN_PATTERN = /^arn:aws[a-z-]*:[a-z]+:([a-z0-9-]+):([0-9]+):domain\/([a-z0-9-]+)$/;
const SUBNET_PATTERN = /^subnet-[a-zA-Z0-9]+$/;
const SECURITY_GROUP_PATTERN = /^sg-[a-zA-Z0-9]+$/;
const VPC_PATTERN = /^vpc-[a-zA-Z0-9]+$/;

export interface VpcEndpointProperties {
  readonly domainArn: string;
  readonly domainRegion: string;
  readonly domainOwnerId: string;
  readonly domainName: string;
  readonly vpcId: string;
  /** Sorted: the order of subnets and security groups means nothing to the service. */
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly timeoutSeconds: number;
}

export interface VpcEndpointAccessProperties {
  readonly domainName: string;
  readonly principal: { readonly kind: 'account'; readonly account: string } | { readonly kind: 'service'; readonly service: string };
  readonly allowRevokeWhileInUse: boolean;
  readonly timeoutSeconds: number;
}

export function checkDomainArn(
  value: unknown,
  label: string = VpcEndpointKey.DOMAIN_ARN,
): { arn: string; region: string; ownerId: string; name: string } {
  const match = typeof value === 'string' ? DOMAIN_ARN_PATTERN.exec(value) : null;
  if (!match) {
    throw new InvalidPropertyError(
      `${label} must be an OpenSearch domain ARN (arn:aws:es:<region>:<account>:domain/<name>); got ${describeValue(value)}`,
    );
  }
  checkDomainName(match[3], `${label} domain name`);
  return { arn: value as string, region: match[1], ownerId: match[2], name: match[3] };
}

export function checkVpcId(value: unknown, label: string = VpcEndpointKey.VPC_ID): string {
  if (typeof value !== 'string' || !VPC_PATTERN.test(value)) {
    throw new InvalidPropertyError(`${label} must be a VPC id like vpc-0123456789abcdef0; got ${describeValue(value)}`);
  }
  return value;
}

function checkIdList(value: unknown, label: string, pattern: RegExp, example: string, min: number): string[] {
  if (!Array.isArray(value) || value.length < min || value.some((item) => typeof item !== 'string' || !pattern.test(item))) {
    throw new InvalidPropertyError(
      `${label} must be a list of ${min > 0 ? `at least ${min} ` : ''}ids like ${example}; got ${describeValue(value)}`,
    );
  }
  const ids = value as string[];
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate !== undefined) {
    throw new InvalidPropertyError(`${label} lists ${duplicate} twice`);
  }
  return [...ids].sort();
}

export function checkSubnetIds(value: unknown, label: string = VpcEndpointKey.SUBNET_IDS): string[] {
  return checkIdList(value, label, SUBNET_PATTERN, 'subnet-0123456789abcdef0', 1);
}

export function checkSecurityGroupIds(value: unknown, label: string = VpcEndpointKey.SECURITY_GROUP_IDS): string[] {
  return checkIdList(value, label, SECURITY_GROUP_PATTERN, 'sg-0123456789abcdef0', 0);
}

/** Parses the template properties of a DomainVpcEndpoint resource. */
export function parseVpcEndpointProperties(raw: unknown): VpcEndpointProperties {
  const bag = asPropertyBag(raw);
  const domain = checkDomainArn(bag[VpcEndpointKey.DOMAIN_ARN]);
  return {
    domainArn: domain.arn,
    domainRegion: domain.region,
    domainOwnerId: domain.ownerId,
    domainName: domain.name,
    vpcId: checkVpcId(bag[VpcEndpointKey.VPC_ID]),
    subnetIds: checkSubnetIds(bag[VpcEndpointKey.SUBNET_IDS]),
    securityGroupIds: optional(bag, VpcEndpointKey.SECURITY_GROUP_IDS, checkSecurityGroupIds) ?? [],
    timeoutSeconds: optional(bag, VpcEndpointKey.TIMEOUT_SECONDS, checkTimeoutSeconds) ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

/** Parses the template properties of a VpcEndpointAccess resource. */
export function parseVpcEndpointAccessProperties(raw: unknown): VpcEndpointAccessProperties {
  const bag = asPropertyBag(raw);
  const key = VpcEndpointAccessKey;
  const account = optional(bag, key.ACCOUNT, checkAccountId);
  const service = optional(bag, key.SERVICE, (v, l) => checkOneOf(VPC_ENDPOINT_SERVICES, v, l));
  if ((account === undefined) === (service === undefined)) {
    throw new InvalidPropertyError(`exactly one of ${key.ACCOUNT} or ${key.SERVICE} must be given`);
  }
  return {
    domainName: checkDomainName(bag[key.DOMAIN_NAME], key.DOMAIN_NAME),
    principal: account !== undefined ? { kind: 'account', account } : { kind: 'service', service: service! },
    allowRevokeWhileInUse: optional(bag, key.ALLOW_REVOKE_WHILE_IN_USE, (v, l) => checkOneOf(['true', 'false'], v, l)) === 'true',
    timeoutSeconds: optional(bag, key.TIMEOUT_SECONDS, checkTimeoutSeconds) ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

/** The principal as the service lists it: the account id, or the service principal. */
export function principalOf(props: Pick<VpcEndpointAccessProperties, 'principal'>): string {
  return props.principal.kind === 'account' ? props.principal.account : props.principal.service;
}

/**
 * How the resource came by its endpoint or authorization. Only the physical id survives from a
 * Create to later events, so it carries this: what the resource `created` is removed; what it
 * `adopted` (it was there before) is left alone in a rollback (an endpoint) or always (an authorization).
 */
export type VpcEndpointOrigin = 'created' | 'adopted';

export function vpcEndpointPhysicalId(vpcEndpointId: string, origin: VpcEndpointOrigin): string {
  return `opensearch-vpc-endpoint:${origin}:${vpcEndpointId}`;
}

export function parseVpcEndpointPhysicalId(
  physicalResourceId: string | undefined,
): { vpcEndpointId: string; origin: VpcEndpointOrigin } | undefined {
  const match = /^opensearch-vpc-endpoint:(created|adopted):(aos-[a-zA-Z0-9]+)$/.exec(physicalResourceId ?? '');
  return match ? { origin: match[1] as VpcEndpointOrigin, vpcEndpointId: match[2] } : undefined;
}

export function vpcEndpointAccessPhysicalId(domainName: string, principal: string, origin: VpcEndpointOrigin): string {
  return `opensearch-vpc-endpoint-access:${origin}:${domainName}:${principal}`;
}

export function parseVpcEndpointAccessPhysicalId(
  physicalResourceId: string | undefined,
): { domainName: string; principal: string; origin: VpcEndpointOrigin } | undefined {
  const match = /^opensearch-vpc-endpoint-access:(created|adopted):([a-z][a-z0-9-]+):([a-z0-9.]+)$/.exec(physicalResourceId ?? '');
  return match ? { origin: match[1] as VpcEndpointOrigin, domainName: match[2], principal: match[3] } : undefined;
}

/**
 * The ClientToken of CreateVpcEndpoint: a digest of the stack id, the logical id and what the
 * endpoint is for (domain and VPC). A retried or crashed Create sends the same token, so the
 * service answers with the endpoint it already made; a replacement (new domain or VPC) of the same
 * logical id sends another one, so the service does not answer with the old endpoint. At most 64
 * characters (the model's ClientToken).
 */
export function vpcEndpointClientToken(stackId: string, logicalResourceId: string, domainArn: string, vpcId: string): string {
  const digest = createHash('sha256').update(`${stackId}\n${logicalResourceId}\n${domainArn}\n${vpcId}`).digest('hex');
  return `cdk-opensearch-lifecycle-${digest.slice(0, 32)}`;
}
