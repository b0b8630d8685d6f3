/**
 * The snapshot of test/integ.lifecycle.ts, written and compared the way integ-runner does it,
 * without integ-runner: the newest one on npm (2.197.10) reads cloud assembly schema 53 at most,
 * and aws-cdk-lib 2.276 writes 55.
 *
 * Like integ-runner: the app runs with CDK_INTEG_ACCOUNT=12345678 and CDK_INTEG_REGION=test-region,
 * with aws-cdk-lib's recommended feature flags as context; the snapshot is the cloud assembly
 * minus asset directories (the stack under test has no update workflow) and the `.cache`, and
 * metadata entries lose their `trace`. Unlike integ-runner: the assertion stack's asset directory,
 * the validation report and the `aws:cdk:creationStack` metadata entries (both hold absolute
 * paths and line numbers) are dropped too, and the template validation is off (it does not
 * change the assembly).
 *
 * `npm run integ:snapshot` runs this file to rewrite the snapshot; the jest test beside it
 * compares a fresh synthesis with the committed one.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
export const INTEG_APP = path.join(ROOT, 'test', 'integ.lifecycle.ts');
export const SNAPSHOT_DIR = `${INTEG_APP}.snapshot`;

/** What integ-runner puts in the environment when it synthesizes a snapshot. */
const INTEG_ENV = { CDK_INTEG_ACCOUNT: '12345678', CDK_INTEG_REGION: 'test-region' };

/** Synthesizes the integ app into `outDir` (emptied first) and trims it to a snapshot. */
export function synthIntegSnapshot(outDir: string): void {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Settings of the integ app and the account of whoever runs this must not leak in.
    if (!key.startsWith('INTEG_') && !key.startsWith('CDK_')) env[key] = value;
  }
  const context = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8'));
  Object.assign(env, INTEG_ENV, {
    CDK_OUTDIR: outDir,
    CDK_CONTEXT_JSON: JSON.stringify(context),
    CDK_VALIDATION: 'false',
  });
  const tsx = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');
  execFileSync(process.execPath, [tsx, INTEG_APP], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  trimToSnapshot(outDir);
}

function trimToSnapshot(dir: string): void {
  for (const entry of fs.readdirSync(dir)) {
    if (entry.startsWith('asset.') || entry === '.cache' || entry === 'validation-report.json') {
      fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    }
  }
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  for (const artifact of Object.values<{ metadata?: Metadata }>(manifest.artifacts ?? {})) {
    if (artifact.metadata) artifact.metadata = cleanMetadata(artifact.metadata);
  }
  writeJson(manifestFile, manifest);
  for (const entry of fs.readdirSync(dir)) {
    if (entry.endsWith('.metadata.json')) {
      const file = path.join(dir, entry);
      writeJson(file, cleanMetadata(JSON.parse(fs.readFileSync(file, 'utf8'))));
    }
  }
}

type Metadata = Record<string, Array<{ type: string; data?: unknown; trace?: string[] }>>;

/**
 * Metadata entries keep their type and data only (integ-runner drops `trace`), and creation stacks
 * go: they are absolute paths and line numbers of whoever synthesized.
 */
function cleanMetadata(metadata: Metadata): Metadata {
  const cleaned: Metadata = {};
  for (const [id, entries] of Object.entries(metadata)) {
    cleaned[id] = entries.filter(({ type }) => type !== 'aws:cdk:creationStack').map(({ type, data }) => ({ type, data }));
  }
  return cleaned;
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, undefined, 2));
}

/**
 * Every file of a snapshot, by relative path, with what changes on every build masked: asset
 * hashes (the handler bundle's changes with every build), the digests in asset destination ids,
 * and the `salt` integ-tests-alpha puts in each assertion (the synthesis time).
 */
export function readSnapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const name = path.relative(dir, file).split(path.sep).join('/');
    let text = fs
      .readFileSync(file, 'utf8')
      .replace(/[0-9a-f]{64}/g, '<asset-hash>')
      .replace(/"salt": "[0-9]+"/g, '"salt": "<time>"');
    if (name.endsWith('.assets.json')) {
      // Destination ids end with a digest of what is published, e.g. "12345678-test-region-9659c75a".
      text = text.replace(/"([^"]+)-[0-9a-f]{8}": \{/g, '"$1-<digest>": {');
    }
    files[name] = text;
  }
  return files;
}

export function tempSnapshotDir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'integ-snapshot-')), 'snapshot');
}

if (require.main === module) {
  synthIntegSnapshot(SNAPSHOT_DIR);
  console.log(`wrote ${path.relative(ROOT, SNAPSHOT_DIR)}: ${Object.keys(readSnapshot(SNAPSHOT_DIR)).sort().join(', ')}`);
}
