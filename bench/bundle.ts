/**
 * Section 3: the handler bundle. Its size (minified, with the pinned OpenSearch client inside),
 * zipped as the asset is uploaded, and its cold initialisation time, compared with a bundle that
 * leaves `@aws-sdk/*` external (as a handler relying on the Lambda runtime's SDK would).
 *
 * Cold initialisation = a fresh `node` process that requires the bundle, timed inside the process
 * with hrtime around `require`, so process start-up is excluded. Runs of the two bundles are
 * interleaved.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deflateRawSync } from 'zlib';
import { median, min } from './stats';

export const ROOT = path.resolve(__dirname, '..');
export const HANDLER_BUNDLE = path.join(ROOT, 'assets', 'handler', 'index.js');

export interface BundleVariant {
  name: 'sdk-bundled' | 'sdk-external';
  file: string;
  bytes: number;
  zippedBytes: number;
  coldRequireMedianMs: number;
  coldRequireMinMs: number;
  coldRequireSamplesMs: number[];
}

export interface BundleResult {
  runs: number;
  bundled: BundleVariant;
  external: BundleVariant;
  /** bundled / external */
  bytesRatio: number;
  zippedRatio: number;
  coldRequireRatio: number;
}

// ---------------------------------------------------------------- zip, as the asset is uploaded

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A one-file zip archive (deflate, level 9, as the CDK's asset staging uses), built in memory.
 * Returns its length in bytes.
 */
export function zippedSize(file: string, entryName = 'index.js'): number {
  const data = fs.readFileSync(file);
  const compressed = deflateRawSync(data, { level: 9 });
  const name = Buffer.from(entryName, 'utf8');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + compressed.length, 16);
  return local.length + name.length + compressed.length + central.length + name.length + end.length;
}

// ---------------------------------------------------------------- the second bundle

/** The `bundle` script's esbuild arguments, so that the comparison bundle stays in step with it. */
function bundleScriptArguments(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [command, ...args] = pkg.scripts.bundle.trim().split(/\s+/);
  if (command !== 'esbuild') throw new Error(`bench: the bundle script no longer starts with esbuild: ${pkg.scripts.bundle}`);
  return args.filter((arg) => !arg.startsWith('--outfile='));
}

/** Builds the handler with `@aws-sdk/*` left external, into `dir`; returns the file. */
export function buildExternalBundle(dir: string): string {
  const outfile = path.join(dir, 'external', 'index.js');
  const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
  const result = spawnSync(esbuild, [...bundleScriptArguments(), '--external:@aws-sdk/*', `--outfile=${outfile}`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`bench: esbuild failed: ${result.stderr || result.error}`);
  return outfile;
}

// ---------------------------------------------------------------- cold initialisation

const CHILD_SCRIPT =
  'const start = process.hrtime.bigint();' +
  'require(process.argv[1]);' +
  'const end = process.hrtime.bigint();' +
  'process.stdout.write(String(Number(end - start) / 1e6));';

/** One fresh process; returns the milliseconds `require` took inside it. */
function coldRequireOnce(file: string): number {
  const result = spawnSync(process.execPath, ['-e', CHILD_SCRIPT, file], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      // Only the external bundle needs it: it finds the SDK in the project's node_modules, as a
      // handler without the SDK inside finds the Lambda runtime's.
      NODE_PATH: path.join(ROOT, 'node_modules'),
      NODE_NO_WARNINGS: '1',
      AWS_REGION: 'us-east-1',
    },
  });
  if (result.status !== 0) throw new Error(`bench: requiring ${file} failed: ${result.stderr}`);
  const value = Number(result.stdout.trim());
  if (!Number.isFinite(value)) throw new Error(`bench: unexpected output from the cold-start child: ${result.stdout}`);
  return value;
}

export function measureBundles(runs: number, tempDir: string): BundleResult {
  if (!fs.existsSync(HANDLER_BUNDLE)) throw new Error(`bench: ${HANDLER_BUNDLE} is missing; run "npm run build" first`);
  const externalFile = buildExternalBundle(tempDir);
  const samples: Record<'bundled' | 'external', number[]> = { bundled: [], external: [] };
  // One discarded run each, to warm the file cache.
  coldRequireOnce(HANDLER_BUNDLE);
  coldRequireOnce(externalFile);
  for (let i = 0; i < runs; i++) {
    const order: Array<['bundled' | 'external', string]> = [
      ['bundled', HANDLER_BUNDLE],
      ['external', externalFile],
    ];
    if (i % 2 === 1) order.reverse();
    for (const [name, file] of order) samples[name].push(coldRequireOnce(file));
  }
  const variant = (name: BundleVariant['name'], file: string, runsMs: number[]): BundleVariant => ({
    name,
    file: path.relative(ROOT, file).startsWith('..') ? file : path.relative(ROOT, file),
    bytes: fs.statSync(file).size,
    zippedBytes: zippedSize(file),
    coldRequireMedianMs: median(runsMs),
    coldRequireMinMs: min(runsMs),
    coldRequireSamplesMs: runsMs,
  });
  const bundled = variant('sdk-bundled', HANDLER_BUNDLE, samples.bundled);
  const external = variant('sdk-external', externalFile, samples.external);
  return {
    runs,
    bundled,
    external,
    bytesRatio: bundled.bytes / external.bytes,
    zippedRatio: bundled.zippedBytes / external.zippedBytes,
    coldRequireRatio: bundled.coldRequireMedianMs / external.coldRequireMedianMs,
  };
}

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-opensearch-lifecycle-bench-'));
}
