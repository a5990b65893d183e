// FAKE UPSTREAM, for scenario 2 only ("gateway, null upstream"): a minimal node:http server that
// stands in for Elasticsearch's `_bulk` endpoint and answers success at once, so the benchmark
// measures the gateway's own cost. It reads the body, counts the `create` actions (every other
// NDJSON line) and answers {"errors":false,"items":[{"create":{"status":201}},...]} with one item
// per action — byte for byte what Elasticsearch 8.19 answers the gateway's filter_path (no "took").
// It indexes nothing.
//
//   node bench/fake-bulk-upstream.ts <port>      prints {"port":N} when listening
//   GET /_fake/stats                             {"requests":N,"docs":N,"badActions":N}
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const LF = 0x0a;
const CREATE = Buffer.from('{"create"');
const replies = new Map<number, Buffer>();
const stats = { requests: 0, docs: 0, badActions: 0 };

function reply(actions: number): Buffer {
  let body = replies.get(actions);
  if (body === undefined) {
    body = Buffer.from(`{"errors":false,"items":[${new Array(actions).fill('{"create":{"status":201}}').join(',')}]}`);
    if (replies.size < 1000) replies.set(actions, body);
  }
  return body;
}

const server = http.createServer((req, res) => {
  // Every response carries the header the Elasticsearch client checks.
  res.setHeader('x-elastic-product', 'Elasticsearch');
  res.setHeader('content-type', 'application/json');
  if (req.method === 'GET' && req.url === '/_fake/stats') {
    res.end(JSON.stringify(stats));
    return;
  }
  if (req.method !== 'POST' || !(req.url ?? '').startsWith('/_bulk')) {
    req.resume();
    res.end(req.url?.startsWith('/_cluster/health') ? '{"status":"green"}' : '{}');
    return;
  }
  let lines = 0;
  let atLineStart = true;
  let bad = 0;
  // ES_COMPRESSION=gzip: the body comes gzipped, as Elasticsearch would take it.
  const body: Readable = req.headers['content-encoding'] === 'gzip' ? req.pipe(createGunzip()) : req;
  body.on('data', (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) {
      if (atLineStart && (lines & 1) === 0) {
        // An action line: check it is a create (the first bytes only, cheaply).
        if (chunk.length - i >= CREATE.length && chunk.compare(CREATE, 0, CREATE.length, i, i + CREATE.length) !== 0) bad++;
      }
      const nl = chunk.indexOf(LF, i);
      if (nl === -1) { atLineStart = false; break; }
      lines++;
      atLineStart = true;
      i = nl;
    }
  });
  body.on('end', () => {
    const actions = lines >> 1;
    stats.requests++;
    stats.docs += actions;
    stats.badActions += bad;
    res.end(reply(actions));
  });
});

server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
