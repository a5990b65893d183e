// Contract tests against the real node: the answers of the ingest, search, Elasticsearch-compatible
// and ops routes — successes and refusals — have a status, content type, body and headers the
// OpenAPI document gives for them; the document is served at /openapi.json and /docs; and the
// TypeScript client generated from it (clients/typescript) ingests and searches as its users would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../clients/typescript/client/index.ts';
import { getV1SearchByStream, postV1EventsByStream } from '../../clients/typescript/sdk.gen.ts';
import { contractProblems, type Answer } from '../support/contract.ts';
import { deleteIndices, esClient, startGateway, unique, type TestGateway } from '../support/gateway.ts';
import { testKeys } from '../support/keys.ts';

const prefix = unique('it-contract');
const es = esClient();
const fixture = testKeys();
const keys = fixture.keys;
let gw: TestGateway;

async function call(method: string, url: string, key: string | undefined, body?: string, contentType = 'application/x-ndjson'): Promise<Answer> {
  const res = await fetch(`${gw.url}${url}`, { method, headers: { ...(key === undefined ? {} : { authorization: `ApiKey ${keys[key]}` }), ...(body === undefined ? {} : { 'content-type': contentType }) }, ...(body === undefined ? {} : { body }) });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** Sends, checks the status, and checks the answer against the document. */
async function expectContract(method: string, route: string, url: string, status: number, key: string | undefined, body?: string, contentType?: string): Promise<Answer> {
  const answer = await call(method, url, key, body, contentType);
  expect(answer.status, `${method} ${url}: ${answer.body.slice(0, 300)}`).toBe(status);
  expect(contractProblems(method, route, answer), `${method} ${url} ${status}`).toEqual([]);
  return answer;
}

beforeAll(async () => {
  fixture.create('app', ['--tenant', 't', '--ops', 'ingest,search', '--streams', 'app', '--indices', `${prefix}-*`]);
  fixture.create('admin', ['--tenant', 't', '--ops', 'admin']);
  fixture.create('slow', ['--tenant', 't', '--ops', 'ingest', '--streams', 'app', '--rate-limit', '1']);
  gw = await startGateway({ ...fixture.env(prefix), GATEWAY_MAX_EVENTS_PER_REQUEST: '5' });
});
afterAll(async () => {
  await gw?.close();
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
  fixture.remove();
});

const EVENTS = '{"message":"one","event":{"id":"c-1"}}\n{"message":"two","event":{"id":"c-2"}}\n';

describe('answers match the OpenAPI document', () => {
  it('ingest: accepted, indexed, and each refusal', async () => {
    const route = '/v1/events/{stream}';
    await expectContract('POST', route, '/v1/events/app', 202, 'app', EVENTS);
    await expectContract('POST', route, '/v1/events/app?ack=indexed', 200, 'app', '{"message":"three","event":{"id":"c-3"}}\n');
    await expectContract('POST', route, '/v1/events/app?atomic=true', 400, 'app', '{"a":1}\nnot json\n');
    await expectContract('POST', route, '/v1/events/app', 413, 'app', '{}\n{}\n{}\n{}\n{}\n{}\n');
    await expectContract('POST', route, '/v1/events/app', 415, 'app', 'x', 'text/plain');
    await expectContract('POST', route, '/v1/events/app', 401, undefined, EVENTS);
    await expectContract('POST', route, '/v1/events/other', 403, 'app', EVENTS);
    await expectContract('POST', route, '/v1/events/app', 202, 'slow', EVENTS);
    await expectContract('POST', route, '/v1/events/app', 429, 'slow', EVENTS);
  });

  it('search and get: answers, a guardrail refusal, a missing event', async () => {
    await es.indices.refresh({ index: `${prefix}-app-*` });
    const found = await expectContract('GET', '/v1/search/{stream}', '/v1/search/app?q=three', 200, 'app');
    expect((JSON.parse(found.body) as { hits: unknown[] }).hits).toHaveLength(1);
    await expectContract('POST', '/v1/search/{stream}', '/v1/search/app', 200, 'app', '{"query":{"match":{"message":"one"}},"size":5}', 'application/json');
    await expectContract('POST', '/v1/search/{stream}', '/v1/search/app', 400, 'app', '{"size":100000}', 'application/json');
    await expectContract('GET', '/v1/search/{stream}', '/v1/search/app?q=x', 403, 'admin');
    await expectContract('GET', '/v1/events/{stream}/{id}', '/v1/events/app/c-3', 200, 'app');
    await expectContract('GET', '/v1/events/{stream}/{id}', '/v1/events/app/nope', 404, 'app');
  });

  it('the Elasticsearch-compatible routes', async () => {
    const index = `${prefix}-es`;
    await expectContract('GET', '/', '/', 200, 'app');
    await expectContract('GET', '/_nodes/http', '/_nodes/http', 200, 'app');
    await expectContract('POST', '/_bulk', '/_bulk', 200, 'app', `{"create":{"_index":"${index}","_id":"b1"}}\n{"a":1}\n`);
    await expectContract('POST', '/_bulk', '/_bulk', 400, 'app', '{"create":{}}\n');
    await expectContract('POST', '/_bulk', '/_bulk', 401, undefined, '{"create":{}}\n{}\n');
    await expectContract('POST', '/{index}/_bulk', `/${index}/_bulk`, 200, 'app', '{"index":{"_id":"b2"}}\n{"a":2}\n');
    await expectContract('POST', '/{index}/_doc', `/${index}/_doc`, 201, 'app', '{"a":3}', 'application/json');
    await expectContract('PUT', '/{index}/_doc/{id}', `/${index}/_doc/d1`, 201, 'app', '{"a":4}', 'application/json');
    await expectContract('PUT', '/{index}/_doc/{id}', `/${index}/_doc/d1`, 200, 'app', '{"a":5}', 'application/json');
    await expectContract('PUT', '/{index}/_create/{id}', `/${index}/_create/c1`, 201, 'app', '{"a":6}', 'application/json');
    await expectContract('PUT', '/{index}/_create/{id}', `/${index}/_create/c1`, 409, 'app', '{"a":7}', 'application/json');
    await expectContract('POST', '/{index}/_doc', `/${prefix}-other-but-not-mine/_doc`, 201, 'app', '{"a":8}', 'application/json');
    await expectContract('POST', '/{index}/_doc', '/elsewhere/_doc', 403, 'app', '{"a":9}', 'application/json');
  });

  it('the ops routes', async () => {
    await expectContract('GET', '/healthz', '/healthz', 200, undefined);
    await expectContract('GET', '/readyz', '/readyz', 200, undefined);
    await expectContract('GET', '/metrics', '/metrics', 200, 'admin');
    await expectContract('GET', '/metrics', '/metrics', 401, undefined);
  });
});

describe('the document served, and the client generated from it', () => {
  it('/openapi.json is the checked-in document and /docs its page, both without a key', async () => {
    const served = await call('GET', '/openapi.json', undefined);
    expect(served.status).toBe(200);
    const doc = JSON.parse(served.body) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/events/{stream}');
    const page = await call('GET', '/docs', undefined);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/swagger-ui/i);
  });

  it('ingests and then searches through the generated client', async () => {
    // Its auth callback is asked once per scheme the route declares (ApiKey, then Bearer); the last one set wins.
    const client = createClient({ baseUrl: gw.url, auth: (scheme) => (scheme.scheme === 'bearer' ? keys.app : `ApiKey ${keys.app}`) });
    const ingested = await postV1EventsByStream({ client, path: { stream: 'app' }, query: { ack: 'indexed' }, body: [{ message: 'through the generated client', event: { id: 'gen-1' } }] });
    expect(ingested.response?.status).toBe(200);
    expect(ingested.data).toMatchObject({ accepted: 1, rejected: 0 });
    await es.indices.refresh({ index: `${prefix}-app-*` });
    const searched = await getV1SearchByStream({ client, path: { stream: 'app' }, query: { q: 'generated' } });
    expect(searched.response?.status).toBe(200);
    expect(searched.data?.hits.map((h) => h._id)).toEqual(['gen-1']);
    const refused = await postV1EventsByStream({ client: createClient({ baseUrl: gw.url }), path: { stream: 'app' }, body: [{ message: 'no key' }] });
    expect(refused.response?.status).toBe(401);
    expect(refused.error).toMatchObject({ type: 'urn:es-gateway:problem:unauthorized' });
  });
});
