/**
 * What every local stand-in server needs: a loopback port, and a stop that does not wait for
 * keep-alive connections (the SDK clients keep theirs open) to time out.
 */
import type * as http from 'http';
import type { AddressInfo, Server, Socket } from 'net';

/** Remembers a server's open sockets; the returned function destroys them and closes the server. */
export function closableServer(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** Listens on a free port of 127.0.0.1; resolves to the server's `http://127.0.0.1:<port>`. */
export async function listenOnLoopback(server: http.Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
