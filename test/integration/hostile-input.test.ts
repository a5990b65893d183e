// Hostile clients against a real gateway and Elasticsearch node: a body that drips one byte per
// 100 ms (cut off with 408 and its intake room released), headers that drip, a decompression
// bomb, a 1 GB body (streamed, never held by the test), a 100,000-field and a 100,000-deep event,
// a keep-alive connection left idle.
// Each is refused as the README documents, and the gateway is healthy right after: a normal
// request is indexed and its memory is back under a bound.
import net from 'node:net';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDocs, deleteIndices, esClient, NDJSON, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const es = esClient();
afterAll(() => es.close());

interface RawAnswer { status: number; headers: string; body: string; closed: boolean }

/**
 * Writes `head` at once, then `drip` one byte per `everyMs` until the gateway answers or closes
 * the connection; resolves with what it answered (a raw socket: no client library retries or
 * buffers).
 */
function drip(url: string, head: string, dripped: string, everyMs: number): Promise<RawAnswer & { sent: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const received: Buffer[] = [];
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < dripped.length && socket.writable) socket.write(dripped[sent++] as string);
      }, everyMs);
    });
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', (err) => { if (received.length === 0) reject(err); });
    socket.on('close', () => {
      clearInterval(timer);
      const text = Buffer.concat(received).toString('utf8');
      const [headers = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1] ?? 0), headers, body, closed: true, sent });
    });
  });
}

/**
 * Sends `head`, then up to `totalBytes` of blank NDJSON lines in 64 KiB chunks (chunked
 * encoding unless `head` declares a length), stopping once the gateway answers or closes; the
 * bytes are one chunk written again and again, never a body held whole.
 */
function sendHuge(url: string, head: string, totalBytes: number): Promise<RawAnswer & { written: number }> {
  const { hostname, port } = new URL(url);
  const chunked = /transfer-encoding: chunked/i.test(head);
  const data = Buffer.alloc(64 * 1024, `${' '.repeat(1023)}\n`); // blank lines: cheap to frame on a loaded machine
  const chunk = chunked ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data;
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let written = 0;
    const received: Buffer[] = [];
    const pump = () => {
      while (received.length === 0 && !socket.destroyed && written < totalBytes) {
        written += data.length;
        if (!socket.write(chunk)) { socket.once('drain', pump); return; }
      }
    };
    socket.on('connect', () => { socket.write(head); pump(); });
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', () => {}); // EPIPE/ECONNRESET once the gateway closed: what it answered is in `received`
    socket.on('close', () => {
      const [headers = '', body = ''] = Buffer.concat(received).toString('utf8').split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1] ?? 0), headers, body, closed: true, written });
    });
  });
}

/** `mib` MiB of blank lines, gzipped, made from one 1 MiB buffer (the test never holds the whole). */
async function gzipBomb(mib: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const blank = Buffer.alloc(1 << 20, `${' '.repeat(1023)}\n`);
  for (let i = 0; i < mib; i++) if (!gzip.write(blank)) await new Promise((r) => gzip.once('drain', r));
  await new Promise((r) => gzip.end(r));
  return Buffer.concat(out);
}

function problemOf(body: string): { type: string; status: number; detail: string } {
  return JSON.parse(body) as { type: string; status: number; detail: string };
}

