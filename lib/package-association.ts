import { Duration, Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { atSynth, domainNameProperty, withConstructPath } from './private/construct-props';
import { PACKAGE_ASSOCIATION_TYPE, PackageAssociationKey, checkAssociatedPackages } from './private/contracts/package-association';
import { LifecycleProvider } from './private/lifecycle-provider';
import { packageClaims } from './private/overlaps';
import { lifecycleResource } from './private/lifecycle-resource';
import { Package } from './package';

/**
 * Options of one package of a PackageAssociation.
 */
export interface AssociatedPackageOptions {
  /**
   * Packages of the same association that must be associated before or together with this one,
   * like the plugin a license or configuration package belongs to.
   *
   * @default - no prerequisites
   */
  readonly prerequisites?: AssociatedPackage[];
}

/**
 * One package of a PackageAssociation: a `Package` of this app, or the id of a package made
 * elsewhere (including AWS-owned `G...` packages).
 */
export class AssociatedPackage {
  /**
   * A package of this app. The association follows its versions: when the package gets a new
   * version, the domain is moved to it.
   */
  public static fromPackage(pkg: Package, options: AssociatedPackageOptions = {}): AssociatedPackage {
    return new AssociatedPackage(pkg.packageId, pkg.packageVersion, pkg, options.prerequisites ?? []);
  }

  /**
   * A package made elsewhere, by its id: `F123456789`, `G123456789` or `pkg-0123abcd`.
   */
  public static fromPackageId(packageId: string, options: AssociatedPackageOptions = {}): AssociatedPackage {
    return new AssociatedPackage(packageId, undefined, undefined, options.prerequisites ?? []);
  }

  /**
   * The package id (a token for a `Package` of this app).
   */
  public readonly packageId: string;

  /**
   * The version the domain must run.
   *
   * @default - the version the association gives (packages given by id)
   */
  public readonly packageVersion?: string;

  /**
   * The `Package` this entry was made from.
   *
   * @default - the package was given by id
   */
  public readonly managedPackage?: Package;

  /**
   * Packages that must be associated before or together with this one.
   */
  public readonly prerequisites: AssociatedPackage[];

  private constructor(
    packageId: string,
    packageVersion: string | undefined,
    managedPackage: Package | undefined,
    prerequisites: AssociatedPackage[],
  ) {
    this.packageId = packageId;
    this.packageVersion = packageVersion;
    this.managedPackage = managedPackage;
    this.prerequisites = prerequisites;
  }
}

/**
 * Properties of a PackageAssociation.
 */
export interface PackageAssociationProps {
  /**
   * The domain the packages are associated with. A new domain is a replacement.
   */
  readonly domain: IDomain;

  /**
   * The packages, in order, each with its prerequisites among the others.
   *
   * At least one, at most 100, no repeats. The domain's other packages are never touched.
   */
  readonly packages: AssociatedPackage[];

  /**
   * How long to wait for the service to finish before failing. Associating a plugin runs a
   * blue/green deployment, which can take long on a large domain.
   *
   * From 1 second to 55 minutes.
   *
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
}

/**
 * Associates packages with an Amazon OpenSearch Service domain and keeps the domain on their
 * newest versions; waits until the service reports every one ACTIVE.
 *
 * | event | what happens |
 * |---|---|
 * | Create | one AssociatePackages call for every listed package not already ACTIVE on the domain, then wait until all are ACTIVE |
 * | Create, ASSOCIATION_FAILED | dissociate what this Create associated, then fail with the service's ErrorType and ErrorMessage |
 * | Update, packages added, with a new version or with other prerequisites | one AssociatePackages call for them, then wait until ACTIVE on the new version |
 * | Update, packages removed | one DissociatePackages call for them (before any association), then wait until they are gone |
 * | Update, domain busy (blue/green in progress, ConflictException) | wait it out within the timeout |
 * | Update, new domain | a replacement; CloudFormation then deletes the old resource, which dissociates from the old domain |
 * | Delete | one DissociatePackages call for every listed package still associated, then wait until they are gone (shared with PackageDissociation) |
 * | Delete, domain gone | succeed at once |
 * | Delete or Update during a rollback | packages that were ACTIVE before the resource was created are left as they are |
 * | Update during a rollback | of the packages the failed update added, only those whose association is not older than the start of that update (DescribeStackEvents) are dissociated; the rest, or all when the start cannot be read, are left and named in the Note; the domain keeps the package versions it runs (an association cannot go back to an older one) |
 */
export class PackageAssociation extends Construct {
  constructor(scope: Construct, id: string, props: PackageAssociationProps) {
    super(scope, id);
    try {
      const entries = associationEntries(props.packages);
      const resource = lifecycleResource(this, {
        constructName: 'PackageAssociation',
        // A Package of this app has a token for an id: it is claimed by its construct path instead.
        claims: packageClaims(
          props.domain,
          props.packages.map((entry) => (entry.managedPackage ? entry.managedPackage.node.path : entry.packageId)),
        ),
        resourceType: PACKAGE_ASSOCIATION_TYPE,
        // A rollback leaves alone the packages that were ACTIVE before the association.
        readsStackStatus: true,
        timeout: props.timeout,
        domain: props.domain,
        properties: {
          [PackageAssociationKey.DOMAIN_NAME]: domainNameProperty(props.domain),
          [PackageAssociationKey.PACKAGES]: entries,
        },
      });
      LifecycleProvider.of(this).allowPackageAssociation(resource, props.domain);
      LifecycleProvider.of(this).allowStackEventsRead(resource, 'PackageAssociation');
      for (const entry of props.packages) {
        if (entry.managedPackage) {
          resource.node.addDependency(entry.managedPackage);
        }
      }
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }
}

/** The template's package list, checked at synth with the handler's rules where values are known. */
function associationEntries(packages: AssociatedPackage[]): Array<Record<string, unknown>> {
  packages.forEach((entry, index) => {
    if (
      packages.indexOf(entry) !== index ||
      (entry.managedPackage && packages.findIndex((other) => other.managedPackage === entry.managedPackage) !== index)
    ) {
      throw new Error(`packages must not repeat a package; packages[${index}] appears twice`);
    }
    for (const prerequisite of entry.prerequisites) {
      const listed = packages.some(
        (other) =>
          other !== entry &&
          (other === prerequisite || (other.managedPackage !== undefined && other.managedPackage === prerequisite.managedPackage)),
      );
      if (!listed) {
        throw new Error(
          `packages[${index}] names a prerequisite that is not one of the other packages of this association; add it to packages`,
        );
      }
    }
  });
  const entries = packages.map((entry) => ({
    [PackageAssociationKey.PACKAGE_ID]: entry.packageId,
    [PackageAssociationKey.PACKAGE_VERSION]: entry.packageVersion,
    [PackageAssociationKey.PREREQUISITE_PACKAGE_IDS]:
      entry.prerequisites.length > 0 ? entry.prerequisites.map((p) => p.packageId) : undefined,
  }));
  atSynth(() =>
    checkAssociatedPackages(
      JSON.parse(JSON.stringify(entries)),
      'packages',
      (value) => typeof value === 'string' && Token.isUnresolved(value),
    ),
  );
  return entries;
}
