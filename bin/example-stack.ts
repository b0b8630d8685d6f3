import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../lib';

export interface ExampleStackProps extends StackProps {
  /** The stack's next version: one package dropped from the list, the rejection pointed at another connection. */
  readonly next?: boolean;
}

/** The example: all three constructs, against domains made elsewhere. */
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

    // Named for when the status was read: the deletion happens only when its resource is deleted.
    new CfnOutput(this, 'RejectedConnectionStatusAfterRejection', {
      value: rejection.connectionStatus,
      description: 'Status of the rejected connection once the rejection finished (REJECTED)',
    });
    new CfnOutput(this, 'ConnectionToDeleteStatusBeforeDeletion', {
      value: deletion.connectionStatus,
      description: 'Status of the connection to delete, read at create or update; it is deleted when this resource is deleted',
    });
  }
}
