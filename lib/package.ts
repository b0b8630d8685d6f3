import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { atSynth, withConstructPath } from './private/construct-props';
import {
  PACKAGE_TYPE,
  PackageAttribute,
  PackageKey,
  checkDescription,
  checkEngineVersion,
  checkEngineVersionForType,
  checkPackageName,
} from './private/contracts/package';
import { LifecycleProvider } from './private/lifecycle-provider';
import { lifecycleResource } from './private/lifecycle-resource';

/**
 * The kind of file a package holds, as Amazon OpenSearch Service names it.
 */
export enum PackageType {
  /** A text dictionary (synonyms, stop words, stemming), referenced by analyzers. */
  TXT_DICTIONARY = 'TXT-DICTIONARY',
  /** A custom plugin, a zip file built for one engine version. Associating it runs a blue/green deployment. */
  ZIP_PLUGIN = 'ZIP-PLUGIN',
  /** The license file of a third-party plugin. */
  PACKAGE_LICENSE = 'PACKAGE-LICENSE',
  /** The configuration file of a third-party plugin. */
  PACKAGE_CONFIG = 'PACKAGE-CONFIG',
}

/**
 * Where a package's file is: the S3 object the service copies when it imports the package.
 */
export interface PackageSourceConfig {
  /**
   * The bucket that holds the file.
   */
  readonly bucket: s3.IBucket;

  /**
   * The key of the file in the bucket.
   */
  readonly key: string;
}

/**
 * The file a package is made from.
 */
export abstract class PackageSource {
  /**
   * A file of your repository, uploaded as a CDK file asset by `cdk deploy`. When its content
   * changes, the asset's key changes and the package gets a new version.
   *
   * The CDK staging bucket is encrypted with SSE-KMS by the default bootstrap, which the service
   * cannot read: the handler copies the file into an SSE-S3 bucket the stack gets for this (made
   * only when a stack uses `fromAsset`) right before the service imports it, and removes the
   * copy afterwards.
   *
   * @param path the local path of the file (a zip file for a plugin)
   */
  public static fromAsset(path: string): PackageSource {
    return new AssetPackageSource(path);
  }

  /**
   * An object already in S3. Use a new key for a new version of the file: a change of key is what
   * makes the package update.
   *
   * The object must be readable by the service: not encrypted with SSE-KMS (SSE-S3 is fine), in
   * the stack's Region, and readable by the provider's role, which the construct grants
   * (`s3:GetObject` on that object; a bucket policy must not deny it).
   */
  public static fromBucket(bucket: s3.IBucket, key: string): PackageSource {
    return new BucketPackageSource(bucket, key);
  }

  /** Makes whatever the source needs under the package, and says where the file is. */
  public abstract bind(scope: Construct): PackageSourceConfig;
}

class AssetPackageSource extends PackageSource {
  constructor(private readonly path: string) {
    super();
  }

  public bind(scope: Construct): PackageSourceConfig {
    const asset = new s3assets.Asset(scope, 'Source', { path: this.path });
    return { bucket: asset.bucket, key: asset.s3ObjectKey };
  }
}

class BucketPackageSource extends PackageSource {
  constructor(
    private readonly bucket: s3.IBucket,
    private readonly key: string,
  ) {
    super();
  }

  public bind(): PackageSourceConfig {
    return { bucket: this.bucket, key: this.key };
  }
}

/**
 * Properties of a Package.
 */
export interface PackageProps {
  /**
   * The name of the package, unique in the account and region.
   *
   * 3-28 characters of lower-case letters, digits and hyphens, starting with a letter. A new
   * name is a new package (a replacement).
   */
  readonly packageName: string;

  /**
   * What the file is. A new type needs a new name: package names are unique, and CloudFormation
   * creates the new package before it deletes the old one.
   */
  readonly packageType: PackageType;

  /**
   * The file the package is made from. A new file (or new key) makes a new package version.
   */
  readonly source: PackageSource;

  /**
   * The engine version a plugin was built for, like `OpenSearch_2.17`.
   *
   * Required for `ZIP_PLUGIN`, refused for every other type. A new engine version needs a new name.
   *
   * @default - none (only allowed for types other than ZIP_PLUGIN)
   */
  readonly engineVersion?: string;

