// scripts/elasticsearch.ts — fetch, start and stop throwaway single-node Elasticsearch
// nodes for development and tests. Node >= 24 runs it directly (type stripping);
// node: built-ins only.
//
//   node scripts/elasticsearch.ts fetch
//   node scripts/elasticsearch.ts start [--port N] [--data DIR] [--heap MB] [--name NAME] [-E key=value]...
//   node scripts/elasticsearch.ts stop --data DIR
//
// The command line, and the API its users import; the distribution and the JDK come from
// elasticsearch-distribution.ts, a node is run by elasticsearch-node.ts.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ensureDistribution } from './elasticsearch-distribution.ts';
import { startElasticsearch, stopElasticsearch, type StartOptions } from './elasticsearch-node.ts';

export { CACHE_ROOT, ensureDistribution, ES_VERSION, findJavaHome } from './elasticsearch-distribution.ts';
export { startElasticsearch, stopElasticsearch, type ElasticsearchNode, type StartOptions } from './elasticsearch-node.ts';

async function cli(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const opts: StartOptions = { keepRunning: true, settings: {} };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[++i];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    if (flag === '--port') opts.port = Number(value);
    else if (flag === '--data') opts.dataDir = value;
    else if (flag === '--heap') opts.heapMb = Number(value);
    else if (flag === '--name') opts.name = value;
    else if (flag === '-E') {
      const eq = value.indexOf('=');
      if (eq < 1) throw new Error(`-E expects key=value, got ${value}`);
      opts.settings![value.slice(0, eq)] = value.slice(eq + 1);
    } else throw new Error(`unknown option ${flag}`);
  }
  if (command === 'fetch') {
    console.log(await ensureDistribution());
  } else if (command === 'start') {
    const node = await startElasticsearch(opts);
    await fsp.writeFile(path.join(node.dataDir, 'es.pid'), `${node.pid}\n`);
    console.log(JSON.stringify({ url: node.url, pid: node.pid, port: node.port, dataDir: node.dataDir }));
  } else if (command === 'stop' && opts.dataDir) {
    if (!(await stopElasticsearch(opts.dataDir))) console.error(`no running Elasticsearch for ${opts.dataDir}`);
  } else {
    throw new Error('usage: elasticsearch.ts fetch | start [--port N] [--data DIR] [--heap MB] [--name NAME] [-E k=v]... | stop --data DIR');
  }
}

if (import.meta.main) {
  cli(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
