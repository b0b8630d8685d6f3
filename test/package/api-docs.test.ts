import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** API.md is generated from the .jsii assembly by `npm run docgen`; it must match the sources. */
const ROOT = path.join(__dirname, '..', '..');

test('API.md is current (run "npm run build && npm run docgen" and commit API.md if this fails)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-docs-'));
  try {
    const fresh = path.join(dir, 'API.md');
    execFileSync(process.execPath, [require.resolve('jsii-docgen/bin/jsii-docgen'), '-o', fresh], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8')).toEqual(fs.readFileSync(fresh, 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
