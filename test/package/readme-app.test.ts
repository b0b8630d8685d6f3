import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The README's Quick start is a complete app: written out as it stands (with the package name
// pointing at this checkout), run as a user runs it, it synthesizes its two stacks.
const ROOT = path.join(__dirname, '..', '..');

test("the README's Quick start app runs as written and synthesizes both stacks, each with its construct and the provider", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const source = /```ts nofixture\n([\s\S]*?)```\n/.exec(readme)?.[1];
  expect(source).toBeDefined();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-app-'));
  try {
    const app = path.join(work, 'app.ts');
    fs.writeFileSync(app, source!.replace(/from 'cdk-opensearch-lifecycle'/g, `from ${JSON.stringify(path.join(ROOT, 'lib'))}`));
    const outdir = path.join(work, 'cdk.out');
    execFileSync(process.execPath, [require.resolve('tsx/cli'), app], {
      cwd: ROOT,
      // From a temporary folder, aws-cdk-lib resolves through this checkout's node_modules.
      env: { ...process.env, CDK_OUTDIR: outdir, NODE_PATH: path.join(ROOT, 'node_modules') },
      stdio: 'pipe',
    });
    const report = execFileSync(
      process.execPath,
      [
        path.join(ROOT, '.ci', 'check-synth.cjs'),
        outdir,
        '2',
        'Custom::OpenSearchOutboundConnection',
        'Custom::OpenSearchInboundConnectionAcceptance',
      ],
      { encoding: 'utf8' },
    );
    expect(report).toMatch(/SearchSource\.template\.json/);
    expect(report).toMatch(/SearchDestination\.template\.json/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
