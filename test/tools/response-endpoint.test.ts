/**
 * The ResponseURL endpoint's TLS: a certificate made by a library (selfsigned), which Node
 * accepts every time and which verifies for the endpoint's own address only; and an endpoint
 * that removes what it wrote when it stops.
 */
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as tls from 'tls';
import { ResponseEndpoint, type ReceivedPut } from '../../tools/local-deploy/response-endpoint';
import { selfSignedCertificate } from '../../tools/local-deploy/tls';

function put(url: string, ca: string, body: string): Promise<{ status: number; peer: tls.PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: 'PUT', ca, agent: false }, (response) => {
      const peer = (response.socket as tls.TLSSocket).getPeerCertificate();
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, peer }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('ResponseURL endpoint', () => {
  test('a PUT over verified TLS reaches the request; the certificate is for that address only', async () => {
    // A free port instead of 443, so that the URL names it and a plain client can call it.
    const endpoint = await ResponseEndpoint.start({ avoidPort443: true });
    try {
      const received: ReceivedPut[] = [];
      const url = new URL(
        endpoint.issue('arn:aws:cloudformation:us-east-1:1:stack/S/1', 'Res', 'req-1', 'us-east-1', (p) => received.push(p)),
      );
      url.port = String(endpoint.port);
      const ca = fs.readFileSync(endpoint.caFile, 'utf8');
      const { status, peer } = await put(url.toString(), ca, '{"Status":"SUCCESS"}');
      expect(status).toBe(200);
      expect(received).toEqual([{ raw: '{"Status":"SUCCESS"}', signatureValid: true }]);
      expect(peer.subjectaltname).toBe(`IP Address:${endpoint.host}`);
      expect(tls.checkServerIdentity(endpoint.host, peer)).toBeUndefined();
      expect(tls.checkServerIdentity('127.0.0.1', peer)).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      expect(new X509Certificate(ca).ca).toBe(false);
    } finally {
      await endpoint.stop();
    }
    expect(fs.existsSync(endpoint.caFile)).toBe(false);
  });

  test('every certificate made is one Node accepts (the hand-made DER refused about 1 in 200)', async () => {
    for (let i = 0; i < 40; i++) {
      const { key, cert } = await selfSignedCertificate(`127.0.${i}.1`);
      expect(() => tls.createSecureContext({ key, cert })).not.toThrow();
      expect(new X509Certificate(cert).checkIP(`127.0.${i}.1`)).toBe(`127.0.${i}.1`);
    }
  });

  test('refuses an address that is not IPv4', async () => {
    await expect(selfSignedCertificate('localhost')).rejects.toThrow(/not an IPv4 address: localhost/);
  });
});
