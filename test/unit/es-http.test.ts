// The gateway's own Elasticsearch client on its wire: what it sends and how it fails. Against a
// local node:http server standing in for Elasticsearch (named as such), because these are about
// failures the real node cannot be made to produce on demand (a reset keep-alive socket, a
// request that never gets an answer) and about the exact headers. Bulk, health and templates
// against the real node are covered by the integration tests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { allCreatedCount, parseBulkResponseText } from '../../src/sink/bulk-response.ts';
import { authorizationHeader, createEsHttp, errorSummary, EsRequestError, type EsHttp } from '../../src/sink/es-http.ts';

const config = { url: '', username: undefined, password: undefined, apiKey: undefined, requestTimeoutMs: 2000, compression: 'none' as const };

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; socket: number }

let server: http.Server | undefined;
let client: EsHttp | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  server?.closeAllConnections();
  server = undefined;
});

/** A stand-in for Elasticsearch (FAKE): records requests and answers with `answer`. */
async function standIn(answer: (req: Seen, res: http.ServerResponse, n: number) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const sockets = new Map<unknown, number>();
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size);
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), socket: sockets.get(req.socket) as number };
      seen.push(s);
      answer(s, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('Elasticsearch HTTP client', () => {
  it('sends the body with its content type, the path under the URL prefix and basic auth from the URL', async () => {
    const { url, seen } = await standIn((_, res) => json(res, 200, { ok: true }));
    client = createEsHttp({ ...config, url: url.replace('http://', 'http://elastic:p%40ss@') + '/es/' }, 2);
    const res = await client.request({ method: 'POST', path: '/_bulk?filter_path=errors', body: Buffer.from('{"create":{}}\n{}\n'), contentType: 'application/x-ndjson' });
    expect(res).toEqual({ statusCode: 200, body: '{"ok":true}' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/es/_bulk?filter_path=errors', body: '{"create":{}}\n{}\n' });
    expect(seen[0]?.headers['content-type']).toBe('application/x-ndjson');
    expect(seen[0]?.headers['content-length']).toBe('17');
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('elastic:p@ss').toString('base64')}`);
  });

  it('writes a body given as a list of buffers one after the other, with their total length, also when sent again', async () => {
    const { url, seen } = await standIn((_, res, n) => {
      if (n === 2) res.socket?.destroy(); // the kept-alive socket turns out closed: sent once more
      else json(res, 200, { n });
    });
    client = createEsHttp({ ...config, url }, 1);
    const parts = [Buffer.from('{"create":{}}\n'), Buffer.from('{"ü":1}\n'), Buffer.alloc(70_000, 0x20), Buffer.from('\n')];
    const whole = Buffer.concat(parts).toString();
    expect((await client.request({ method: 'POST', path: '/_bulk', body: parts, contentType: 'application/x-ndjson' })).body).toBe('{"n":1}');
    expect((await client.request({ method: 'POST', path: '/_bulk', body: parts, contentType: 'application/x-ndjson' })).body).toBe('{"n":3}');
    expect(seen.map((s) => [s.body === whole, s.headers['content-length']])).toEqual([[true, String(Buffer.byteLength(whole))], [true, String(Buffer.byteLength(whole))], [true, String(Buffer.byteLength(whole))]]);
  });

  it('prefers the API key to basic auth, and sends no Authorization without credentials', () => {
    const u = new URL('http://a:b@localhost:9200');
    expect(authorizationHeader({ apiKey: 'aWQ6a2V5', username: 'u', password: 'p' }, u)).toBe('ApiKey aWQ6a2V5');
    expect(authorizationHeader({ apiKey: undefined, username: 'u', password: 'p' }, u)).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(authorizationHeader({ apiKey: undefined, username: undefined, password: undefined }, new URL('http://localhost:9200'))).toBeUndefined();
  });

  it('rejects a non-2xx answer with its status and Elasticsearch\'s error type and reason', async () => {
    const { url } = await standIn((_, res) => json(res, 429, { error: { type: 'es_rejected_execution_exception', reason: 'queue full' }, status: 429 }));
    client = createEsHttp({ ...config, url }, 1);
    const err = await client.request({ method: 'GET', path: '/_cluster/health' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EsRequestError);
    expect((err as EsRequestError).statusCode).toBe(429);
    expect((err as EsRequestError).message).toBe('Elasticsearch answered 429 es_rejected_execution_exception: queue full');
    expect(errorSummary(502, '<html>bad gateway</html>')).toBe('502 <html>bad gateway</html>');
  });

  it('gives up on a request without an answer after the timeout, with no status', async () => {
    const { url } = await standIn(() => { /* never answers */ });
    client = createEsHttp({ ...config, url, requestTimeoutMs: 5000 }, 1);
    const t0 = performance.now();
    const err = await client.request({ method: 'GET', path: '/_cluster/health', timeoutMs: 150 }).catch((e: unknown) => e) as EsRequestError;
    expect(err).toBeInstanceOf(EsRequestError);
    expect(err.statusCode).toBeUndefined();
    expect(err.message).toBe('GET /_cluster/health: no answer within 150 ms');
    expect(performance.now() - t0).toBeLessThan(4000);
  });

  it('reports a refused connection with no status', async () => {
    client = createEsHttp({ ...config, url: 'http://127.0.0.1:1' }, 1);
    const err = await client.request({ method: 'GET', path: '/_cluster/health' }).catch((e: unknown) => e) as EsRequestError;
    expect(err).toBeInstanceOf(EsRequestError);
    expect(err.statusCode).toBeUndefined();
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('keeps sockets alive, and sends once more when a kept-alive socket turns out closed', async () => {
    const { url, seen } = await standIn((req, res, n) => {
      // The third request arrives on the kept-alive socket: drop it as a server closing an idle
      // connection would, without an answer.
      if (n === 3) res.socket?.destroy();
      else json(res, 200, { n });
    });
    client = createEsHttp({ ...config, url }, 1);
    expect((await client.request({ method: 'GET', path: '/a' })).body).toBe('{"n":1}');
    expect((await client.request({ method: 'GET', path: '/b' })).body).toBe('{"n":2}');
    expect((await client.request({ method: 'GET', path: '/c' })).body).toBe('{"n":4}');
    expect(seen.map((s) => [s.url, s.socket])).toEqual([['/a', 0], ['/b', 0], ['/c', 0], ['/c', 1]]);
  });
});

describe('bulk response text', () => {
  const created = '{"create":{"status":201}}';
  const response = (items: string[]) => `{"errors":false,"items":[${items.join(',')}]}`;

  it('recognises the all-created response without parsing it, with the verdicts parsing gives', () => {
    for (const n of [5000, 1, 2, 7, 5000, 3]) {
      const text = response(new Array<string>(n).fill(created));
      expect(allCreatedCount(text)).toBe(n);
      expect(parseBulkResponseText(text, n)).toEqual(new Array(n).fill({ kind: 'created', status: 201 }));
    }
    // Fewer items than sent: the missing ones are retried, not assumed created.
    expect(parseBulkResponseText(response([created]), 2)?.map((v) => v.kind)).toEqual(['created', 'retry']);
  });

  it('parses anything else', () => {
    const many = new Array<string>(100).fill(created);
    const nearMisses = [
      response(many.map((item, i) => (i === 57 ? '{"create":{"status":409}}' : item))),
      response(many.map((item, i) => (i === 99 ? '{"index":{"status":201}}' : item))),
      response(many).replace('},{', '}, {'),
      `${response(many)} `,
      response(many).replace('false', 'true'),
    ];
    for (const text of nearMisses) expect(allCreatedCount(text)).toBeUndefined();
    expect(parseBulkResponseText(nearMisses[0] as string, 100)?.[57]).toEqual({ kind: 'duplicate', status: 409 });
    expect(parseBulkResponseText(nearMisses[1] as string, 100)?.[99]).toEqual({ kind: 'created', status: 201 });
    const rejected = '{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"r"}}}]}';
    expect(parseBulkResponseText(rejected, 2)).toEqual([{ kind: 'created', status: 201 }, { kind: 'retry', status: 429, error: { type: 'es_rejected_execution_exception', reason: 'r' } }]);
    // Not JSON at all (cut off): undefined, and the bulk sink retries the whole request.
    expect(parseBulkResponseText('{"errors":false,"items":[{"create":{"status":201}}', 1)).toBeUndefined();
    // A "__proto__" key is an ordinary property to JSON.parse; it changes no prototype.
    expect(parseBulkResponseText('{"__proto__":{"x":1},"items":[{"create":{"status":201}}]}', 1)).toEqual([{ kind: 'created', status: 201 }]);
    expect(({} as { x?: number }).x).toBeUndefined();
  });
});
