// Test helpers: a gateway app against the suite's Elasticsearch node, listening on a free
// loopback port, and a plain client for asserting on what is really in the index.
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';

export function esUrl(): string {
  return inject('esUrl');
}

export function esClient(url = esUrl()): Client {
  return new Client({ node: url });
}

export interface TestGateway {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** A gateway listening on 127.0.0.1:<free port>, configured by env-style settings and a stream file. */
export async function startGateway(env: Record<string, string>, streams?: unknown, url = esUrl()): Promise<TestGateway> {
  // Every gateway gets a spool folder of its own unless the test names one.
  const spoolDir = env.GATEWAY_SPOOL_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'esgw-spool-'));
  const config = loadConfig({ ES_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', GATEWAY_AUTH: 'off', GATEWAY_RATE_LIMIT_MAX: '1000000', ...env, GATEWAY_SPOOL_DIR: spoolDir }, streams);
  const app = await buildApp(config, { logger: { level: env.LOG_LEVEL ?? 'warn' } });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: address, close: () => app.close() };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Sends a body in chunks of `chunkBytes` (to exercise streaming framing), or whole. */
export function post(url: string, body: Buffer | string, headers: Record<string, string>, chunkBytes?: number): Promise<HttpResult> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, ...(chunkBytes === undefined ? { 'content-length': String(bytes.length) } : {}) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunkBytes === undefined) {
      req.end(bytes);
      return;
    }
    let offset = 0;
    const writeNext = () => {
      while (offset < bytes.length) {
        const chunk = bytes.subarray(offset, offset + chunkBytes);
        offset += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', writeNext);
          return;
        }
      }
      req.end();
    };
    writeNext();
  });
}

export const NDJSON = { 'content-type': 'application/x-ndjson' };
export const JSON_CT = { 'content-type': 'application/json' };

/**
 * Refreshes and counts documents in indices matching `pattern` (0 when none exist). An index the
 * gateway's first bulk is creating at that moment exists before its shard has started, and a
 * count then fails with no_shard_available_action_exception: that is asked again (up to ~10 s).
 */
export async function countDocs(es: Client, pattern: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await es.indices.refresh({ index: pattern, allow_no_indices: true, ignore_unavailable: true });
      const r = await es.count({ index: pattern, allow_no_indices: true, ignore_unavailable: true });
      return r.count;
    } catch (err) {
      if (attempt >= 100 || !String((err as Error).message).includes('no_shard_available_action_exception')) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Deletes the indices matching `pattern` by name (wildcard deletes are refused by default). */
export async function deleteIndices(es: Client, pattern: string): Promise<void> {
  const found = await es.indices.get({ index: pattern, allow_no_indices: true, ignore_unavailable: true, expand_wildcards: 'all' });
  const names = Object.keys(found);
  if (names.length > 0) await es.indices.delete({ index: names });
}

/** A short unique suffix so test runs never share indices. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Realistic log events with ids `${idPrefix}-${i}`. */
export function logEvents(count: number, idPrefix: string, start = 0): { id: string; line: string; doc: Record<string, unknown> }[] {
  const levels = ['debug', 'info', 'warn', 'error'];
  return Array.from({ length: count }, (_, k) => {
    const i = start + k;
    const doc = {
      '@timestamp': new Date(Date.UTC(2026, 10, 21, 12, 0, 0) + i).toISOString(),
      event: { id: `${idPrefix}-${i}` },
      level: levels[i % 4],
      message: `request ${i} handled — ünïcødé ✓`,
      http: { status: 200 + (i % 5), path: `/api/items/${i % 97}` },
      duration_ms: (i % 1000) / 10,
    };
    return { id: `${idPrefix}-${i}`, line: JSON.stringify(doc), doc };
  });
}
