/**
 * The HTTP routes of the VPC endpoint operations (see vpc-endpoints.ts), with the methods and
 * paths of botocore's model of the 2021-01-01 API.
 */
import type { Route } from './server';
import type { VpcEndpointOperationName } from './types';

const LABEL = '([^/]+)';

export const VPC_ENDPOINT_ROUTES: Route[] = [
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/opensearch\/vpcEndpoints$/,
    operation: 'CreateVpcEndpoint',
    handle: (w, _labels, body, _query, caller) => w.vpcEndpoints.createVpcEndpoint(body, caller),
  },
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/opensearch\/vpcEndpoints\/describe$/,
    operation: 'DescribeVpcEndpoints',
    handle: (w, _labels, body, _query, caller) => w.vpcEndpoints.describeVpcEndpoints(body, caller),
  },
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/opensearch\/vpcEndpoints\/update$/,
    operation: 'UpdateVpcEndpoint',
    handle: (w, _labels, body, _query, caller) => w.vpcEndpoints.updateVpcEndpoint(body, caller),
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/2021-01-01/opensearch/vpcEndpoints/${LABEL}$`),
    operation: 'DeleteVpcEndpoint',
    handle: (w, [id], _body, _query, caller) => w.vpcEndpoints.deleteVpcEndpoint(id, caller),
  },
  {
    method: 'GET',
    pattern: /^\/2021-01-01\/opensearch\/vpcEndpoints$/,
    operation: 'ListVpcEndpoints',
    handle: (w, _labels, _body, query, caller) => w.vpcEndpoints.listVpcEndpoints(query, caller),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/2021-01-01/opensearch/domain/${LABEL}/vpcEndpoints$`),
    operation: 'ListVpcEndpointsForDomain',
    handle: (w, [name], _body, query, caller) => w.vpcEndpoints.listVpcEndpointsForDomain(name, query, caller),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/2021-01-01/opensearch/domain/${LABEL}/authorizeVpcEndpointAccess$`),
    operation: 'AuthorizeVpcEndpointAccess',
    handle: (w, [name], body, _query, caller) => w.vpcEndpoints.authorizeVpcEndpointAccess(name, body, caller),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/2021-01-01/opensearch/domain/${LABEL}/revokeVpcEndpointAccess$`),
    operation: 'RevokeVpcEndpointAccess',
    handle: (w, [name], body, _query, caller) => w.vpcEndpoints.revokeVpcEndpointAccess(name, body, caller),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/2021-01-01/opensearch/domain/${LABEL}/listVpcEndpointAccess$`),
    operation: 'ListVpcEndpointAccess',
    handle: (w, [name], _body, query, caller) => w.vpcEndpoints.listVpcEndpointAccess(name, query, caller),
  },
];

export const VPC_ENDPOINT_MUTATIONS: VpcEndpointOperationName[] = [
  'CreateVpcEndpoint',
  'UpdateVpcEndpoint',
  'DeleteVpcEndpoint',
  'AuthorizeVpcEndpointAccess',
  'RevokeVpcEndpointAccess',
];
