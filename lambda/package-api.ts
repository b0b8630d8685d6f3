import {
  AssociatePackagesCommand,
  CreatePackageCommand,
  DeletePackageCommand,
  DomainPackageDetails,
  PackageDetails,
  PackageVersionHistory,
  PackageType,
  UpdatePackageCommand,
  paginateDescribePackages,
  paginateGetPackageVersionHistory,
  paginateListDomainsForPackage,
} from '@aws-sdk/client-opensearch';
import { log } from './log';
import { call, isGone, opensearch } from './opensearch';

/**
 * The package calls of the handlers (CreatePackage and the rest), beside the connection and
 * association calls of `opensearch.ts`, through the same client and the same error tagging.
 */

export interface PackageSource {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Every package DescribePackages shows with exactly this name, DELETED ones left out. Several may
 * share it: DescribePackages "describes all packages available" to the account, which includes
 * AWS-owned (`G…`) and partner packages whose names repeat (aws-nuke logs show two
 * `analysis-nori`), so a caller picks its own by the owner mark. A "not found" answer (either
 * form, see `isGone`) is an empty list.
 */
export async function findPackagesByName(packageName: string): Promise<PackageDetails[]> {
  const pages = paginateDescribePackages(
    { client: opensearch() },
    { Filters: [{ Name: 'PackageName', Value: [packageName] }], MaxResults: 100 },
  );
  const found: PackageDetails[] = [];
  try {
    await call('DescribePackages', packageName, async () => {
      for await (const page of pages) {
        found.push(...(page.PackageDetailsList ?? []).filter((d) => d.PackageName === packageName && d.PackageStatus !== 'DELETED'));
      }
    });
  } catch (error) {
    if (!isGone(error)) throw error;
  }
  log(
    `DescribePackages ${packageName}: ${found.map((p) => `${p.PackageID} ${p.PackageStatus} ${p.AvailablePackageVersion ?? 'no version'} owner ${p.PackageOwner ?? 'not given'}`).join(', ') || 'not found'}`,
  );
  return found;
}

export async function createPackage(input: {
  packageName: string;
  packageType: string;
  source: PackageSource;
  description: string;
  engineVersion?: string;
}): Promise<PackageDetails | undefined> {
  const response = await call('CreatePackage', input.packageName, () =>
    opensearch().send(
      new CreatePackageCommand({
        PackageName: input.packageName,
        PackageType: input.packageType as PackageType,
        PackageSource: { S3BucketName: input.source.bucket, S3Key: input.source.key },
        PackageDescription: input.description,
        EngineVersion: input.engineVersion,
      }),
    ),
  );
  log(`CreatePackage ${input.packageName}: ${response.PackageDetails?.PackageID} ${response.PackageDetails?.PackageStatus}`);
  return response.PackageDetails;
}

export async function updatePackage(
  packageId: string,
  source: PackageSource,
  description: string,
  commitMessage?: string,
): Promise<PackageDetails | undefined> {
  const response = await call('UpdatePackage', packageId, () =>
    opensearch().send(
      new UpdatePackageCommand({
        PackageID: packageId,
        PackageSource: { S3BucketName: source.bucket, S3Key: source.key },
        PackageDescription: description,
        CommitMessage: commitMessage,
      }),
    ),
  );
  log(`UpdatePackage ${packageId}: ${response.PackageDetails?.PackageStatus}`);
  return response.PackageDetails;
}

/** Deletes the package; false when it was already gone. */
export async function deletePackage(packageId: string): Promise<boolean> {
  try {
    const response = await call('DeletePackage', packageId, () => opensearch().send(new DeletePackageCommand({ PackageID: packageId })));
    log(`DeletePackage ${packageId}: ${response.PackageDetails?.PackageStatus}`);
    return true;
  } catch (error) {
    if (isGone(error)) {
      log(`DeletePackage ${packageId}: already gone`);
      return false;
    }
    throw error;
  }
}

/**
 * The history entry of `version` (the package's AvailablePackageVersion), read from the whole
 * history: its order is not documented (API reference, GetPackageVersionHistory), so no position
 * is trusted. Without `version`, the entry created last.
 */
export async function versionEntry(packageId: string, version: string | undefined): Promise<PackageVersionHistory | undefined> {
  const history: PackageVersionHistory[] = [];
  await call('GetPackageVersionHistory', packageId, async () => {
    for await (const page of paginateGetPackageVersionHistory({ client: opensearch() }, { PackageID: packageId, MaxResults: 100 })) {
      history.push(...(page.PackageVersionHistoryList ?? []));
    }
  });
  const byCreation = [...history].sort((a, b) => (b.CreatedAt?.getTime() ?? 0) - (a.CreatedAt?.getTime() ?? 0));
  const entry = version !== undefined ? history.find((v) => v.PackageVersion === version) : byCreation[0];
  log(`GetPackageVersionHistory ${packageId}: ${history.length} versions; ${version ?? 'newest'}: "${entry?.CommitMessage ?? ''}"`);
  return entry;
}

/** The domains the package is associated with. */
export async function listDomainsForPackage(packageId: string): Promise<DomainPackageDetails[]> {
  const domains: DomainPackageDetails[] = [];
  try {
    await call('ListDomainsForPackage', packageId, async () => {
      for await (const page of paginateListDomainsForPackage({ client: opensearch() }, { PackageID: packageId, MaxResults: 100 })) {
        domains.push(...(page.DomainPackageDetailsList ?? []));
      }
    });
  } catch (error) {
    if (!isGone(error)) throw error;
    log(`ListDomainsForPackage ${packageId}: package not found`);
  }
  log(`ListDomainsForPackage ${packageId}: ${domains.map((d) => d.DomainName).join(', ') || 'none'}`);
  return domains;
}

export interface PackageToAssociate {
  readonly packageId: string;
  readonly prerequisitePackageIds: string[];
}

/** Associates the packages with the domain in one call. */
export async function associatePackages(domainName: string, packages: PackageToAssociate[]): Promise<void> {
  await call('AssociatePackages', `on domain ${domainName}`, () =>
    opensearch().send(
      new AssociatePackagesCommand({
        DomainName: domainName,
        PackageList: packages.map((p) => ({
          PackageID: p.packageId,
          ...(p.prerequisitePackageIds.length > 0 ? { PrerequisitePackageIDList: p.prerequisitePackageIds } : {}),
        })),
      }),
    ),
  );
  log(`AssociatePackages ${domainName} [${packages.map((p) => p.packageId).join(', ')}]: submitted`);
}
