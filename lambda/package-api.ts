import {
  AssociatePackagesCommand,
  CreatePackageCommand,
  DeletePackageCommand,
  DomainPackageDetails,
  GetPackageVersionHistoryCommand,
  PackageDetails,
  PackageType,
  UpdatePackageCommand,
  paginateDescribePackages,
  paginateListDomainsForPackage,
} from '@aws-sdk/client-opensearch';
import { log } from './log';
import { call, isNotFound, opensearch } from './opensearch';

/**
 * The package calls of the handlers (CreatePackage and the rest), beside the connection and
 * association calls of `opensearch.ts`, through the same client and the same error tagging.
 */

export interface PackageSource {
  readonly bucket: string;
  readonly key: string;
}

/** The package with this name, if any; names are unique per account and region. */
export async function findPackageByName(packageName: string): Promise<PackageDetails | undefined> {
  const pages = paginateDescribePackages(
    { client: opensearch() },
    { Filters: [{ Name: 'PackageName', Value: [packageName] }], MaxResults: 100 },
  );
  const found = await call('DescribePackages', packageName, async () => {
    for await (const page of pages) {
      const match = page.PackageDetailsList?.find((details) => details.PackageName === packageName && details.PackageStatus !== 'DELETED');
      if (match) return match;
    }
    return undefined;
  });
  log(
    `DescribePackages ${packageName}: ${found ? `${found.PackageID} ${found.PackageStatus} ${found.AvailablePackageVersion ?? 'no version'}` : 'not found'}`,
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
    if (isNotFound(error)) {
      log(`DeletePackage ${packageId}: already gone`);
      return false;
    }
    throw error;
  }
}

/** The commit message of the newest version, if it has one. */
export async function latestCommitMessage(packageId: string): Promise<string | undefined> {
  const response = await call('GetPackageVersionHistory', packageId, () =>
    opensearch().send(new GetPackageVersionHistoryCommand({ PackageID: packageId, MaxResults: 1 })),
  );
  const newest = response.PackageVersionHistoryList?.[0];
  log(`GetPackageVersionHistory ${packageId}: newest ${newest?.PackageVersion ?? 'none'} "${newest?.CommitMessage ?? ''}"`);
  return newest?.CommitMessage;
}

/** The domains the package is associated with. */
export async function listDomainsForPackage(packageId: string): Promise<DomainPackageDetails[]> {
  const domains: DomainPackageDetails[] = [];
  await call('ListDomainsForPackage', packageId, async () => {
    for await (const page of paginateListDomainsForPackage({ client: opensearch() }, { PackageID: packageId, MaxResults: 100 })) {
      domains.push(...(page.DomainPackageDetailsList ?? []));
    }
  });
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
