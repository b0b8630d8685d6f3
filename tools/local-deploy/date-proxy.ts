/**
 * A pass-through HTTP proxy in front of the emulator whose one change is the `Date` response
 * header, set from the virtual clock.
 *
 * Why: the handlers' Date runs on the virtual clock (preload/virtual-clock.cjs), while Node's
 * HTTP server stamps responses with the real time. The AWS SDK compares the two, sees a clock
 * skew of more than 4 minutes, corrects its offset and marks the error `clockSkewCorrected`,
 * which makes it retry errors it would never retry against AWS (a ValidationException, a
 * ConflictException). With the header on the same clock, the SDK behaves as it does in AWS.
 * Everything else, faults included (a dropped connection stays dropped), passes through.
 */
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';
import type { VirtualClock } from './clock';

export class VirtualDateProxy {
  static async start(target: string, clock: VirtualClock): Promise<VirtualDateProxy> {
    const proxy = new VirtualDateProxy(new URL(target), clock);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: URL,
    private readonly clock: VirtualClock,
  ) {
    this.server = http.createServer((req, res) => this.forward(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const upstream = http.request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, date: new Date(this.clock.now()).toUTCString() });
        answer.pipe(res);
      },
    );
    // The emulator dropped the connection (a 'drop' fault): drop the client's too.
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  }
}
