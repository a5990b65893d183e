// The Elasticsearch client's own cost per bulk request, measured apart from the gateway: the
// main thread's CPU time (process.cpuUsage of this process) for N bulk requests of a batch-sized
// body (5,000 events in 23 buffers of ~57 kB, views as buildBulkBody gives them) sent to the fake
// bulk upstream (FAKE UPSTREAM, a child process), one at a time, per way of sending. Rounds
// alternate the ways, so the machine's noise spreads over all of them.
//
//   node bench/es-client.ts [--requests 300] [--rounds 3]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.ts';
import { createEsClient, type EsClient } from '../src/sink/es-client.ts';
import { makeEvents, ndjsonBodies } from './lib/events.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '300' }, rounds: { type: 'string', default: '3' } } });
const requests = Number(values.requests);
const rounds = Number(values.rounds);

const upstream = spawn(process.execPath, [path.join(import.meta.dirname, 'fake-bulk-upstream.ts'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) => {
  createInterface({ input: upstream.stdout }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
});
const url = `http://127.0.0.1:${port}`;

// 5,000 events as 23 buffers, with an action line in front of every event, as bulk bodies are.
const parts = ndjsonBodies(makeEvents(7, 5000), 220).map((b) => Buffer.from(b.toString('utf8').split('\n').filter((l) => l !== '').map((l) => `{"create":{"_index":"bench","_id":"x"}}\n${l}\n`).join('')));
const bytes = parts.reduce((n, b) => n + b.length, 0);
const docs = 5000;

interface Way { name: string; client: EsClient; body: () => Buffer | readonly Buffer[] }
const make = (connectionClass: string) => createEsClient(loadConfig({ ES_URL: url, ES_CONNECTION_CLASS: connectionClass }).elasticsearch, 4);
const http = make('http');
const undici = make('undici');
const ways: Way[] = [
  { name: 'http, buffer list (stream)', client: http, body: () => parts },
  { name: 'http, one joined buffer', client: http, body: () => Buffer.concat(parts, bytes) },
  { name: 'undici, buffer list (stream)', client: undici, body: () => parts },
  { name: 'undici, one joined buffer', client: undici, body: () => Buffer.concat(parts, bytes) },
];

async function measure(way: Way): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const res = await way.client.request({ method: 'POST', path: '/_bulk?filter_path=errors,items.*.status,items.*.error', body: way.body(), contentType: 'application/x-ndjson' });
    if (!res.body.startsWith('{"errors":false')) throw new Error(`unexpected answer: ${res.body.slice(0, 100)}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / requests; // µs of CPU per request
}

console.log(`bulk body: ${docs} events, ${(bytes / 1e6).toFixed(2)} MB in ${parts.length} buffers; ${requests} requests per way and round, ${rounds} rounds`);
for (const way of ways) await measure({ ...way }); // warm-up
const results = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const way of ways) {
    const us = await measure(way);
    results.set(way.name, [...(results.get(way.name) ?? []), us]);
  }
}
const base = Math.min(...(results.get(ways[0]!.name) ?? [1]));
console.log('| way | CPU µs per request (each round) | best ÷ first way\'s best |\n|---|---|---|');
for (const [name, us] of results) console.log(`| ${name} | ${us.map((u) => u.toFixed(0)).join(', ')} | ${(Math.min(...us) / base).toFixed(2)} |`);
await Promise.all([http.close(), undici.close()]);
upstream.kill('SIGTERM');
