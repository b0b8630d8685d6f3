'use strict';
/**
 * Runs once before a jest run: gives the run a folder of its own for the emulator's record of its
 * HTTP exchanges (test/setup-env.ts reads OPENSEARCH_LIFECYCLE_EXCHANGES_DIR, which the workers
 * inherit), and removes the folders of earlier runs, so that `npm run check:api-model` checks
 * exactly the last run's exchanges.
 */
const fs = require('fs');
const path = require('path');

module.exports = async function exchangeLogOfThisRun() {
  const root = path.join(__dirname, '..', 'node_modules', '.cache', 'api-exchanges');
  fs.mkdirSync(root, { recursive: true });
  for (const earlier of fs.readdirSync(root)) {
    fs.rmSync(path.join(root, earlier), { recursive: true, force: true });
  }
  const own = path.join(root, `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  fs.mkdirSync(own);
  process.env.OPENSEARCH_LIFECYCLE_EXCHANGES_DIR = own;
};
