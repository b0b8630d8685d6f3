import { Duration } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { domainNameProperty, packageIdsProperty, withConstructPath } from './private/construct-props';
import { PACKAGE_DISSOCIATION_TYPE } from './private/contracts/package-dissociation';
import { PropertyKey } from './private/contracts/properties';
import { LifecycleProvider } from './private/lifecycle-provider';
import { lifecycleResource } from './private/lifecycle-resource';
import { packageClaims } from './private/overlaps';

/**
 * Properties of a PackageDissociation.
 */
export interface PackageDissociationProps {
  /**
   * The domain the packages are associated with.
   *
   * When it is in the same stack, stack deletion dissociates the packages before it deletes the
   * domain.
   */
  readonly domain: IDomain;

  /**
   * The packages to dissociate: ids like `F123456789`, `G123456789` or `pkg-0123abcd`.
   *
   * At least one, at most 100, no repeats. Packages not in this list are never touched.
   */
  readonly packageIds: string[];

  /**
   * How long to wait for the service to finish before failing. Dissociating a plugin runs a
   * blue/green deployment, which can take long on a large domain.
   *
   * From 1 second to 55 minutes.
   *
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
}

/**
 * Dissociates packages from an Amazon OpenSearch Service domain when the resource is deleted, and
 * packages removed from its list when it is updated; waits until the service no longer lists them.
 *
 * | event | what happens |
 * |---|---|
 * | Create | check that the domain exists; no change |
 * | Update, packages removed from packageIds | DissociatePackages for exactly those, then wait until they are gone |
 * | Update, new domain | a replacement: checks the new domain; CloudFormation then deletes the old resource, which empties the old domain |
 * | Update, other changes | no call |
 * | Delete | one DissociatePackages call for every listed package still associated (others are skipped), then wait until each is gone |
 * | Delete, domain gone | succeed at once, no call |
 * | any wait, DISSOCIATION_FAILED | fail with the service's ErrorType and ErrorMessage |
 * | Delete or Update during a rollback | no call: the packages were associated before this resource; the response's `Note` says why |
 *
 * A rollback is a Delete or Update sent while the stack status is ROLLBACK_IN_PROGRESS,
 * UPDATE_ROLLBACK_IN_PROGRESS or UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS (read with
 * DescribeStacks): a failed first deployment, or a failed update whose rollback takes packages
 * it had added out of the list again. A stack deletion, a successful update that removes the
 * construct or packages from its list, and the old resource after a successful replacement still
 * dissociate.
 */
export class PackageDissociation extends Construct {
  constructor(scope: Construct, id: string, props: PackageDissociationProps) {
    super(scope, id);
    try {
      const resource = lifecycleResource(this, {
        constructName: 'PackageDissociation',
        resourceType: PACKAGE_DISSOCIATION_TYPE,
        claims: packageClaims(props.domain, props.packageIds),
        readsStackStatus: true,
        timeout: props.timeout,
        domain: props.domain,
        properties: {
          [PropertyKey.DOMAIN_NAME]: domainNameProperty(props.domain),
          [PropertyKey.PACKAGE_IDS]: packageIdsProperty(props.packageIds),
        },
      });
      LifecycleProvider.of(this).allowPackageActions(resource, props.domain);
    } catch (error) {
      throw withConstructPath(this, error);
    }
  }
}
