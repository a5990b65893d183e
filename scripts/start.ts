// `npm start`: the gateway for local use. With ES_URL unset it first starts a local
// single-node Elasticsearch (scripts/elasticsearch.ts) and points the gateway at it; with
// ES_URL set, only the gateway. Ctrl-C stops both (the node only if this script started it).
// The gateway runs as in production: built first (dist/), with its V8 flags (src/runtime-flags.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { GATEWAY_ENTRY, GATEWAY_NODE_FLAGS, GATEWAY_PRELOAD } from '../src/runtime-flags.ts';
import { buildGateway } from './build.ts';
import { CACHE_ROOT, startElasticsearch, type ElasticsearchNode } from './elasticsearch.ts';

const repo = path.resolve(import.meta.dirname, '..');
let node: ElasticsearchNode | undefined;
let esUrl = process.env.ES_URL;

process.stdout.write('building the gateway (npm run build)…\n');
buildGateway(repo);

if (esUrl === undefined || esUrl === '') {
  process.stdout.write('starting a local Elasticsearch node (first run downloads it from Maven Central)…\n');
  node = await startElasticsearch({ port: Number(process.env.ES_PORT ?? 9200), name: 'es-gateway-dev', dataDir: path.join(CACHE_ROOT, 'dev-node') });
  esUrl = node.url;
  process.stdout.write(`Elasticsearch listening on ${esUrl} (pid ${node.pid}, data in ${node.dataDir})\n`);
}

const gateway = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, '--import', path.join(repo, GATEWAY_PRELOAD), path.join(repo, GATEWAY_ENTRY)], { stdio: 'inherit', env: { ...process.env, ES_URL: esUrl } });
process.stdout.write(`es-gateway starting on http://${process.env.HOST ?? '0.0.0.0'}:${process.env.PORT ?? '8080'} → ${esUrl}\n`);

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  gateway.kill(signal);
};
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGTERM', () => stop('SIGTERM'));

gateway.on('exit', async (code) => {
  if (node !== undefined) {
    process.stdout.write('stopping the local Elasticsearch node…\n');
    await node.stop();
  }
  process.exit(code ?? 0);
});
