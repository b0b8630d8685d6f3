import * as cdk from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as nag from 'cdk-nag';
import * as fs from 'fs';

/** The version of an installed package, read from its package.json. */
export function installedVersion(packageName: string): string {
  return JSON.parse(fs.readFileSync(require.resolve(`${packageName}/package.json`), 'utf8')).version;
}

/**
 * Runs cdk-nag's AwsSolutions checks on an app the way its users run them, with the cdk-nag major
 * that the installed aws-cdk-lib supports: cdk-nag 3 (aws-cdk-lib 2.257.0 and later) as a
 * validation plugin, whose findings make the synth throw; cdk-nag 2 (the floor of the supported
 * range, 2.224.0) as an Aspect, whose findings are error annotations that fail `cdk synth`.
 * Returns the unacknowledged findings, one line each; none means the app passes.
 */
export function nagFindings(app: cdk.App): string[] {
  const major = Number(installedVersion('cdk-nag').split('.')[0]);
  if (major >= 3) {
    cdk.Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app));
    try {
      app.synth();
      return [];
    } catch (error) {
      // One block of lines per finding (what, where, the id to acknowledge it with).
      return (error as Error).message
        .split(/\n\s*\n/)
        .filter((block) => /AwsSolutions-/.test(block))
        .map((block) => block.replace(/\s+/g, ' ').trim());
    }
  }
  const AwsSolutionsChecks = nag.AwsSolutionsChecks as unknown as new () => cdk.IAspect;
  cdk.Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  return app.node
    .findAll()
    .filter((construct): construct is cdk.Stack => construct instanceof cdk.Stack)
    .flatMap((stack) => Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-')))
    .map((message) => `${message.id}: ${JSON.stringify(message.entry.data)}`);
}