describe('hostile clients', () => {
  const prefix = unique('it-hostile');
  let gw: TestGateway;
  let rssAtStart = 0;

  beforeAll(async () => {
    gw = await startGateway({
      GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`,
      GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dead-letters`,
      GATEWAY_WORKERS: '0',
      // Short enough for a test, long enough for a loaded machine to send a normal body.
      GATEWAY_HEADERS_TIMEOUT_MS: '1000',
      GATEWAY_REQUEST_TIMEOUT_MS: '2500',
      // Room for one small request at a time: a drip that kept its room would block the next one.
      GATEWAY_INTAKE_MAX_BYTES: '1024',
      GATEWAY_INTAKE_MAX_WAIT_MS: '1000',
    });
    rssAtStart = process.memoryUsage().rss;
  });
  afterAll(async () => {
    await gw?.close();
    await deleteIndices(es, `${prefix}-*`);
  });

  it('cuts a body that drips one byte per 100 ms off with 408 problem+json, closes the connection and releases its intake room', async () => {
    const line = '{"message":"drip"}\n'.repeat(20);
    const head = `POST /v1/events/drip HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${line.length}\r\n\r\n`;
    const answer = await drip(gw.url, head, line, 100);
    expect(answer.status, answer.headers).toBe(408);
    expect(answer.headers).toMatch(/content-type: application\/problem\+json/i);
    expect(answer.headers).toMatch(/connection: close/i);
    expect(problemOf(answer.body)).toMatchObject({ type: 'urn:es-gateway:problem:request-timeout', status: 408 });
    expect(answer.sent).toBeLessThan(line.length);
    // Its room is free: a 2 KiB body (more than the whole intake bound) goes through at once.
    const next = await post(`${gw.url}/v1/events/drip`, '{"message":"after the drip"}\n'.repeat(70), NDJSON);
    expect(next.status, next.body).toBe(202);
    expect(next.json()).toMatchObject({ accepted: 70, rejected: 0 });
  });

  it('answers a dripping bulk body on the Elasticsearch-compatible API with 408 in Elasticsearch\'s shape', async () => {
    const body = `{"create":{"_index":"${prefix}-bulk"}}\n{"a":1,"pad":"${'x'.repeat(40)}"}\n`;
    const head = `POST /_bulk HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\n\r\n`;
    const answer = await drip(gw.url, head, body, 100);
    expect(answer.status, answer.headers).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 408, error: { type: 'timeout_exception' } });
  });

  it('answers headers that drip with 408 problem+json and closes the connection', async () => {
    const answer = await drip(gw.url, 'POST /v1/events/drip HTTP/1.1\r\n', 'Host: x\r\nX-Slow: 1234567890abcdefghij\r\n', 100);
    expect(answer.status, answer.headers).toBe(408);
    expect(answer.headers).toMatch(/content-type: application\/problem\+json/i);
    expect(problemOf(answer.body)).toMatchObject({ type: 'urn:es-gateway:problem:request-timeout', status: 408 });
  });

  it('answers oversized headers with 431 problem+json and closes the connection', async () => {
    const answer = await sendHuge(gw.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(64 * 1024)}\r\n\r\n`, 0);
    expect(answer.status, answer.headers).toBe(431);
    expect(problemOf(answer.body)).toMatchObject({ type: 'urn:es-gateway:problem:headers-too-large', status: 431 });
  });

  it('cuts a gzip bomb off at the decompression ratio', async () => {
    const bomb = await gzipBomb(64); // 64 MiB of blank lines in ~64 KiB
    const res = await post(`${gw.url}/v1/events/bomb`, bomb, { ...NDJSON, 'content-encoding': 'gzip' });
    expect(res.status, res.body).toBe(413);
    expect(res.json()).toMatchObject({ type: 'urn:es-gateway:problem:decompression-ratio' });
  });

  it('refuses a 1 GB body: declared, at once; streamed, once past the body limit, having read a small part of it', async () => {
    const GiB = 1 << 30;
    const declared = await sendHuge(gw.url, `POST /v1/events/huge HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${GiB}\r\n\r\n`, GiB);
    expect(declared.status, declared.headers).toBe(413);
    expect(problemOf(declared.body).type).toBe('urn:es-gateway:problem:body-too-large');
    const streamed = await sendHuge(gw.url, 'POST /v1/events/huge HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n', GiB);
    expect(streamed.status, streamed.headers).toBe(413);
    expect(problemOf(streamed.body).type).toBe('urn:es-gateway:problem:body-too-large');
    expect(streamed.written).toBeLessThan(256 << 20); // answered long before the client got far
  });

  it('rejects a 100,000-field and a 100,000-deep event per event, indexing the normal events beside them', async () => {
    const wide = `{${Array.from({ length: 100_000 }, (_, i) => `"${i.toString(36)}":0`).join(',')}}`;
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const long = `{"s":"${'x'.repeat(300_000)}"}`;
    const body = ['{"n":1}', wide, deep, long, '{"n":2}'].join('\n');
    const res = await post(`${gw.url}/v1/events/shapes?ack=indexed`, body, NDJSON);
    expect(res.status, res.body).toBe(200);
    const out = res.json();
    expect(out).toMatchObject({ accepted: 2, rejected: 3 });
    expect(out.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([[2, 'too_many_fields'], [3, 'too_deep'], [4, 'string_too_long']]);
    expect(await countDocs(es, `${prefix}-shapes-*`)).toBe(2);
  });

  it('passes /_bulk sources through unmeasured: Elasticsearch refuses a 100,000-deep document per item, the others are indexed', async () => {
    const index = `${prefix}-bulk-deep`;
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const body = `{"create":{"_index":"${index}"}}\n{"n":1}\n{"create":{"_index":"${index}"}}\n${deep}\n{"create":{"_index":"${index}"}}\n{"n":2}\n`;
    const res = await post(`${gw.url}/_bulk`, body, NDJSON);
    expect(res.status, res.body.slice(0, 300)).toBe(200);
    const out = res.json();
    expect(out.errors).toBe(true);
    expect(out.items.map((i: { create: { status: number } }) => i.create.status)).toEqual([201, 400, 201]);
    expect(out.items[1].create.error.type).toMatch(/parsing_exception|parse_exception/);
    expect(await countDocs(es, index)).toBe(2);
  });

  it('is healthy afterwards: a normal request is indexed and memory is back under its bound', async () => {
    const res = await post(`${gw.url}/v1/events/after?ack=indexed`, '{"message":"still here"}\n{"message":"and here"}\n', NDJSON);
    expect(res.status, res.body).toBe(200);
    expect(await countDocs(es, `${prefix}-after-*`)).toBe(2);
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    // The gateway runs in this process: after the 1 GB body, the 64 MiB bomb and the rest, the
    // process holds less than 256 MiB more than at start (had either been held, far more).
    expect(process.memoryUsage().rss - rssAtStart).toBeLessThan(256 << 20);
  });
});

describe('idle connections', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ GATEWAY_KEEP_ALIVE_TIMEOUT_MS: '300', GATEWAY_INSTALL_TEMPLATES: 'false' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('closes a keep-alive connection left idle past GATEWAY_KEEP_ALIVE_TIMEOUT_MS, after answering on it', async () => {
    const { hostname, port } = new URL(gw.url);
    const socket = net.connect(Number(port), hostname);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await closed; // the gateway closes it; the test's own timeout bounds the wait
    const answer = Buffer.concat(received).toString('utf8');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});
