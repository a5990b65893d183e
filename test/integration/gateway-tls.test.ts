// TLS on the gateway's own listener: certificates made here with openssl; events go in over
// HTTPS and are indexed; a renewed certificate written over the files is served to new
// connections without a restart; a broken pair written over them is refused, the last good one
// kept.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDocs, deleteIndices, esClient, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const es = esClient();
afterAll(() => es.close());

const dir = mkdtempSync(path.join(os.tmpdir(), 'esgw-tls-'));
const file = (name: string) => path.join(dir, name);

/** A self-signed certificate for 127.0.0.1 and localhost, with `cn` as its subject. */
function makeCertificate(cn: string): { cert: string; key: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', file(`${cn}.key`), '-out', file(`${cn}.crt`)], { stdio: 'ignore' });
  return { cert: readFileSync(file(`${cn}.crt`), 'utf8'), key: readFileSync(file(`${cn}.key`), 'utf8') };
}

/** The certificate a new TLS connection is shown (trusting any: the test checks which it is). */
function servedCertificate(url: string): Promise<PeerCertificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

async function servedCn(url: string): Promise<string> {
  const subject = (await servedCertificate(url)).subject as unknown as Record<string, string>;
  return subject.CN ?? '';
}

/** Polls until the certificate served is `cn` (the files are polled once a second), for up to 15 s. */
async function waitForCn(url: string, cn: string): Promise<string> {
  let seen = '';
  for (let i = 0; i < 150 && seen !== cn; i++) {
    seen = await servedCn(url);
    if (seen !== cn) await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

function postHttps(url: string, body: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca, headers: { 'content-type': 'application/x-ndjson', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('TLS on the gateway listener', () => {
  const prefix = unique('it-tls');
  const first = makeCertificate('gateway-one');
  const second = makeCertificate('gateway-two');
  let gw: TestGateway;

  beforeAll(async () => {
    writeFileSync(file('tls.crt'), first.cert);
    writeFileSync(file('tls.key'), first.key);
    gw = await startGateway({
      GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
      GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dead-letters`,
      GATEWAY_TLS_CERT_FILE: file('tls.crt'),
      GATEWAY_TLS_KEY_FILE: file('tls.key'),
    });
  });
  afterAll(async () => {
    await gw?.close();
    await deleteIndices(es, `${prefix}-*`);
  });

  it('listens on HTTPS and indexes what comes over it', async () => {
    expect(gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await postHttps(`${gw.url}/v1/events/secure?ack=indexed`, '{"message":"over TLS"}\n', first.cert);
    expect(res.status, res.body).toBe(200);
    expect(await countDocs(es, `${prefix}-secure-*`)).toBe(1);
  });

  it('serves a renewed certificate to new connections without a restart, and keeps the last good pair when the files are broken', async () => {
    expect(await servedCn(gw.url)).toBe('gateway-one');
    writeFileSync(file('tls.key'), second.key);
    writeFileSync(file('tls.crt'), second.cert);
    expect(await waitForCn(gw.url, 'gateway-two')).toBe('gateway-two');
    const res = await postHttps(`${gw.url}/v1/events/secure`, '{"message":"after renewal"}\n', second.cert);
    expect(res.status, res.body).toBe(202);

    // A key that does not match: refused, logged, and the renewed pair still served.
    writeFileSync(file('tls.key'), first.key);
    await new Promise((r) => setTimeout(r, 2500)); // two polls of the files
    expect(await servedCn(gw.url)).toBe('gateway-two');
    const still = await postHttps(`${gw.url}/v1/events/secure`, '{"message":"still served"}\n', second.cert);
    expect(still.status, still.body).toBe(202);
  });
});
