/**
 * A throw-away self-signed TLS certificate for the ResponseURL endpoint, made by the `selfsigned`
 * library (X.509 through @peculiar/x509 on Node's WebCrypto): an EC P-256 key, and a certificate
 * whose subjectAltName is the endpoint's loopback IP address.
 *
 * The framework child processes trust it through NODE_EXTRA_CA_CERTS, so TLS verification stays
 * on (hostname and signature are checked) instead of being switched off with
 * NODE_TLS_REJECT_UNAUTHORIZED=0.
 */
import { isIPv4 } from 'net';
import { generate } from 'selfsigned';

export interface SelfSignedCertificate {
  /** PEM */
  readonly key: string;
  /** PEM */
  readonly cert: string;
}

/**
 * A certificate for one IPv4 address, valid from an hour ago for seven days of real time (TLS
 * checks validity against the system clock, never the runner's virtual one).
 */
export async function selfSignedCertificate(ipAddress: string): Promise<SelfSignedCertificate> {
  if (!isIPv4(ipAddress)) throw new Error(`selfSignedCertificate: not an IPv4 address: ${ipAddress}`);
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: `cdk-opensearch-lifecycle local deploy ${ipAddress}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 3600_000),
    notAfterDate: new Date(now + 7 * 24 * 3600_000),
    extensions: [
      // A self-signed end-entity certificate that is its own trust anchor: CA false.
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: ipAddress }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
