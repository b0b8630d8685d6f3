/**
 * A throw-away self-signed TLS certificate for the ResponseURL endpoint, made at runtime with
 * node:crypto alone (no openssl binary, no dependency): an EC P-256 key, and a minimal X.509 v3
 * certificate whose subjectAltName is the endpoint's loopback IP address, DER-encoded by hand.
 *
 * The framework child processes trust it through NODE_EXTRA_CA_CERTS, so TLS verification stays
 * on (hostname and signature are checked) instead of being switched off with
 * NODE_TLS_REJECT_UNAUTHORIZED=0.
 */
import { generateKeyPairSync, randomBytes, sign } from 'crypto';
import { isIPv4 } from 'net';

export interface SelfSignedCertificate {
  /** PEM, PKCS#8 */
  readonly key: string;
  /** PEM */
  readonly cert: string;
}

// ---------------------------------------------------------------- DER, just what X.509 needs

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);
const octetString = (content: Buffer) => tlv(0x04, content);
const utf8String = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const bitString = (content: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));
const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));

function integer(bytes: Buffer): Buffer {
  // DER integers are signed: a leading 1 bit needs a zero byte in front to stay positive.
  return tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let n = arc >> 7; n > 0; n >>= 7) chunk.unshift(0x80 | (n & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const pad = (n: number) => String(n).padStart(2, '0');
  const text =
    pad(date.getUTCFullYear() % 100) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_COMMON_NAME = '2.5.4.3';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * A certificate for one IPv4 address, valid from an hour ago for seven days of real time (TLS
 * checks validity against the system clock, never the runner's virtual one).
 */
export function selfSignedCertificate(ipAddress: string): SelfSignedCertificate {
  if (!isIPv4(ipAddress)) throw new Error(`selfSignedCertificate: not an IPv4 address: ${ipAddress}`);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = sequence(set(sequence(oid(OID_COMMON_NAME), utf8String(`cdk-opensearch-lifecycle local deploy ${ipAddress}`))));
  const algorithm = sequence(oid(OID_ECDSA_WITH_SHA256));
  const now = Date.now();
  const ipBytes = Buffer.from(ipAddress.split('.').map(Number));
  const extensions = explicit(
    3,
    sequence(
      // iPAddress [7] IMPLICIT OCTET STRING
      sequence(oid(OID_SUBJECT_ALT_NAME), octetString(sequence(tlv(0x87, ipBytes)))),
      // A self-signed end-entity certificate that is its own trust anchor: CA false.
      sequence(oid(OID_BASIC_CONSTRAINTS), boolean(true), octetString(sequence())),
    ),
  );
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    name,
    sequence(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 7 * 24 * 3600_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey); // ECDSA, DER-encoded (r, s)
  const certificate = sequence(tbs, algorithm, bitString(signature));
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: toPem('CERTIFICATE', certificate),
  };
}
