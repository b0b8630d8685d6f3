'use strict';
/**
 * Jest's node environment, with a temporary directory of each test file's own: TMPDIR points
 * into it while the file runs, and it is removed when the file ends, after every afterAll hook.
 * What a test writes there (the cdk.out* of an App synthesized without an outdir, assemblies,
 * copies of the bundle, the runner's certificates) is gone even when a test fails, and tests
 * never touch what other processes keep in the shared temp directory.
 *
 * os.tmpdir() reads the real process environment, not the test sandbox's copy, so TMPDIR is
 * set here, outside the sandbox. A jest worker runs one test file at a time.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { TestEnvironment } = require('jest-environment-node');

class PrivateTmpdirEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    this.sharedTmpdir = process.env.TMPDIR;
    this.ownTmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'jest-test-file-'));
    process.env.TMPDIR = this.ownTmpdir;
    // The test sandbox has its own copy of the environment, which child processes started with
    // `env: { ...process.env }` inherit: it must name the same folder (tsx, for one, keeps its
    // cache in TMPDIR).
    this.global.process.env.TMPDIR = this.ownTmpdir;
  }

  async teardown() {
    if (this.sharedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = this.sharedTmpdir;
    if (this.ownTmpdir) fs.rmSync(this.ownTmpdir, { recursive: true, force: true });
    await super.teardown();
  }
}

module.exports = PrivateTmpdirEnvironment;
