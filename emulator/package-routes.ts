/**
 * The HTTP routes of the package operations (see packages.ts), exactly as the SDK's operation
 * table sends them. The singular AssociatePackage and DissociatePackage are the plural ones with
 * a list of one.
 */
import type { Route } from './server';
import type { PackageOperationName } from './types';

const PACKAGE_ID = '([^/]+)';

export const PACKAGE_ROUTES: Route[] = [
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/packages$/,
    operation: 'CreatePackage',
    handle: (w, _labels, body, _query, caller) => w.packageCatalog.createPackage(body, caller),
  },
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/packages\/update$/,
    operation: 'UpdatePackage',
    handle: (w, _labels, body, _query, caller) => w.packageCatalog.updatePackage(body, caller),
  },
  {
    method: 'POST',
    pattern: /^\/2021-01-01\/packages\/describe$/,
    operation: 'DescribePackages',
    handle: (w, _labels, body, _query, caller) => w.packageCatalog.describePackages(body, caller),
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/2021-01-01/packages/${PACKAGE_ID}$`),
    operation: 'DeletePackage',
    handle: (w, [id], _body, _query, caller) => w.packageCatalog.deletePackage(id, caller),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/2021-01-01/packages/${PACKAGE_ID}/history$`),
    operation: 'GetPackageVersionHistory',
    handle: (w, [id], _body, query, caller) => w.packageCatalog.getPackageVersionHistory(id, query, caller),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/2021-01-01/packages/${PACKAGE_ID}/domains$`),
    operation: 'ListDomainsForPackage',
    handle: (w, [id], _body, _query, caller) => w.packageCatalog.listDomainsForPackage(id, caller),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/2021-01-01/packages/associate/${PACKAGE_ID}/([^/]+)$`),
    operation: 'AssociatePackage',
    handle: (w, [id, domainName], body, _query, caller) => {
      const options = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      const { DomainPackageDetailsList } = w.associatePackages(
        { DomainName: domainName, PackageList: [{ ...options, PackageID: id }] },
        caller,
      );
      return { DomainPackageDetails: (DomainPackageDetailsList as unknown[])[0] };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/2021-01-01/packages/dissociate/${PACKAGE_ID}/([^/]+)$`),
    operation: 'DissociatePackage',
    handle: (w, [id, domainName]) => {
      const { DomainPackageDetailsList } = w.dissociatePackages({ DomainName: domainName, PackageList: [id] });
      return { DomainPackageDetails: (DomainPackageDetailsList as unknown[])[0] };
    },
  },
];

export const PACKAGE_MUTATIONS: PackageOperationName[] = [
  'CreatePackage',
  'UpdatePackage',
  'DeletePackage',
  'AssociatePackage',
  'DissociatePackage',
];
