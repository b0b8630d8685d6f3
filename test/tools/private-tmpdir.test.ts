/**
 * The jest environment (test/private-tmpdir-environment.js) gives each test file a temporary
 * folder of its own. A child process started with the test's own environment must use it too:
 * tsx, for one, used to leave its cache folder in the shared temp directory.
 */
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';

test('the test file, and a child process started with its environment, use the same private temporary folder', () => {
  const own = os.tmpdir();
  expect(path.basename(own)).toMatch(/^jest-test-file-/);
  expect(process.env.TMPDIR).toBe(own);
  const childTmpdir = execFileSync(process.execPath, ['-p', 'require("os").tmpdir()'], {
    env: { ...process.env },
    encoding: 'utf8',
  }).trim();
  expect(childTmpdir).toBe(own);
});
