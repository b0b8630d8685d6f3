import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { OpenSearchLifecycleExampleStack } from '../../bin/example-stack';

/**
 * The README's claims that can drift from the code: its length, the set-up commands, the peer
 * range, what a stack pays once (counted in a synthesized template), and links that must work
 * both on the repository and on the npm package page.
 */
const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** The body of a `## title` section. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

// 255 lines for seven constructs; then a complete two-stack Quick start app (TypeScript and Python),
// how grants are laid out, a section each for VPC endpoints and fine-grained access control, and
// what a package file needs.
test('the README stays a user guide of at most 365 lines', () => {
  expect(README.split('\n').length).toBeLessThanOrEqual(365);
});

describe('the set-up commands', () => {
  test('are in the README, and name scripts that exist', () => {
    expect(README).toContain('npm ci && npm run demo');
    expect(README).toContain('npm ci && npm test');
    expect(PKG.scripts.demo).toBeDefined();
    expect(PKG.scripts.test).toBeDefined();
  });

  test('are what CI runs', () => {
    const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^[^#\n]*\bnpm test\b/m);
    expect(ci).toMatch(/^[^#\n]*\bnpm run demo\b/m);
  });
});

test('the README states the peer dependency range of package.json', () => {
  expect(section('Install')).toContain(`aws-cdk-lib ${PKG.peerDependencies['aws-cdk-lib']}`);
  expect(section('Install')).toContain(`constructs ${PKG.peerDependencies.constructs}`);
});

test('"What a stack pays once" counts the resources of a synthesized stack, the custom resources aside', () => {
  const app = new App();
  const stack = new OpenSearchLifecycleExampleStack(app, 'Counted', { env: { account: '111111111111', region: 'us-east-1' } });
  const synthesized: Record<string, number> = {};
  for (const resource of Object.values<{ Type: string }>(Template.fromStack(stack).toJSON().Resources)) {
    if (resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CDK::Metadata') continue;
    synthesized[resource.Type] = (synthesized[resource.Type] ?? 0) + 1;
  }

  const rows = [...section('What a stack pays once').matchAll(/^\|\s*`?([\w:]+)`?\s*\|\s*(\d+)\s*\|/gm)];
  const claimed = Object.fromEntries(rows.filter(([, type]) => type !== 'total').map(([, type, count]) => [type, Number(count)]));
  const total = rows.find(([, type]) => type === 'total')?.[2];
  expect(claimed).toEqual(synthesized);
  expect(Number(total)).toBe(Object.values(synthesized).reduce((sum, count) => sum + count, 0));
});

describe('links', () => {
  const repository = PKG.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
  const links = (markdown: string) => [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target);

  test('relative links in the README name only files the npm package ships', () => {
    const relative = links(README).filter((target) => !/^(https?:|#)/.test(target));
    expect(relative.length).toBeGreaterThan(0);
    for (const target of relative) {
      const file = target.replace(/^\.\//, '');
      expect(PKG.files).toContain(file);
      expect(fs.existsSync(path.join(ROOT, file))).toBe(true);
    }
  });

  test('links into the repository are absolute, from package.json, and name files that exist', () => {
    const intoRepo = links(README).filter((target) => target.startsWith('https://github.com/'));
    expect(intoRepo.length).toBeGreaterThan(0);
    for (const target of intoRepo) {
      expect(target.startsWith(`${repository}/blob/main/`)).toBe(true);
      expect(fs.existsSync(path.join(ROOT, target.slice(`${repository}/blob/main/`.length).split('#')[0]))).toBe(true);
    }
  });

  test.each(fs.readdirSync(path.join(ROOT, 'docs')).filter((file) => file.endsWith('.md')))(
    'relative links in docs/%s name files that exist',
    (file) => {
      for (const target of links(fs.readFileSync(path.join(ROOT, 'docs', file), 'utf8')).filter((t) => !/^(https?:|#)/.test(t))) {
        expect(fs.existsSync(path.join(ROOT, 'docs', target.split('#')[0]))).toBe(true);
      }
    },
  );
});
