import * as fs from 'fs';
import * as path from 'path';
import { INTEG_APP, SNAPSHOT_DIR, readSnapshot, synthIntegSnapshot, tempSnapshotDir } from './integ-snapshot';

/**
 * The committed snapshot of test/integ.lifecycle.ts matches a fresh synthesis, asset hashes and
 * assertion salts aside. On a real account, integ-runner deploys what this snapshot shows.
 */
test(`the snapshot of ${INTEG_APP.split('/').slice(-2).join('/')} is current (run "npm run integ:snapshot" and commit it if this fails)`, () => {
  const fresh = tempSnapshotDir();
  let synthesized: Record<string, string>;
  try {
    synthIntegSnapshot(fresh);
    synthesized = readSnapshot(fresh);
  } finally {
    fs.rmSync(path.dirname(fresh), { recursive: true, force: true });
  }
  const committed = readSnapshot(SNAPSHOT_DIR);
  expect(Object.keys(synthesized).sort()).toEqual(Object.keys(committed).sort());
  for (const [file, text] of Object.entries(synthesized)) {
    // One file at a time, so that a failure names the file.
    expect({ file, text: JSON.parse(text) }).toEqual({ file, text: JSON.parse(committed[file]) });
  }
});
