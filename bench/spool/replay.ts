// Spool benchmark: replay throughput (documents per second) from a spool into a real
// Elasticsearch node, through the gateway's own pipeline (durable mode, as `es-gateway spool
// replay` does). Prints a markdown table; asserts nothing.
//
//   node bench/spool/replay.ts            # 200,000 events
//   node bench/spool/replay.ts --quick    # 50,000 events
//   node bench/spool/replay.ts --events 1000000 --es http://127.0.0.1:9200
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { startElasticsearch, type ElasticsearchNode } from '../../scripts/elasticsearch.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { Spool } from '../../src/spool/spool.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, events: { type: 'string' }, es: { type: 'string' } } });
const total = Number(values.events ?? (values.quick ? 50_000 : 200_000));
const index = `bench-replay-${Date.now()}`;

let node: ElasticsearchNode | undefined;
const esUrl = values.es ?? (node = await startElasticsearch({ name: 'bench-replay' })).url;
const dir = await mkdtemp(join(tmpdir(), 'esgw-bench-replay-'));
const es = new Client({ node: esUrl });
try {
  const spool = await Spool.open(dir, { fsync: 'never' });
  const levels = ['debug', 'info', 'warn', 'error'];
  for (let i = 0; i < total; i += 1000) {
    await spool.append(Array.from({ length: Math.min(1000, total - i) }, (_, k) => {
      const n = i + k;
      const source = Buffer.from(JSON.stringify({ '@timestamp': new Date(Date.UTC(2026, 10, 21) + n).toISOString(), level: levels[n % 4], service: `svc-${n % 7}`, message: `request ${n} handled`, http: { status: 200 + (n % 5), path: `/api/items/${n % 97}` }, duration_ms: n % 1000 }));
      return { id: `r${n}`, index, stream: 'bench', acceptedAt: Date.now(), source };
    }));
  }
  const bytes = spool.stats().bytesOnDisk;
  await spool.close();

  const app = await buildApp(loadConfig({ ES_URL: esUrl, GATEWAY_DURABILITY: 'durable', GATEWAY_SPOOL_DIR: dir, GATEWAY_INSTALL_TEMPLATES: 'false' }), { logger: { level: 'error' } });
  const started = performance.now();
  await app.ready();
  while (app.gateway.pipeline.undeliveredEvents > 0) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  await es.indices.refresh({ index });
  const count = (await es.count({ index })).count;
  process.stdout.write([
    '| events | spool MB | seconds | docs/s | indexed |',
    '|---:|---:|---:|---:|---:|',
    `| ${total} | ${(bytes / 1048576).toFixed(1)} | ${seconds.toFixed(2)} | ${Math.round(total / seconds)} | ${count} |`,
  ].join('\n') + '\n');
} finally {
  await es.indices.delete({ index }).catch(() => {});
  await es.close();
  await rm(dir, { recursive: true, force: true });
  await node?.stop();
}
