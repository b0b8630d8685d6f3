import { App, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OpenSearchLifecycleExampleStack } from '../../bin/example-stack';
import { OpenSearchLifecycleGovernedExampleStack } from '../../bin/governed-example-stack';
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

  test('the governed example stack (provider in a VPC, logs encrypted with a KMS key) has no unacknowledged finding', () => {
    const app = new App();
    new OpenSearchLifecycleGovernedExampleStack(app, 'Governed', { env: ENV });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('a finding outside the provider still fails the synth (the checks are really on)', () => {
    expect(() => synthWithNag((stack) => new s3.Bucket(stack, 'UnencryptedLogs'))).toThrow(/AwsSolutions-S1/);
  });
});
