/**
 * The few S3 operations the package handler makes, on the emulator's view of S3 (packages.ts):
 * CopyObject (`PUT /<bucket>/<key>` with `x-amz-copy-source`) and DeleteObject, path-style, as
 * the SDK's S3 client sends them to `AWS_ENDPOINT_URL_S3`. What it copies keeps its encryption
 * (`x-amz-server-side-encryption`, SSE-S3 when not asked), which decides whether the package
 * catalog can import it.
 */
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';
import type { ObjectEncryption, ObjectStore } from './packages';

/** One S3 request, for tests. */
export interface S3Request {
  readonly operation: 'CopyObject' | 'DeleteObject' | 'Unknown';
  readonly bucket: string;
  readonly key: string;
  /** `bucket/key` of a CopyObject's source. */
  readonly copySource?: string;
  /** The encryption a CopyObject asked for. */
  readonly encryption?: string;
  readonly status: number;
}

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>${body}`;
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const errorDocument = (code: string, message: string) =>
  xml(`<Error><Code>${code}</Code><Message>${escape(message)}</Message><RequestId>emulator</RequestId></Error>`);

export class S3Server {
  readonly requests: S3Request[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly store: () => ObjectStore,
    private readonly clock: () => number,
  ) {
    this.server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => this.answer(req, res));
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://s3.invalid');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const reply = (request: Omit<S3Request, 'status'>, status: number, body: string, headers: http.OutgoingHttpHeaders = {}) => {
      this.requests.push({ ...request, status });
      res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'emulator', ...headers });
      res.end(body);
    };
    const authorization = req.headers.authorization;
    if (typeof authorization !== 'string' || !authorization.startsWith('AWS4-HMAC-SHA256')) {
      reply({ operation: 'Unknown', bucket, key }, 403, errorDocument('AccessDenied', 'Missing Authentication Token'));
      return;
    }
    const copySource = req.headers['x-amz-copy-source'];
    if (req.method === 'PUT' && typeof copySource === 'string' && key !== '') {
      const source = decodeURIComponent(copySource.split('?')[0]).replace(/^\//, '');
      const [sourceBucket, ...sourceKey] = source.split('/');
      const requested = req.headers['x-amz-server-side-encryption'];
      const encryption: ObjectEncryption = requested === 'aws:kms' ? 'aws:kms' : 'AES256';
      const request = { operation: 'CopyObject' as const, bucket, key, copySource: source, encryption: String(requested ?? '') };
      const body = this.store().getObject(sourceBucket, sourceKey.join('/'));
      if (body === undefined) {
        reply(request, 404, errorDocument('NoSuchKey', 'The specified key does not exist.'));
        return;
      }
      this.store().putObject(bucket, key, body, encryption);
      const modified = new Date(this.clock()).toISOString();
      reply(request, 200, xml(`<CopyObjectResult><LastModified>${modified}</LastModified><ETag>"emulator"</ETag></CopyObjectResult>`), {
        'x-amz-server-side-encryption': encryption,
      });
      return;
    }
    if (req.method === 'DELETE' && key !== '') {
      this.store().deleteObject(bucket, key);
      reply({ operation: 'DeleteObject', bucket, key }, 204, '');
      return;
    }
    reply({ operation: 'Unknown', bucket, key }, 501, errorDocument('NotImplemented', `${req.method} ${url.pathname} is not emulated`));
  }
}
