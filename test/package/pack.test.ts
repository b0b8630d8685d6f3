import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * What `npm pack` ships when run on a clean clone of the repository: nothing built, so the
 * tarball has code only because `prepack` builds it (jsii and the handler bundle). The tarball is
 * what jsii-pacmak wraps for every other language, so the handler bundle must be in it: the
 * constructs load it with Code.fromAsset at the consumer's synth.
 *
 * The clone is of the committed HEAD (what CI and a release see); it reuses this checkout's
 * node_modules through a symlink, which is sound because `npm ci` installs the same lock file.
 */
const ROOT = path.join(__dirname, '..', '..');

let workDir: string;
let files: string[];
let unpacked: string;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-opensearch-lifecycle-pack-'));
  const clone = path.join(workDir, 'clone');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const head = git('rev-parse', 'HEAD');
  git('clone', '--quiet', '--no-checkout', ROOT, clone);
  execFileSync('git', ['checkout', '--quiet', head], { cwd: clone, stdio: 'ignore' });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');

  const tarballs = path.join(workDir, 'tarballs');
  fs.mkdirSync(tarballs);
  // The prepack script's output goes to stdout too, so the tarball is found in its folder.
  execFileSync('npm', ['pack', '--pack-destination', tarballs], {
    cwd: clone,
    env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [tarball] = fs.readdirSync(tarballs);
  unpacked = path.join(workDir, 'unpacked');
  fs.mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', path.join(tarballs, tarball), '-C', unpacked]);
  files = (fs.readdirSync(path.join(unpacked, 'package'), { recursive: true }) as string[])
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => fs.statSync(path.join(unpacked, 'package', file)).isFile())
    .sort();
}, 240_000);

afterAll(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('npm pack on a clean clone', () => {
  test('has a prepack script that builds', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.prepack).toBe('npm run build');
  });

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

  test('ships a handler bundle that loads on its own (no node_modules near it) with both entry points', () => {
    const bundle = path.join(unpacked, 'package', 'assets', 'handler', 'index.js');
    const exported = execFileSync(
      process.execPath,
      ['-e', 'const h = require(process.argv[1]); process.stdout.write(`${typeof h.onEvent} ${typeof h.isComplete}`)', bundle],
      { cwd: workDir, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
    );
    expect(exported).toBe('function function');
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

describe('the packed .jsii assembly', () => {
  const assembly = () => JSON.parse(fs.readFileSync(path.join(unpacked, 'package', '.jsii'), 'utf8'));

  test('is built from lib/ only', () => {
    const spec = assembly();
    const locations = Object.values<{ locationInModule?: { filename: string } }>(spec.types).map((type) => type.locationInModule?.filename);
    expect(locations.length).toBeGreaterThan(0);
    expect(locations.filter((filename) => !filename?.startsWith('lib/'))).toEqual([]);
  });

  test('exposes every construct, the provider settings and their types, and nothing from lib/private', () => {
    expect(Object.keys(assembly().types).sort()).toEqual([
      'cdk-opensearch-lifecycle.AssociatedPackage',
      'cdk-opensearch-lifecycle.AssociatedPackageOptions',
      'cdk-opensearch-lifecycle.ConnectionMode',
      'cdk-opensearch-lifecycle.DomainVpcEndpoint',
      'cdk-opensearch-lifecycle.DomainVpcEndpointProps',
      'cdk-opensearch-lifecycle.InboundConnectionAcceptance',
      'cdk-opensearch-lifecycle.InboundConnectionAcceptanceProps',
      'cdk-opensearch-lifecycle.InboundConnectionDeletion',
      'cdk-opensearch-lifecycle.InboundConnectionDeletionProps',
      'cdk-opensearch-lifecycle.InboundConnectionRejection',
      'cdk-opensearch-lifecycle.InboundConnectionRejectionProps',
      'cdk-opensearch-lifecycle.IndexPermission',
      'cdk-opensearch-lifecycle.OpenSearchLifecycleProvider',
      'cdk-opensearch-lifecycle.OpenSearchLifecycleProviderOptions',
      'cdk-opensearch-lifecycle.OutboundConnection',
      'cdk-opensearch-lifecycle.OutboundConnectionProps',
      'cdk-opensearch-lifecycle.OutboundConnectionWaitFor',
      'cdk-opensearch-lifecycle.Package',
      'cdk-opensearch-lifecycle.PackageAssociation',
      'cdk-opensearch-lifecycle.PackageAssociationProps',
      'cdk-opensearch-lifecycle.PackageDissociation',
      'cdk-opensearch-lifecycle.PackageDissociationProps',
      'cdk-opensearch-lifecycle.PackageProps',
      'cdk-opensearch-lifecycle.PackageSource',
      'cdk-opensearch-lifecycle.PackageSourceConfig',
      'cdk-opensearch-lifecycle.PackageType',
      'cdk-opensearch-lifecycle.RoleMembership',
      'cdk-opensearch-lifecycle.RoleMembershipProps',
      'cdk-opensearch-lifecycle.SecurityRole',
      'cdk-opensearch-lifecycle.SecurityRoleProps',
      'cdk-opensearch-lifecycle.TenantPermission',
      'cdk-opensearch-lifecycle.VpcEndpointAccess',
      'cdk-opensearch-lifecycle.VpcEndpointAccessProps',
    ]);
  });

  test('declares every jsii target and the peer dependency floors of package.json', () => {
    const spec = assembly();
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(spec.targets).sort()).toEqual(['dotnet', 'go', 'java', 'js', 'python']);
    expect(spec.targets.python).toEqual({ distName: 'cdk-opensearch-lifecycle', module: 'cdk_opensearch_lifecycle' });
    expect(spec.dependencies).toEqual(pkg.peerDependencies);
  });
});
