'use strict';
/**
 * Runs once before a jest run: gives the run a folder of its own for the emulator's record of its
 * HTTP exchanges (test/setup-env.ts reads OPENSEARCH_LIFECYCLE_EXCHANGES_DIR, which the workers
 * inherit), and removes the folders of earlier runs but the two newest, so that
 * `npm run check:api-model` checks exactly the last run's exchanges (the newest folder).
 */
const fs = require('fs');
const path = require('path');

module.exports = async function exchangeLogOfThisRun() {
  const root = path.join(__dirname, '..', 'node_modules', '.cache', 'api-exchanges');
  fs.mkdirSync(root, { recursive: true });
  // The two newest earlier runs stay: another jest run may still be writing into its folder.
  const earlier = fs.readdirSync(root).sort();
  for (const run of earlier.slice(0, Math.max(0, earlier.length - 2))) {
    fs.rmSync(path.join(root, run), { recursive: true, force: true });
  }
  const own = path.join(root, `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  fs.mkdirSync(own);
  process.env.OPENSEARCH_LIFECYCLE_EXCHANGES_DIR = own;
};
