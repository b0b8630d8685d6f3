import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * What `npm pack` ships, read from `npm pack --dry-run --json` after `npm run build` (jsii and the
 * handler bundle). The tarball is what jsii-pacmak wraps for every other language, so the handler
 * bundle must be in it: the constructs load it with Code.fromAsset at the consumer's synth.
 */
const ROOT = path.join(__dirname, '..', '..');

let files: string[];

beforeAll(() => {
  const stdout = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  files = pack.files.map((file) => file.path).sort();
});

describe('npm pack', () => {
  test.each([
    'package.json',
    '.jsii',
    'lib/index.js',
    'lib/index.d.ts',
    'lib/private/lifecycle-provider.js',
    'assets/handler/index.js',
    'README.md',
    'API.md',
    'LICENSE',
  ])('ships %s', (file) => {
    expect(files).toContain(file);
  });

  test('ships nothing from test/, bin/, lambda/, tools/, bench/, dist/ or cdk.out/', () => {
    const outside = files.filter((file) => /^(test|bin|lambda|tools|bench|dist|cdk\.out)\//.test(file));
    expect(outside).toEqual([]);
  });

  test('ships no TypeScript source, only declarations', () => {
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
  });

  test('ships only what the files field names', () => {
    const allowed = /^(package\.json|\.jsii|README\.md|API\.md|LICENSE|assets\/handler\/index\.js|lib\/.+\.(js|d\.ts))$/;
    expect(files.filter((file) => !allowed.test(file))).toEqual([]);
  });

  test('ships a compiled module and a declaration for every lib/ source', () => {
    const sources = (fs.readdirSync(path.join(ROOT, 'lib'), { recursive: true }) as string[])
      .map((file) => file.split(path.sep).join('/'))
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const base = `lib/${source.slice(0, -'.ts'.length)}`;
      expect(files).toEqual(expect.arrayContaining([`${base}.js`, `${base}.d.ts`]));
    }
  });
});

describe('the .jsii assembly', () => {
  const assembly = () => JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf8'));

  test('is built from lib/ only', () => {
    const spec = assembly();
    const locations = Object.values<{ locationInModule?: { filename: string } }>(spec.types).map((type) => type.locationInModule?.filename);
    expect(locations.length).toBeGreaterThan(0);
    expect(locations.filter((filename) => !filename?.startsWith('lib/'))).toEqual([]);
  });

  test('exposes the three constructs and their props, and nothing from lib/private', () => {
    expect(Object.keys(assembly().types).sort()).toEqual([
      'cdk-opensearch-lifecycle.InboundConnectionDeletion',
      'cdk-opensearch-lifecycle.InboundConnectionDeletionProps',
      'cdk-opensearch-lifecycle.InboundConnectionRejection',
      'cdk-opensearch-lifecycle.InboundConnectionRejectionProps',
      'cdk-opensearch-lifecycle.PackageDissociation',
      'cdk-opensearch-lifecycle.PackageDissociationProps',
    ]);
  });

  test('declares every jsii target and the peer dependency floors', () => {
    const spec = assembly();
    expect(Object.keys(spec.targets).sort()).toEqual(['dotnet', 'go', 'java', 'js', 'python']);
    expect(spec.targets.python).toEqual({ distName: 'cdk-opensearch-lifecycle', module: 'cdk_opensearch_lifecycle' });
    expect(spec.dependencies).toEqual({ 'aws-cdk-lib': '^2.276.0', constructs: '^10.5.1' });
  });
});
