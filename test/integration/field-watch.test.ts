// The mapping-explosion watch against the real node: field counts against
// index.mapping.total_fields.limit in /metrics and a warning at 80%; maxFields sends an event that
// would add too many fields to the dead-letter index before Elasticsearch sees it; the streams'
// `dynamic` told apart in /metrics.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createEsClient } from '../../src/sink/es-client.ts';
import { FieldBudgets } from '../../src/governance/field-budget.ts';
import { startFieldWatch } from '../../src/governance/field-watch.ts';
import { createMetrics } from '../../src/telemetry/metrics.ts';
import { countDocs, deleteIndices, esClient, esUrl, NDJSON, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const prefix = unique('it-fields');
const dlq = `${prefix}-dlq`;
const env = { GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_DEAD_LETTER_INDEX: dlq, GATEWAY_MAPPING_AUDIT_INDEX: `${prefix}-audit` };
const streams = {
  streams: {
    // maxFields 6 counts paths: @timestamp and level from the template, then what events add.
    wide: { dynamic: 'true', maxFields: 6, mappings: { properties: { level: { type: 'keyword' } } }, settings: { 'index.mapping.total_fields.limit': 10 } },
    locked: { dynamic: 'strict', mappings: { properties: { level: { type: 'keyword' } } } },
  },
};
const es = esClient();
let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway(env, streams);
});
afterAll(async () => {
  await gw?.close();
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

describe('field watch and maxFields', () => {
  it('dead-letters an event that would take the stream past maxFields, before Elasticsearch sees it; the others are indexed', async () => {
    const events = [
      { level: 'info', a: 1, b: { c: 2 } }, // adds a, b, b.c: 5 of 6 (numbers: a string would add a keyword multi-field too)
      { level: 'warn', d: 1, e: 2 }, // would add 2: 7 > 6
      { level: 'error', a: 2, f: 3 }, // adds f: 6 of 6
      { level: 'debug', g: true }, // would add 1: 7 > 6
    ];
    const res = await post(`${gw.url}/v1/events/wide?ack=indexed`, events.map((e) => JSON.stringify(e)).join('\n'), NDJSON);
    expect(res.status, res.body).toBe(200);
    const items = res.json().items as { result: string; status: number; error?: { type: string; reason: string } }[];
    expect(items.map((i) => i.result)).toEqual(['created', 'dead_lettered', 'created', 'dead_lettered']);
    expect(items[1]).toMatchObject({ status: 400, error: { type: 'max_fields_exceeded', reason: 'the event would add 2 fields (d, e) to stream wide, whose mapping has 5 of its maxFields 6' } });
    expect(await countDocs(es, `${prefix}-wide-*`)).toBe(2);
    const mapping = await es.indices.getMapping({ index: `${prefix}-wide-*` });
    const fields = Object.keys(Object.values(mapping)[0]!.mappings.properties!).sort();
    expect(fields).toEqual(['@timestamp', 'a', 'b', 'f', 'level']); // d, e, g never reached Elasticsearch
    await es.indices.refresh({ index: dlq });
    const letters = await es.search<{ error: { type: string }; event: { stream: string } }>({ index: dlq, query: { match_all: {} } });
    expect(letters.hits.hits.map((h) => [h._source!.event.stream, h._source!.error.type])).toEqual([['wide', 'max_fields_exceeded'], ['wide', 'max_fields_exceeded']]);
  });

  it('reads field counts against the limit into /metrics, warns at 80%, and tells dynamic streams apart', async () => {
    const lines: string[] = [];
    const log = Fastify({ logger: { level: 'warn', stream: new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } }) } }).log;
    const config = loadConfig({ ES_URL: esUrl(), ...env }, streams);
    const client = createEsClient(config.elasticsearch, 2);
    const metrics = createMetrics();
    const watch = startFieldWatch(client, config, metrics, new FieldBudgets(config), log);
    await watch.firstRead;
    watch.stop();
    await client.close();
    // @timestamp, level, a, b, b.c, f: 6 fields of the limit 10 — below 80%, so no warning yet…
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^es_gateway_stream_fields\{stream="wide"\} 6$/m);
    expect(text).toMatch(/^es_gateway_stream_fields_limit\{stream="wide"\} 10$/m);
    expect(lines).toEqual([]);
    // …two more fields, written straight to Elasticsearch (past the gateway), make 8 of 10: 80%.
    await es.index({ index: Object.keys(await es.indices.get({ index: `${prefix}-wide-*` }))[0]!, document: { '@timestamp': new Date().toISOString(), h: 1, i: 2 }, refresh: true });
    const client2 = createEsClient(config.elasticsearch, 2);
    const watch2 = startFieldWatch(client2, config, metrics, new FieldBudgets(config), log);
    await watch2.firstRead;
    watch2.stop();
    await client2.close();
    expect(await metrics.registry.metrics()).toMatch(/^es_gateway_stream_fields\{stream="wide"\} 8$/m);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual([expect.stringContaining('stream wide: its mapping has 8 fields, 80% of index.mapping.total_fields.limit (10)')]);

    const gatewayMetrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(gatewayMetrics).toMatch(/^es_gateway_stream_dynamic\{stream="wide",dynamic="true"\} 1$/m);
    expect(gatewayMetrics).toMatch(/^es_gateway_stream_dynamic\{stream="locked",dynamic="strict"\} 1$/m);
  });
});
