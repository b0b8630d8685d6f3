import * as path from 'path';
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import {
  AssociatedPackage,
  InboundConnectionDeletion,
  InboundConnectionRejection,
  Package,
  PackageAssociation,
  PackageDissociation,
  PackageSource,
  PackageType,
} from '../lib';

export interface ExampleStackProps extends StackProps {
  /**
   * The stack's next version: one package dropped from the list, the rejection pointed at another
   * connection, and a changed synonyms file.
   */
  readonly next?: boolean;
}

/** The example: every construct of the library, against domains made elsewhere. */
export class OpenSearchLifecycleExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: ExampleStackProps = {}) {
    super(scope, id, props);
    const importDomain = (constructId: string, name: string) =>
      Domain.fromDomainAttributes(this, constructId, {
        domainArn: `arn:aws:es:${this.region}:${this.account}:domain/${name}`,
        domainEndpoint: `https://search-${name}-example.${this.region}.es.amazonaws.com`,
      });
    const destination = importDomain('LogsDestination', 'logs-destination');
    const searchDomain = importDomain('SearchDomain', 'search-products');

    const rejection = new InboundConnectionRejection(this, 'RejectPendingConnection', {
      connectionId: props.next ? 'cc-pending-0002' : 'cc-pending-0001',
      domain: destination,
    });

    const deletion = new InboundConnectionDeletion(this, 'DeleteActiveConnection', {
      connectionId: 'cc-active-0001',
      domain: destination,
    });

    new PackageDissociation(this, 'RemoveDictionaries', {
      domain: searchDomain,
      packageIds: props.next ? ['F111111111', 'pkg-0a1b2c3d'] : ['F111111111', 'F222222222', 'pkg-0a1b2c3d'],
    });

    // A dictionary kept in the repository: a changed file is a new package version, which the
    // association moves the domain to.
    const synonyms = new Package(this, 'ProductSynonyms', {
      packageName: 'product-synonyms',
      packageType: PackageType.TXT_DICTIONARY,
      source: PackageSource.fromAsset(
        path.join(__dirname, 'dictionaries', props.next ? 'product-synonyms-next.txt' : 'product-synonyms.txt'),
      ),
      description: 'Synonyms for product search',
    });
    new PackageAssociation(this, 'ProductSynonymsOnSearch', {
      domain: searchDomain,
      packages: [AssociatedPackage.fromPackage(synonyms)],
    });

    new CfnOutput(this, 'SynonymsPackageVersion', { value: synonyms.packageVersion });
    new CfnOutput(this, 'RejectedConnectionStatus', { value: rejection.connectionStatus });
    new CfnOutput(this, 'DeletedConnectionStatus', { value: deletion.connectionStatus });
  }
}
