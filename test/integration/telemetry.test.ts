// Traces with an in-memory exporter (the SDK as the gateway starts it, its exporter swapped): in
// memory mode a bulk flush is linked to the request whose events it carries; one
// ingest request in durable mode gives the request's span (stream, events, bytes, result), a
// spool append and a bulk flush each LINKED to it (not children: a batch serves many requests),
// and the Elasticsearch client's own span under the flush; events waiting in the spool at start
// are replayed under a spool replay span; a search's span says whether the cache answered; log
// lines of a traced request carry its trace id.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { Spool } from '../../src/spool/spool.ts';
import { startTracing } from '../../src/telemetry/otel-sdk.ts';
import { deleteIndices, esClient, esUrl, unique } from '../support/gateway.ts';
import { waitUntil } from '../support/load.ts';

const prefix = unique('it-otel');
const es = esClient();
const exporter = new InMemorySpanExporter();
const sdk = startTracing([new SimpleSpanProcessor({ exporter })]);
const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'esgw-otel-'));
const logLines: Record<string, unknown>[] = [];
let app: FastifyInstance;
let url = '';
let memoryApp: FastifyInstance;
let memoryUrl = '';

beforeAll(async () => {
  const config = loadConfig({ ES_URL: esUrl(), HOST: '127.0.0.1', PORT: '0', GATEWAY_AUTH: 'off', GATEWAY_DURABILITY: 'durable', GATEWAY_SPOOL_DIR: spoolDir, GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_WORKERS: '0' });
  app = await buildApp(config, { logger: { level: 'info', stream: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } } });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  memoryApp = await buildApp(loadConfig({ ES_URL: esUrl(), GATEWAY_AUTH: 'off', GATEWAY_SPOOL_DIR: '', GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_WORKERS: '0' }), { logger: false });
  memoryUrl = await memoryApp.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await memoryApp?.close();
  await sdk.shutdown();
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

const spans = () => exporter.getFinishedSpans();
const named = (name: string) => spans().filter((s) => s.name === name);
const ids = (s: ReadableSpan) => ({ traceId: s.spanContext().traceId, spanId: s.spanContext().spanId });

describe('traces', () => {
  it('memory mode: the bulk flush carrying a request\'s events is linked to the request\'s span', async () => {
    const res = await fetch(`${memoryUrl}/v1/events/mem?ack=indexed`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{"message":"in memory","event":{"id":"m-1"}}\n' });
    expect(res.status).toBe(200);
    const request = spans().find((s) => s.attributes['es_gateway.stream'] === 'mem') as ReadableSpan;
    expect(request.attributes).toMatchObject({ 'es_gateway.events': 1, 'es_gateway.result': 'indexed' });
    const flush = named('es-gateway bulk flush').filter((s) => s.links.some((l) => l.context.spanId === request.spanContext().spanId));
    expect(flush).toHaveLength(1);
    expect(flush[0]?.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId }))).toEqual([ids(request)]);
    // Linked, not a child: the flush starts its own trace.
    expect(flush[0]?.spanContext().traceId).not.toBe(request.spanContext().traceId);
  });


  it('an ingest request: its span, and the spool append and bulk flush linked to it, the client span under the flush', async () => {
    const res = await fetch(`${url}/v1/events/app?ack=indexed`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{"message":"traced","event":{"id":"t-1"}}\n{"message":"traced too","event":{"id":"t-2"}}\n' });
    expect(res.status).toBe(200);
    expect(await waitUntil(() => named('es-gateway bulk flush').length > 0, 10_000)).toBe(true);
    const request = spans().find((s) => s.attributes['es_gateway.stream'] === 'app' && s.attributes['es_gateway.events'] === 2);
    expect(request?.attributes).toMatchObject({ 'es_gateway.rejected': 0, 'es_gateway.result': 'indexed' });
    expect(request?.attributes['es_gateway.bytes']).toBeGreaterThan(0);
    const requestIds = ids(request as ReadableSpan);
    const append = named('es-gateway spool append');
    expect(append.map((s) => s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })))).toContainEqual([requestIds]);
    // Delivered as written (the spool had nothing unread before them): the flush carries the request's blocks.
    const flush = named('es-gateway bulk flush').find((s) => s.attributes['es_gateway.events'] === 2) as ReadableSpan;
    expect(flush.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId }))).toEqual([requestIds]);
    expect(named('es-gateway spool replay')).toEqual([]);
    // The Elasticsearch client's span of the bulk request is a child of the flush.
    const client = spans().filter((s) => s.parentSpanContext?.spanId === flush.spanContext().spanId);
    expect(client.map((s) => s.name)).toContain('bulk');
    // The request's log lines carry its trace id.
    expect(logLines.some((l) => l.trace_id === requestIds.traceId)).toBe(true);
  });

  it('a start with events waiting in the spool: they are read back under a spool replay span, and flushed without links', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'esgw-otel-replay-'));
    const spool = await Spool.open(dir, {});
    const source = (n: number) => Buffer.from(`{"message":"waited ${n}"}`);
    await spool.append([1, 2, 3].map((n) => ({ id: `w-${n}`, index: `${prefix}-replayed`, stream: 'app', acceptedAt: Date.now(), source: source(n) })));
    await spool.close();
    const restarted = await buildApp(loadConfig({ ES_URL: esUrl(), GATEWAY_AUTH: 'off', GATEWAY_DURABILITY: 'durable', GATEWAY_SPOOL_DIR: dir, GATEWAY_WORKERS: '0' }), { logger: false });
    try {
      await restarted.ready();
      expect(await waitUntil(() => named('es-gateway bulk flush').some((s) => s.attributes['es_gateway.events'] === 3), 10_000)).toBe(true);
      expect(named('es-gateway spool replay').some((s) => s.attributes['es_gateway.events'] === 3)).toBe(true);
      const flush = named('es-gateway bulk flush').find((s) => s.attributes['es_gateway.events'] === 3) as ReadableSpan;
      expect(flush.links).toEqual([]); // read from the spool: no request to link to
      await es.indices.refresh({ index: `${prefix}-replayed` });
      expect((await es.count({ index: `${prefix}-replayed` })).count).toBe(3);
    } finally {
      await restarted.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a search: its span says whether the cache answered', async () => {
    await es.indices.refresh({ index: `${prefix}-app-*` });
    for (const expected of ['MISS', 'HIT']) {
      const res = await fetch(`${url}/v1/search/app?q=traced`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-cache')).toBe(expected);
    }
    expect(spans().filter((s) => s.attributes['es_gateway.search.cache'] !== undefined).map((s) => s.attributes['es_gateway.search.cache'])).toEqual(['MISS', 'HIT']);
  });
});
