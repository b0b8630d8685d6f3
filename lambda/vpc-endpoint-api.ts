import {
  AuthorizeVpcEndpointAccessCommand,
  AuthorizedPrincipal,
  AWSServicePrincipal,
  CreateVpcEndpointCommand,
  DeleteVpcEndpointCommand,
  DescribeVpcEndpointsCommand,
  ListVpcEndpointAccessCommand,
  ListVpcEndpointsCommand,
  ListVpcEndpointsForDomainCommand,
  RevokeVpcEndpointAccessCommand,
  UpdateVpcEndpointCommand,
  VpcEndpoint,
  VpcEndpointSummary,
} from '@aws-sdk/client-opensearch';
import { log } from './log';
import { call, isNotFound, opensearch } from './opensearch';

/**
 * The VPC endpoint calls of the handlers, through the same client and error tagging as
 * `opensearch.ts`. The SDK has no paginator for the three List operations, so `allPages` follows
 * their NextToken; the model marks it required in every answer, so an empty one ends the list as
 * surely as a missing one.
 */

/** Pages through a List operation; a token seen twice ends it (a service that repeats itself must not loop us forever). */
async function allPages<T>(fetch: (nextToken: string | undefined) => Promise<{ items: T[]; nextToken?: string }>): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await fetch(nextToken);
    items.push(...page.items);
    nextToken = page.nextToken || undefined;
    if (nextToken !== undefined && seen.has(nextToken)) break;
    if (nextToken !== undefined) seen.add(nextToken);
  } while (nextToken !== undefined);
  return items;
}

/** The endpoint with this id as this account sees it; undefined when the service reports ENDPOINT_NOT_FOUND. */
export async function describeVpcEndpoint(vpcEndpointId: string): Promise<VpcEndpoint | undefined> {
  const response = await call('DescribeVpcEndpoints', vpcEndpointId, () =>
    opensearch().send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [vpcEndpointId] })),
  );
  const found = response.VpcEndpoints?.find((endpoint) => endpoint.VpcEndpointId === vpcEndpointId);
  const error = response.VpcEndpointErrors?.find((e) => e.VpcEndpointId === vpcEndpointId);
  if (found === undefined && error !== undefined && error.ErrorCode !== 'ENDPOINT_NOT_FOUND') {
    // SERVER_ERROR: the service could not read it now; thrown as a transient fault, retried at the next poll.
    throw Object.assign(new Error(`${error.ErrorCode}: ${error.ErrorMessage ?? 'no message'}`), {
      name: 'InternalException',
      $metadata: { httpStatusCode: 500 },
      failedCall: `DescribeVpcEndpoints ${vpcEndpointId}`,
    });
  }
  log(`DescribeVpcEndpoints ${vpcEndpointId}: ${found ? found.Status : (error?.ErrorCode ?? 'not listed')}`);
  return found;
}

/** Every endpoint of this account and region (summaries). */
export async function listVpcEndpoints(subject: string): Promise<VpcEndpointSummary[]> {
  const all = await call('ListVpcEndpoints', subject, () =>
    allPages(async (NextToken) => {
      const page = await opensearch().send(new ListVpcEndpointsCommand({ NextToken }));
      return { items: page.VpcEndpointSummaryList ?? [], nextToken: page.NextToken };
    }),
  );
  log(`ListVpcEndpoints: ${all.length} endpoint(s)`);
  return all;
}

/** Every endpoint to this domain of this account, of any account (the domain owner's view). */
export async function listVpcEndpointsForDomain(domainName: string): Promise<VpcEndpointSummary[]> {
  const all = await call('ListVpcEndpointsForDomain', domainName, () =>
    allPages(async (NextToken) => {
      const page = await opensearch().send(new ListVpcEndpointsForDomainCommand({ DomainName: domainName, NextToken }));
      return { items: page.VpcEndpointSummaryList ?? [], nextToken: page.NextToken };
    }),
  );
  log(
    `ListVpcEndpointsForDomain ${domainName}: ${all.map((e) => `${e.VpcEndpointId} (${e.VpcEndpointOwner}) ${e.Status}`).join(', ') || 'none'}`,
  );
  return all;
}

