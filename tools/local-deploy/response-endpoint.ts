/**
 * The ResponseURL endpoint: where the Provider framework PUTs its answer for CloudFormation.
 *
 * The framework sends `https.request({ hostname, path, method: 'PUT' })` with no port, so the
 * endpoint listens on port 443 of a loopback address of its own (a random 127.x.y.z, so that
 * parallel runners never collide), with a self-signed certificate for that address that the
 * framework's child processes trust through NODE_EXTRA_CA_CERTS. Where port 443 cannot be bound
 * (EACCES: not root, no CAP_NET_BIND_SERVICE), it listens on a free port instead and the
 * framework children get preload/response-port.cjs, which sends requests for that host there.
 *
 * Each URL is issued for one request, with a fake presigned query whose X-Amz-Signature is a
 * per-request secret: a PUT with another signature is refused like S3 does (403).
 */
import { randomBytes, randomInt } from 'crypto';
import * as fs from 'fs';
import type { ServerResponse } from 'http';
import * as https from 'https';
import { closableServer } from './local-server';
import * as os from 'os';
import * as path from 'path';
import { type SelfSignedCertificate, selfSignedCertificate } from './tls';

export interface ReceivedPut {
  /** The raw body, exactly as PUT. */
  readonly raw: string;
  /** Whether the presigned signature matched (only then does the body count as the answer). */
  readonly signatureValid: boolean;
}

interface Issued {
  readonly secret: string;
  readonly onPut: (put: ReceivedPut) => void;
}

export const RESPONSE_PORT_PRELOAD = path.join(__dirname, 'preload', 'response-port.cjs');

export class ResponseEndpoint {
  /** `avoidPort443` takes the fallback path on purpose (to test it where 443 could be bound). */
  static async start(options: { avoidPort443?: boolean } = {}): Promise<ResponseEndpoint> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const host = `127.${randomInt(1, 255)}.${randomInt(1, 255)}.${randomInt(1, 255)}`;
      const endpoint = new ResponseEndpoint(host, await selfSignedCertificate(host));
      const outcome = options.avoidPort443 ? 'denied' : await endpoint.listen(443);
      if (outcome === 'ok') return endpoint;
      // Port 443 is not ours to bind here: any free port, reached through the preload.
      if (outcome === 'denied' && (await endpoint.listen(0)) === 'ok') return endpoint;
      // Not listening: only its temporary directory to remove.
      await endpoint.stop();
    }
    throw new Error('Could not bind the ResponseURL endpoint on any loopback address');
  }

  /** The ResponseURL host (an IP address). */
  readonly host: string;
  /** The port really listened on: 443, or a free one when the preload redirects. */
  port = 0;
  /** File with the endpoint's certificate, for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;

  private readonly server: https.Server;
  private readonly issued = new Map<string, Issued>();
  private readonly close: () => Promise<void>;
  private readonly tempDir: string;

  private constructor(host: string, { key, cert }: SelfSignedCertificate) {
    this.host = host;
    this.tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-deploy-tls-'));
    this.caFile = path.join(this.tempDir, 'response-endpoint-ca.pem');
    fs.writeFileSync(this.caFile, cert);
    this.server = https.createServer({ key, cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.onPut(req.method ?? 'GET', req.url ?? '/', Buffer.concat(chunks).toString('utf8'), res));
    });
    this.close = closableServer(this.server);
  }

  /** True when the framework children need the port-redirecting preload. */
  get needsPreload(): boolean {
    return this.port !== 443;
  }

  private listen(port: number): Promise<'ok' | 'in-use' | 'denied'> {
    return new Promise((resolve) => {
      const onError = (error: NodeJS.ErrnoException) => {
        this.server.off('listening', onListening);
        resolve(error.code === 'EADDRINUSE' ? 'in-use' : 'denied');
      };
      const onListening = () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as { port: number }).port;
        resolve('ok');
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen(port, this.host);
    });
  }

  /**
   * A presigned-looking URL for one request, shaped like CloudFormation's S3 ResponseURL. Every
   * PUT to it is passed to `onPut`.
   */
  issue(stackId: string, logicalId: string, requestId: string, region: string, onPut: (put: ReceivedPut) => void): string {
    const secret = randomBytes(32).toString('hex');
    const bucket = `cloudformation-custom-resource-response-${region.replace(/-/g, '')}`;
    const objectPath = `/${bucket}/${encodeURIComponent(`${stackId}|${logicalId}|${requestId}`)}`;
    this.issued.set(objectPath, { secret, onPut });
    const date = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const query = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Date': date,
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Expires': '7200',
      'X-Amz-Credential': `AKIALOCALDEPLOYFAKE0/${date.slice(0, 8)}/${region}/s3/aws4_request`,
      'X-Amz-Signature': secret,
    });
    return `https://${this.host}${objectPath}?${query.toString()}`;
  }

  /** Whether a text contains any issued secret (to prove the ResponseURL was not printed). */
  containsSecret(text: string): boolean {
    for (const { secret } of this.issued.values()) if (text.includes(secret)) return true;
    return false;
  }

  /** The text with every issued secret masked. */
  redact(text: string): string {
    let out = text;
    for (const { secret } of this.issued.values()) out = out.split(secret).join('***');
    return out;
  }

  async stop(): Promise<void> {
    await this.close();
    fs.rmSync(this.tempDir, { recursive: true, force: true });
  }

  private onPut(method: string, url: string, body: string, res: ServerResponse): void {
    const [pathname, search = ''] = url.split(/\?(.*)/s);
    const issued = this.issued.get(pathname);
    if (method !== 'PUT') return s3Error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    if (!issued) return s3Error(res, 403, 'AccessDenied', 'Access Denied');
    const signatureValid = new URLSearchParams(search).get('X-Amz-Signature') === issued.secret;
    issued.onPut({ raw: body, signatureValid });
    if (!signatureValid) {
      return s3Error(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    res.writeHead(200, { etag: `"${randomBytes(16).toString('hex')}"`, 'content-length': 0 });
    res.end();
  }
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
