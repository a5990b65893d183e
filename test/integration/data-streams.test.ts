// Data streams against the real node (which has data streams and `_rollover` but neither ILM nor
// the data stream lifecycle): the gateway installs the template with `data_stream`, writes with
// `create` to the data stream's name, records the template's first version in the audit index,
// and — as the documented fallback — rolls the data stream over by the stream's conditions and
// deletes backing indices past retention.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type GatewayConfig } from '../../src/config/config.ts';
import { createEsClient, type EsClient } from '../../src/sink/es-client.ts';
import { detectLifecycleSupport } from '../../src/governance/lifecycle-support.ts';
import { runLifecycleFallback } from '../../src/governance/lifecycle-fallback.ts';
import { backingIndices } from '../../src/governance/stream-state.ts';
import { readHistory } from '../../src/governance/mapping-audit.ts';
import { streamTemplateName } from '../../src/sink/index-templates.ts';
import { countDocs, deleteIndices, esClient, esUrl, NDJSON, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const prefix = unique('it-ds');
const audit = `${prefix}-audit`;
const dataStream = `${prefix}-web`;
const es = esClient();
const env = { GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_MAPPING_AUDIT_INDEX: audit, GATEWAY_DEAD_LETTER_INDEX: `${audit}-dlq` };
const streams = {
  streams: {
    // No `index`: the data stream's name is the default pattern without its date.
    web: {
      dataStream: true,
      dynamic: 'strict',
      mappings: { properties: { event: { properties: { id: { type: 'keyword' } } }, level: { type: 'keyword' }, code: { type: 'long' } } },
      lifecycle: { rollover: { maxDocs: 5 }, deleteAfterDays: 1 },
    },
  },
};
let gw: TestGateway;
let config: GatewayConfig;
let client: EsClient;

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => JSON.stringify({ event: { id: `w-${from + k}` }, level: 'info', code: from + k })).join('\n');

beforeAll(async () => {
  gw = await startGateway(env, streams);
  config = loadConfig({ ES_URL: esUrl(), ...env }, streams);
  client = createEsClient(config.elasticsearch, 2);
});
afterAll(async () => {
  await gw?.close();
  await client?.close();
  // The node has no `DELETE /_data_stream`: the data stream's write index stays (its name is unique to this run).
  await deleteIndices(es, `${audit}*`);
  await es.close();
});

describe('data streams', () => {
  it('writes a stream with dataStream: true to its data stream, with its template (data_stream, mappings, version 1) audited', async () => {
    const res = await post(`${gw.url}/v1/events/web?ack=indexed`, lines(0, 8), NDJSON);
    expect(res.status, res.body).toBe(200);
    expect(res.json().items.every((i: { result: string }) => i.result === 'created')).toBe(true);
    const backing = await backingIndices(client, dataStream);
    expect(backing).toHaveLength(1);
    expect(backing[0]).toMatch(new RegExp(`^\\.ds-${dataStream}-\\d{4}\\.\\d{2}\\.\\d{2}-000001$`));
    expect(await countDocs(es, dataStream)).toBe(8);

    const name = streamTemplateName(config.streams.get('web')!, config.defaultIndexPattern);
    const t = (await es.indices.getIndexTemplate({ name })).index_templates[0]!.index_template;
    expect(t.data_stream).toBeDefined();
    expect(t.index_patterns).toEqual([dataStream]);
    expect(t.version).toBe(1);
    expect(t.template?.mappings?.properties?.code).toEqual({ type: 'long' });
    // An event the strict mapping refuses is a dead letter, as for dated indices.
    const bad = await post(`${gw.url}/v1/events/web?ack=indexed`, JSON.stringify({ level: 'x', extra: 1 }), NDJSON);
    expect(bad.json().items[0].result).toBe('dead_lettered');

    // Searches through the gateway reach the data stream (its backing indices) by its name.
    const found = await gw.app.inject({ method: 'POST', url: '/v1/search/web', payload: { query: { term: { level: 'info' } }, size: 1 } });
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json().total.value).toBe(8);
    expect(found.json().hits[0]._index).toMatch(new RegExp(`^\\.ds-${dataStream}-`));

    const history = await readHistory(client, audit, 'web');
    expect(history.map((h) => [h.version, h.change, h.by])).toEqual([[1, 'install', 'es-gateway start-up']]);
    expect(history[0]!.before).toBeNull();
    expect(JSON.parse(history[0]!.after)).toMatchObject({ dynamic: 'strict', properties: { code: { type: 'long' } } });
    expect(history[0]!.after_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('finds neither ILM nor the data stream lifecycle on this node, so the fallback rolls over by the conditions and deletes past retention', async () => {
    expect(await detectLifecycleSupport(client)).toBe('none');
    // 8 documents ≥ maxDocs 5: rolled over.
    const first = await runLifecycleFallback(client, config, Date.now());
    expect(first).toEqual([{ stream: 'web', dataStream, rolledOver: { from: expect.stringMatching(/-000001$/), to: expect.stringMatching(/-000002$/) }, deleted: [] }]);
    // The new write index is empty: nothing to roll, nothing old enough to delete.
    expect(await runLifecycleFallback(client, config, Date.now())).toEqual([{ stream: 'web', dataStream, rolledOver: undefined, deleted: [] }]);
    const res = await post(`${gw.url}/v1/events/web?ack=indexed`, lines(100, 103), NDJSON);
    expect(res.status, res.body).toBe(200);
    expect(await countDocs(es, dataStream)).toBe(11);
    // Two days on, the first backing index's data is all older than deleteAfterDays (1): deleted; the write index never is.
    const later = await runLifecycleFallback(client, config, Date.now() + 2 * 86_400_000);
    expect(later[0]!.deleted).toEqual([first[0]!.rolledOver!.from]);
    expect(await backingIndices(client, dataStream)).toEqual([first[0]!.rolledOver!.to]);
    expect(await countDocs(es, dataStream)).toBe(3);
  });
});
