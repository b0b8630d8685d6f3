/**
 * The README's Python example is jsii-rosetta's translation of the README's complete TypeScript
 * app (the ```ts nofixture block). Rosetta compiles every TypeScript block of the README against
 * the .jsii assembly (`--strict`: any block that does not compile fails), fixtures in rosetta/.
 *
 * `npm run rosetta` runs this file: extract, then check the README (`--write` rewrites its
 * Python block instead). The jest test beside it does the same check.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const README = path.join(ROOT, 'README.md');
const TABLET = path.join(ROOT, '.jsii.tabl.json');
/** The TypeScript block whose translation the README shows. */
const SOURCE_BLOCK = /```ts nofixture\n([\s\S]*?)```\n/;
const PYTHON_BLOCK = /```python\n([\s\S]*?)```\n/;

interface Tablet {
  snippets: Record<string, { didCompile?: boolean; translations: Record<string, { source: string }> }>;
}

/** Runs `jsii-rosetta extract --strict` on the built assembly; throws with rosetta's output if a block does not compile. */
export function extractSnippets(): Tablet {
  fs.rmSync(TABLET, { force: true });
  const rosetta = path.join(path.dirname(require.resolve('jsii-rosetta/package.json')), 'bin', 'jsii-rosetta');
  execFileSync(process.execPath, [rosetta, 'extract', '--strict'], {
    cwd: ROOT,
    env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(fs.readFileSync(TABLET, 'utf8'));
}

/** The Python translation of the README's complete TypeScript app. */
export function pythonTranslation(tablet: Tablet): string {
  const source = SOURCE_BLOCK.exec(fs.readFileSync(README, 'utf8'))?.[1];
  if (!source) throw new Error('README.md has no ```ts nofixture block');
  const snippet = Object.values(tablet.snippets).find((candidate) => candidate.translations.$?.source.trim() === source.trim());
  if (!snippet) throw new Error("rosetta did not extract the README's ```ts nofixture block");
  if (!snippet.didCompile) throw new Error("the README's ```ts nofixture block does not compile");
  return escapeKeywordArguments(mergeImports(snippet.translations.python.source)).trimEnd() + '\n';
}

/** Python's reserved words, which jsii-pacmak renders with a trailing underscore (`from` is `from_`). */
const PYTHON_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

/**
 * Rosetta writes a keyword argument named after a Python reserved word as it is (`from=...`, a
 * syntax error), while the Python package jsii-pacmak builds names it with a trailing underscore
 * (`from_=...`), as `.ci/languages.sh` proves by running the README's Python app with the wheel.
 */
export function escapeKeywordArguments(python: string): string {
  return python
    .replace(/^(\s*)([A-Za-z]+)=/gm, (line, indent: string, name: string) => (PYTHON_KEYWORDS.has(name) ? `${indent}${name}_=` : line))
    .replace(/([(,]\s*)([A-Za-z]+)=/g, (text, before: string, name: string) => (PYTHON_KEYWORDS.has(name) ? `${before}${name}_=` : text));
}

/**
 * Rosetta imports a struct it builds implicitly (`Environment` for `env: {...}`) on a line of its
 * own, so `aws_cdk` is imported twice: the imports of each module are merged into its first line.
 */
export function mergeImports(python: string): string {
  const names = new Map<string, string[]>();
  const importLine = /^from (\S+) import (.+)$/;
  for (const line of python.split('\n')) {
    const match = importLine.exec(line);
    if (match) names.set(match[1], [...new Set([...(names.get(match[1]) ?? []), ...match[2].split(', ')])]);
  }
  const written = new Set<string>();
  return python
    .split('\n')
    .flatMap((line) => {
      const module = importLine.exec(line)?.[1];
      if (module === undefined) return [line];
      if (written.has(module)) return [];
      written.add(module);
      return [`from ${module} import ${names.get(module)!.sort().join(', ')}`];
    })
    .join('\n');
}

export function readmePython(): string | undefined {
  return PYTHON_BLOCK.exec(fs.readFileSync(README, 'utf8'))?.[1];
}

if (require.main === module) {
  const python = pythonTranslation(extractSnippets());
  if (process.argv.includes('--write')) {
    const readme = fs.readFileSync(README, 'utf8');
    if (!PYTHON_BLOCK.test(readme)) throw new Error('README.md has no ```python block to rewrite');
    fs.writeFileSync(
      README,
      readme.replace(PYTHON_BLOCK, () => '```python\n' + python + '```\n'),
    );
    console.log('rosetta: every README example compiles; README.md Python example rewritten');
  } else if (readmePython() !== python) {
    console.error(
      'rosetta: the README Python example is not the translation of the ```ts nofixture block; run "npm run rosetta -- --write"',
    );
    process.exit(1);
  } else {
    console.log('rosetta: every README example compiles, and the Python example is current');
  }
}
