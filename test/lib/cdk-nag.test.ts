import { App, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as path from 'path';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AssociatedPackage, Package, PackageAssociation, PackageSource, PackageType } from '../../lib';
import { OpenSearchLifecycleExampleStack } from '../../bin/example-stack';
import { ENV } from './helpers';

function synthWithNag(addToStack?: (stack: OpenSearchLifecycleExampleStack) => void): void {
  const app = new App();
  const stack = new OpenSearchLifecycleExampleStack(app, 'Example', { env: ENV });
  addToStack?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

describe('cdk-nag AwsSolutions', () => {
  test('the example stack has no unacknowledged finding', () => {
    expect(() => synthWithNag()).not.toThrow();
  });

  test('Package (from a file) and PackageAssociation add no unacknowledged finding', () => {
    expect(() =>
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
    ).not.toThrow();
  });

  test('a finding outside the provider still fails the synth (the checks are really on)', () => {
    expect(() => synthWithNag((stack) => new s3.Bucket(stack, 'UnencryptedLogs'))).toThrow(/AwsSolutions-S1/);
  });
});
