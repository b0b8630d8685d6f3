import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../../lib';
import { ENV, importedDomain, ownDomain } from './helpers';

// The other tests switch CDK's built-in CloudFormation validation off for speed; this one keeps it on.
test('a stack with all three constructs passes the CloudFormation validation built into aws-cdk-lib', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'validation-'));
  const previous = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  try {
    const app = new App({ outdir, builtinCloudFormationValidation: true });
    const stack = new Stack(app, 'Validated', { env: ENV });
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001', domain: importedDomain(stack, 'logs-destination') });
    new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001', domain: ownDomain(stack) });
    new PackageDissociation(stack, 'Packages', { domain: importedDomain(stack, 'search-products'), packageIds: ['F1'] });
    app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const reports = report.pluginReports as Array<{ pluginName: string; violations: Array<{ ruleName: string; description: string }> }>;
    expect(reports.flatMap((r) => r.violations.map((v) => `${v.ruleName}: ${v.description}`))).toEqual([]);
  } finally {
    process.env.CDK_VALIDATION = previous;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
