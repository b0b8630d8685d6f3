/**
 * The record of every HTTP exchange the emulator (and the local runner's CloudFormation stand-in)
 * answers, one JSON line each, for checking against AWS's own API models
 * (tools/api-model-check/check.py, `npm run check:api-model`).
 *
 * Recording is on only while `EXCHANGES_DIR_VARIABLE` names a folder (the test suite sets it,
 * see test/setup-env.ts); each process appends to a file of its own there.
 */
import * as fs from 'fs';
import * as path from 'path';

export const EXCHANGES_DIR_VARIABLE = 'OPENSEARCH_LIFECYCLE_EXCHANGES_DIR';

export interface Exchange {
  /** Which API model the exchange is checked against. */
  readonly service: 'opensearch' | 'cloudformation';
  readonly method: string;
  /** As sent (still percent-encoded), without the query string. */
  readonly path: string;
  /** Decoded query parameters. */
  readonly query: Record<string, string>;
  /** The client's User-Agent: the library's handlers name themselves in it (`cdk-opensearch-lifecycle`). */
  readonly userAgent: string;
  readonly requestBody: string;
  readonly status: number;
  /** `x-amzn-errortype` (rest-json) or the error document's code (query). */
  readonly errorType?: string;
  readonly responseBody: string;
  /** Set when the answer was a fault a test injected rather than the emulator's own. */
  readonly fault?: string;
}

/** Appends the exchange when recording is on; a failure to write must not change the answer. */
export function recordExchange(exchange: Exchange): void {
  const dir = process.env[EXCHANGES_DIR_VARIABLE];
  if (!dir) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.appendFileSync(path.join(dir, `${exchange.service}-${process.pid}.jsonl`), `${JSON.stringify(exchange)}\n`);
  } catch (error) {
    process.emitWarning(`exchange log: ${error instanceof Error ? error.message : String(error)}`);
  }
}