export async function createVpcEndpoint(input: {
  domainArn: string;
  subnetIds: string[];
  securityGroupIds: string[];
  clientToken: string;
}): Promise<VpcEndpoint> {
  const response = await call('CreateVpcEndpoint', input.domainArn, () =>
    opensearch().send(
      new CreateVpcEndpointCommand({
        DomainArn: input.domainArn,
        VpcOptions: {
          SubnetIds: input.subnetIds,
          ...(input.securityGroupIds.length > 0 ? { SecurityGroupIds: input.securityGroupIds } : {}),
        },
        ClientToken: input.clientToken,
      }),
    ),
  );
  log(`CreateVpcEndpoint ${input.domainArn}: ${response.VpcEndpoint?.VpcEndpointId} ${response.VpcEndpoint?.Status}`);
  return response.VpcEndpoint ?? {};
}

export async function updateVpcEndpoint(vpcEndpointId: string, subnetIds: string[], securityGroupIds: string[]): Promise<VpcEndpoint> {
  const response = await call('UpdateVpcEndpoint', vpcEndpointId, () =>
    opensearch().send(
      new UpdateVpcEndpointCommand({
        VpcEndpointId: vpcEndpointId,
        VpcOptions: { SubnetIds: subnetIds, ...(securityGroupIds.length > 0 ? { SecurityGroupIds: securityGroupIds } : {}) },
      }),
    ),
  );
  log(`UpdateVpcEndpoint ${vpcEndpointId}: ${response.VpcEndpoint?.Status}`);
  return response.VpcEndpoint ?? {};
}

/** DeleteVpcEndpoint; false when the service no longer knows the endpoint (already gone). */
export async function deleteVpcEndpoint(vpcEndpointId: string): Promise<boolean> {
  try {
    const response = await call('DeleteVpcEndpoint', vpcEndpointId, () =>
      opensearch().send(new DeleteVpcEndpointCommand({ VpcEndpointId: vpcEndpointId })),
    );
    log(`DeleteVpcEndpoint ${vpcEndpointId}: ${response.VpcEndpointSummary?.Status}`);
    return true;
  } catch (error) {
    if (isNotFound(error)) {
      log(`DeleteVpcEndpoint ${vpcEndpointId}: not found, already gone`);
      return false;
    }
    throw error;
  }
}

export type PrincipalRequest = { Account: string } | { Service: AWSServicePrincipal };

/** Who may make endpoints to this domain (the domain owner's view). */
export async function listVpcEndpointAccess(domainName: string): Promise<AuthorizedPrincipal[]> {
  const all = await call('ListVpcEndpointAccess', domainName, () =>
    allPages(async (NextToken) => {
      const page = await opensearch().send(new ListVpcEndpointAccessCommand({ DomainName: domainName, NextToken }));
      return { items: page.AuthorizedPrincipalList ?? [], nextToken: page.NextToken };
    }),
  );
  log(`ListVpcEndpointAccess ${domainName}: ${all.map((p) => p.Principal).join(', ') || 'none'}`);
  return all;
}

export async function authorizeVpcEndpointAccess(domainName: string, principal: PrincipalRequest, subject: string): Promise<void> {
  await call('AuthorizeVpcEndpointAccess', subject, () =>
    opensearch().send(new AuthorizeVpcEndpointAccessCommand({ DomainName: domainName, ...principal })),
  );
  log(`AuthorizeVpcEndpointAccess ${subject}: authorized`);
}

export async function revokeVpcEndpointAccess(domainName: string, principal: PrincipalRequest, subject: string): Promise<void> {
  await call('RevokeVpcEndpointAccess', subject, () =>
    opensearch().send(new RevokeVpcEndpointAccessCommand({ DomainName: domainName, ...principal })),
  );
  log(`RevokeVpcEndpointAccess ${subject}: revoked`);
}
