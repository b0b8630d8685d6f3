/**
 * AWS Control Tower's proactive controls, as AWS publishes them for the CDK:
 * @cdklabs/cdk-validator-cfnguard runs the Control Tower guard rules with its bundled cfn-guard
 * binary, offline, on the synthesized templates.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { OpenSearchLifecycleExampleStack } from '../../bin/example-stack';
import { OpenSearchLifecycleGovernedExampleStack } from '../../bin/governed-example-stack';
import { InboundConnectionRejection, OpenSearchLifecycleProvider, OpenSearchLifecycleProviderOptions } from '../../lib';
import { ENV } from './helpers';

interface ReportedViolation {
  description: string;
  violatingConstructs: Array<{ constructPath: string }>;
}

interface ControlTowerReport {
  /** "CT.X.PR.n construct/path", one per finding and resource, sorted. */
  findings: string[];
  /** The same for the findings acknowledged in the library. */
  acknowledged: string[];
}

/** Synthesizes what `build` adds to a fresh app with the Control Tower rules on, and reads the report. */
function controlTowerReport(build: (app: App) => void): ControlTowerReport {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-'));
  try {
    const app = new App({ outdir });
    build(app);
    Validations.of(app).addPlugins(new CfnGuardValidator());
    // The synth prints the findings (and fails when one is left); the report file lists them all.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      app.synth();
    } catch (error) {
      if (!/ValidationFailed|Validation failed/.test(String(error))) throw error;
    } finally {
      quiet.mockRestore();
    }
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    // A plugin without findings is left out of the report.
    const [guard = {}] = report.pluginReports.filter((plugin: { pluginName: string }) => plugin.pluginName === 'cdk-validator-cfnguard');
    const list = (violations: ReportedViolation[] = []) =>
      violations
        .flatMap((violation) => {
          const control = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(violation.description)?.[1] ?? violation.description;
          return violation.violatingConstructs.map(({ constructPath }) => `${control} ${constructPath}`);
        })
        .sort();
    return { findings: list(guard.violations), acknowledged: list(guard.suppressedViolations) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** A stack with one construct of the library, its provider configured with these settings. */
function stackWithProvider(options?: OpenSearchLifecycleProviderOptions): ControlTowerReport {
  return controlTowerReport((app) => {
    const stack = new Stack(app, 'Stack', { env: ENV });
    if (options) OpenSearchLifecycleProvider.configure(stack, options);
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
  });
}

const PROVIDER = 'CdkOpenSearchLifecycleProvider';

describe('AWS Control Tower proactive controls (cdk-validator-cfnguard)', () => {
  test("the default example stack: only findings that a setting removes (vpc, logEncryptionKey, waiterTracing) and those of the package file copies' bucket, none acknowledged", () => {
    const report = controlTowerReport((app) => new OpenSearchLifecycleExampleStack(app, 'Example', { env: ENV }));
    const at = (control: string, child: string) => `${control} Example/${PROVIDER}/${child}`;
    expect(report.findings).toEqual(
      [
        // logEncryptionKey
        at('CT.CLOUDWATCH.PR.3', 'FrameworkLogs/Resource'),
        at('CT.CLOUDWATCH.PR.3', 'HandlerLogs/Resource'),
        at('CT.CLOUDWATCH.PR.3', 'WaiterLogs/Resource'),
        // vpc
        at('CT.LAMBDA.PR.3', 'IsCompleteHandler/Resource'),
        at('CT.LAMBDA.PR.3', 'OnEventHandler/Resource'),
        at('CT.LAMBDA.PR.3', 'Provider/framework-isComplete/Resource'),
        at('CT.LAMBDA.PR.3', 'Provider/framework-onEvent/Resource'),
        at('CT.LAMBDA.PR.3', 'Provider/framework-onTimeout/Resource'),
        // waiterTracing
        at('CT.STEPFUNCTIONS.PR.2', 'Provider/waiter-state-machine/Resource'),
        // The bucket for copies of package files (PackageSource.fromAsset), by design: SSE-S3,
        // since the service cannot read SSE-KMS (CT.S3.PR.10 asks for KMS); it only holds copies
        // removed once imported, so no access logs, event notifications, object lock or versions.
        at('CT.S3.PR.2', 'PackageSourceCopies/Resource'),
        at('CT.S3.PR.4', 'PackageSourceCopies/Resource'),
        at('CT.S3.PR.9', 'PackageSourceCopies/Resource'),
        at('CT.S3.PR.10', 'PackageSourceCopies/Resource'),
        at('CT.S3.PR.11', 'PackageSourceCopies/Resource'),
      ].sort(),
    );
    expect(report.acknowledged).toEqual([]);
  });

  test('the governed example stack (VPC, KMS key, waiter tracing) has no finding, and none acknowledged', () => {
    const report = controlTowerReport((app) => {
      new OpenSearchLifecycleGovernedExampleStack(app, 'Governed', { env: ENV });
      // A control: a log group kept a month, in a stack beside it, shows that the rules ran.
      new logs.LogGroup(new Stack(app, 'Control', { env: ENV }), 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    });
    expect(report.findings).toEqual(['CT.CLOUDWATCH.PR.2 Control/Logs/Resource', 'CT.CLOUDWATCH.PR.3 Control/Logs/Resource']);
    expect(report.acknowledged).toEqual([]);
  });

  test('settings that undo a default bring its finding back: waiter logging off, logs kept under a year', () => {
    const report = stackWithProvider({ waiterLogging: false, logRetention: logs.RetentionDays.SIX_MONTHS });
    const at = (control: string, child: string) => `${control} Stack/${PROVIDER}/${child}`;
    expect(report.findings).toContain(at('CT.STEPFUNCTIONS.PR.1', 'Provider/waiter-state-machine/Resource'));
    expect(report.findings.filter((finding) => finding.startsWith('CT.CLOUDWATCH.PR.2'))).toEqual([
      at('CT.CLOUDWATCH.PR.2', 'FrameworkLogs/Resource'),
      at('CT.CLOUDWATCH.PR.2', 'HandlerLogs/Resource'),
    ]);
  });
});
