import { App } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as path from 'path';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import {
  AssociatedPackage,
  InboundConnectionAcceptance,
  OutboundConnection,
  Package,
  PackageAssociation,
  PackageSource,
  PackageType,
  RoleMembership,
  SecurityRole,
} from '../../lib';
import { OpenSearchLifecycleExampleStack } from '../../bin/example-stack';
import { OpenSearchLifecycleGovernedExampleStack } from '../../bin/governed-example-stack';
import { ENV } from './helpers';
import { nagFindings } from './nag';

/** The example stack, with what the test adds, through cdk-nag: its unacknowledged findings. */
function synthWithNag(addToStack?: (stack: OpenSearchLifecycleExampleStack) => void): string[] {
  const app = new App();
  const stack = new OpenSearchLifecycleExampleStack(app, 'Example', { env: ENV });
  addToStack?.(stack);
  return nagFindings(app);
}

describe('cdk-nag AwsSolutions', () => {
  test('the example stack has no unacknowledged finding', () => {
    expect(synthWithNag()).toEqual([]);
  });

  test('the governed example stack (provider in a VPC, logs encrypted with a KMS key) has no unacknowledged finding', () => {
    const app = new App();
    new OpenSearchLifecycleGovernedExampleStack(app, 'Governed', { env: ENV });
    expect(nagFindings(app)).toEqual([]);
  });

  test('both connection constructs add no unacknowledged finding', () => {
    expect(
      synthWithNag((stack) => {
        const domain = (id: string, arn: string) =>
          Domain.fromDomainAttributes(stack, id, { domainArn: arn, domainEndpoint: 'https://search-x-abc.us-east-1.es.amazonaws.com' });
        new OutboundConnection(stack, 'Outbound', {
          localDomain: domain('Local', 'arn:aws:es:us-east-1:111111111111:domain/logs-source'),
          remoteDomain: domain('Remote', 'arn:aws:es:eu-west-1:222222222222:domain/logs-far'),
          connectionAlias: 'far',
        });
        new InboundConnectionAcceptance(stack, 'Accept', {
          domain: domain('Here', 'arn:aws:es:us-east-1:111111111111:domain/logs-destination'),
          from: domain('There', 'arn:aws:es:eu-west-1:222222222222:domain/logs-origin'),
        });
      }),
    ).toEqual([]);
  });

  test('Package (from a file) and PackageAssociation add no unacknowledged finding', () => {
    expect(
      synthWithNag((stack) => {
        const dictionary = new Package(stack, 'NagSynonyms', {
          packageName: 'nag-synonyms',
          packageType: PackageType.TXT_DICTIONARY,
          source: PackageSource.fromAsset(path.join(__dirname, 'fixtures', 'synonyms.txt')),
        });
        new PackageAssociation(stack, 'NagAssociation', {
          domain: stack.node.findChild('SearchDomain') as never,
          packages: [AssociatedPackage.fromPackage(dictionary)],
        });
      }),
    ).toEqual([]);
  });

  test('SecurityRole and RoleMembership, on a domain of the stack and an imported one, add no unacknowledged finding', () => {
    expect(() =>
      synthWithNag((stack) => {
        const own = stack.node.findChild('SearchDomain') as never;
        const imported = Domain.fromDomainAttributes(stack, 'Secured', {
          domainArn: 'arn:aws:es:us-east-1:111111111111:domain/secured',
          domainEndpoint: 'https://search-secured-abc.us-east-1.es.amazonaws.com',
        });
        const role = new SecurityRole(stack, 'NagRole', { domain: own, roleName: 'nag-readers' });
        new RoleMembership(stack, 'NagMembers', { domain: own, role, users: ['alice'] });
        new RoleMembership(stack, 'NagImported', { domain: imported, role: 'readall', users: ['alice'] });
      }),
    ).not.toThrow();
  });

  test('a finding outside the provider still fails the synth (the checks are really on)', () => {
    const findings = synthWithNag((stack) => new s3.Bucket(stack, 'UnencryptedLogs'));
    expect(findings.some((finding) => /AwsSolutions-S1/.test(finding) && /UnencryptedLogs/.test(finding))).toBe(true);
  });
});
