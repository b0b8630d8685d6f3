/**
 * The emulator's own response time, per request: from the moment its HTTP server has a request
 * (headers parsed) to the moment the response has been handed to the socket. Read through Node's
 * public `http.server.*` diagnostics channels, filtered to the emulator's port, so the emulator
 * needs no hook and nothing else in the process is counted.
 */
import * as diagnostics from 'diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { nowMs } from './stats';

interface ServerMessage {
  request: IncomingMessage;
  response: ServerResponse;
  server: Server;
}

export class EmulatorTimer {
  /** Milliseconds of each finished request, in finishing order. */
  readonly samplesMs: number[] = [];
  private readonly started = new WeakMap<ServerResponse, number>();
  private readonly onStart = (message: unknown) => {
    const { response, server } = message as ServerMessage;
    if (this.ours(server)) this.started.set(response, nowMs());
  };
  private readonly onFinish = (message: unknown) => {
    const { response, server } = message as ServerMessage;
    const start = this.started.get(response);
    if (start !== undefined && this.ours(server)) this.samplesMs.push(nowMs() - start);
  };

  constructor(private readonly port: () => number | undefined) {
    diagnostics.subscribe('http.server.request.start', this.onStart);
    diagnostics.subscribe('http.server.response.finish', this.onFinish);
  }

  /** The total of the samples taken since `from` (an index into samplesMs). */
  totalSince(from: number): number {
    return this.samplesMs.slice(from).reduce((sum, value) => sum + value, 0);
  }

  stop(): void {
    diagnostics.unsubscribe('http.server.request.start', this.onStart);
    diagnostics.unsubscribe('http.server.response.finish', this.onFinish);
  }

  private ours(server: Server): boolean {
    const address = server.address() as AddressInfo | null;
    return address !== null && typeof address === 'object' && address.port === this.port();
  }
}

/** The port of an `http://127.0.0.1:<port>` endpoint. */
export function portOf(endpoint: string): number {
  return Number(new URL(endpoint).port);
}
