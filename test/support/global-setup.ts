// test/support/global-setup.ts — vitest globalSetup that provides `esUrl` to the tests
// (read it with `inject('esUrl')`). Uses $ES_URL when set (a node you run yourself);
// otherwise starts a throwaway single-node Elasticsearch and stops it after the run,
// deleting its data dir unless $ES_KEEP_DATA is set. $ES_TEST_VERSION picks its version (`9`:
// the 9.x that CI also runs); tests that start nodes of their own read it as `inject('esVersion')`.
import fsp from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { startElasticsearch } from '../../scripts/elasticsearch.ts';
import { testVersion } from '../../scripts/elasticsearch-distribution.ts';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const version = testVersion();
  project.provide('esVersion', version);
  const external = process.env.ES_URL;
  if (external) {
    project.provide('esUrl', external.replace(/\/+$/, ''));
    return undefined;
  }
  const started = Date.now();
  const node = await startElasticsearch({ version });
  console.log(`Elasticsearch ${version} ${node.url} (pid ${node.pid}, data ${node.dataDir}) ready in ${Date.now() - started} ms`);
  project.provide('esUrl', node.url);
  return async () => {
    await node.stop();
    if (!process.env.ES_KEEP_DATA) await fsp.rm(node.dataDir, { recursive: true, force: true });
  };
}
