// Scenario 1, the ceiling: what one Node process on this machine does with the same requests
// when it does (almost) nothing else. Mode `read` only reads the body; mode `parse` also splits it
// into lines and JSON.parses every line. Both answer 202 with a small JSON body, like the gateway.
// Mode `parse-workers` (not part of the scenarios; for the worker-pool question) hands each
// request's body to one of N worker threads that split and parse it.
//
//   node bench/ceiling-server.ts read|parse|parse-workers [port] [workers]   prints {"port":N}
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

const LF = 0x0a;

/** Splits and parses complete lines; returns [events parsed, the unfinished tail]. */
function parseLines(buf: Buffer): [number, Buffer | undefined] {
  let events = 0;
  let start = 0;
  for (let nl = buf.indexOf(LF); nl !== -1; nl = buf.indexOf(LF, start)) {
    if (nl > start) {
      JSON.parse(buf.toString('utf8', start, nl));
      events++;
    }
    start = nl + 1;
  }
  return [events, start < buf.length ? buf.subarray(start) : undefined];
}

if (!isMainThread) {
  parentPort?.on('message', (msg: { id: number; body: Uint8Array }) => {
    const [events, tail] = parseLines(Buffer.from(msg.body.buffer, msg.body.byteOffset, msg.body.byteLength));
    if (tail !== undefined) JSON.parse(tail.toString('utf8'));
    parentPort?.postMessage({ id: msg.id, events: events + (tail === undefined ? 0 : 1) });
  });
} else {
  const mode = process.argv[2];
  if (mode !== 'read' && mode !== 'parse' && mode !== 'parse-workers') throw new Error('usage: ceiling-server.ts read|parse|parse-workers [port] [workers]');
  const workers = mode === 'parse-workers' ? Array.from({ length: Number(process.argv[4] ?? 1) }, () => new Worker(new URL(import.meta.url))) : [];
  const waiting = new Map<number, (events: number) => void>();
  for (const w of workers) w.on('message', (m: { id: number; events: number }) => { waiting.get(m.id)?.(m.events); waiting.delete(m.id); });
  let nextId = 0;

  const server = http.createServer((req, res) => {
    let bytes = 0;
    let events = 0;
    let pending: Buffer | undefined;
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (mode === 'read') return;
      if (mode === 'parse-workers') { parts.push(chunk); return; }
      const [n, tail] = parseLines(pending === undefined ? chunk : Buffer.concat([pending, chunk]));
      events += n;
      pending = tail;
    });
    req.on('end', () => {
      const answer = (n: number) => {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: n, bytes }));
      };
      if (mode === 'parse-workers') {
        const id = nextId++;
        let body = Buffer.concat(parts);
        if (body.byteOffset !== 0 || body.byteLength !== body.buffer.byteLength) body = Buffer.from(Uint8Array.prototype.slice.call(body)); // never transfer a pooled buffer
        waiting.set(id, answer);
        (workers[id % workers.length] as Worker).postMessage({ id, body }, [body.buffer as ArrayBuffer]);
        return;
      }
      if (pending !== undefined && pending.length > 0) { JSON.parse(pending.toString('utf8')); events++; }
      answer(events);
    });
  });

  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  process.on('SIGTERM', () => server.close(() => { for (const w of workers) void w.terminate(); process.exit(0); }));
}