  /**
   * A description of the package, at most 960 characters.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * How long to wait for the service to import the file (or delete the package) before failing.
   *
   * From 1 second to 55 minutes.
   *
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
}

/**
 * An Amazon OpenSearch Service package (a dictionary or a plugin) made from a file, which the
 * resource imports and waits for until the service reports it AVAILABLE.
 *
 * | event | what happens |
 * |---|---|
 * | Create | CreatePackage, then wait through COPYING and VALIDATING until AVAILABLE |
 * | Create, COPY_FAILED or VALIDATION_FAILED | DeletePackage for the package this Create made, then fail with the service's ErrorType and ErrorMessage |
 * | Create, CreatePackage says the name is taken by another package | fail naming that package's id; it is not touched (AWS-owned and partner packages of the name do not count unless CreatePackage says so) |
 * | Update, new source (file content or key) | UpdatePackage, then wait until AVAILABLE; `packageVersion` moves on |
 * | Update, description only | UpdatePackage with the same source (the only call that changes it), then wait until AVAILABLE with the new description |
 * | Update, new name | a replacement: a new package; CloudFormation then deletes the old one |
 * | Update, new type or engine version with the same name | fail: it needs a new name |
 * | Delete | DeletePackage, then wait until it is gone |
 * | Delete, still associated with a domain | wait up to 2 minutes for the service's reads to catch up, then fail naming the domains |
 * | Delete, already gone | succeed at once |
 *
 * How the handler tells its own package from someone else's: every package it creates carries,
 * at the end of its description, a mark made from the stack id and the logical id of the
 * resource. A retried or crashed Create that finds a package of its name with this mark goes on
 * with that package (so there is never a second one); a package of that name without the mark is
 * someone else's, and the Create fails naming it. Delete only deletes a package with the mark.
 */
export class Package extends Construct {
  /**
   * The id the service gave the package, like `F123456789`.
   *
   * @attribute
   */
  public readonly packageId: string;

  /**
   * The version of the package the service made available last, like `v2`.
   *
   * @attribute
   */
  public readonly packageVersion: string;

  /**
   * The name of the package.
   */
  public readonly packageName: string;

  /**
   * The type of the package.
   */
  public readonly packageType: PackageType;

  constructor(scope: Construct, id: string, props: PackageProps) {
    super(scope, id);
    try {
      this.packageName = props.packageName;
      this.packageType = props.packageType;
      if (!Token.isUnresolved(props.packageName)) {
        atSynth(() => checkPackageName(props.packageName, 'packageName'));
      }
      if (props.engineVersion !== undefined && !Token.isUnresolved(props.engineVersion)) {
        atSynth(() => checkEngineVersion(props.engineVersion, 'engineVersion'));
      }
      atSynth(() => checkEngineVersionForType(props.packageType, props.engineVersion, 'engineVersion'));
      if (props.description !== undefined && !Token.isUnresolved(props.description)) {
        atSynth(() => checkDescription(props.description, 'description'));
      }

      const source = props.source.bind(this);
      // The service reads a package file only from a bucket in the domain's Region (developer
      // guide, third-party plugins): known at synth when the bucket's Region is.
      const bucketRegion = source.bucket.env.region;
      const stackRegion = Stack.of(this).region;
      if (!Token.isUnresolved(bucketRegion) && !Token.isUnresolved(stackRegion) && bucketRegion !== stackRegion) {
        throw new Error(
          `${this.node.path}: the package file's bucket ${source.bucket.bucketName} is in ${bucketRegion}, not in the stack's Region ${stackRegion}: ` +
            'the service imports package files only from a bucket in the Region of the domains; copy the file into a bucket there.',
        );
      }
      const provider = LifecycleProvider.of(this);
      // A file asset lives in the CDK staging bucket, which the service cannot read (SSE-KMS): the
      // handler copies it into the provider's SSE-S3 bucket first.
      const copyBucket = props.source instanceof AssetPackageSource ? provider.packageSourceCopyBucket() : undefined;
      const resource = lifecycleResource(this, {
        constructName: 'Package',
        claims: Token.isUnresolved(props.packageName)
          ? []
          : [{ key: `package-name:${props.packageName}`, subject: `package name ${props.packageName}` }],
        resourceType: PACKAGE_TYPE,
        // A Package only ever removes what it made itself: a rollback changes nothing for it.
        readsStackStatus: false,
        timeout: props.timeout,
        properties: {
          [PackageKey.PACKAGE_NAME]: props.packageName,
          [PackageKey.PACKAGE_TYPE]: props.packageType,
          [PackageKey.S3_BUCKET_NAME]: source.bucket.bucketName,
          [PackageKey.S3_KEY]: source.key,
          [PackageKey.SOURCE_COPY_BUCKET]: copyBucket?.bucketName,
          [PackageKey.ENGINE_VERSION]: props.engineVersion,
          [PackageKey.PACKAGE_DESCRIPTION]: props.description,
        },
      });
      provider.allowPackageManagement(resource);
      provider.allowPackageSourceRead(resource, source.bucket, source.key);
      if (copyBucket) {
        provider.allowPackageSourceCopies(resource);
      }
      this.packageId = resource.getAttString(PackageAttribute.PACKAGE_ID);
      this.packageVersion = resource.getAttString(PackageAttribute.PACKAGE_VERSION);
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }
}
