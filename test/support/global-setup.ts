// test/support/global-setup.ts — vitest globalSetup that provides `esUrl` to the tests
// (read it with `inject('esUrl')`). Uses $ES_URL when set (a node you run yourself);
// otherwise starts a throwaway single-node Elasticsearch and stops it after the run,
// deleting its data dir unless $ES_KEEP_DATA is set.
import fsp from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { startElasticsearch } from '../../scripts/elasticsearch.ts';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.ES_URL;
  if (external) {
    project.provide('esUrl', external.replace(/\/+$/, ''));
    return undefined;
  }
  const started = Date.now();
  const node = await startElasticsearch();
  console.log(`Elasticsearch ${node.url} (pid ${node.pid}, data ${node.dataDir}) ready in ${Date.now() - started} ms`);
  project.provide('esUrl', node.url);
  return async () => {
    await node.stop();
    if (!process.env.ES_KEEP_DATA) await fsp.rm(node.dataDir, { recursive: true, force: true });
  };
}
