'use strict';
/**
 * Runs once before a jest run: empties the folder the emulator records its HTTP exchanges in
 * (test/setup-env.ts), so that it holds exactly this run's, for `npm run check:api-model`.
 */
const fs = require('fs');
const path = require('path');

module.exports = async function emptyExchangeLog() {
  fs.rmSync(path.join(__dirname, '..', 'node_modules', '.cache', 'api-exchanges'), { recursive: true, force: true });
};
