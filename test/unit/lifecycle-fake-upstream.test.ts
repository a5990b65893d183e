// The ILM and data stream lifecycle requests, against a FAKE UPSTREAM (a few lines of node:http
// answering as Elasticsearch would): the Maven test node has neither service, so what the
// gateway sends a cluster that has them is checked here — the policy body is the documented one.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { loadConfig } from '../../src/config/config.ts';
import { createEsClient } from '../../src/sink/es-client.ts';
import { installGovernance } from '../../src/governance/governance-install.ts';

interface Seen { method: string; path: string; body: unknown }

/** A fake Elasticsearch that has ILM (`ilm`) or only the data stream lifecycle, and nothing installed yet. */
async function fakeUpstream(kind: 'ilm' | 'dsl'): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      seen.push({ method: req.method ?? '', path, body: text === '' ? undefined : JSON.parse(text) });
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
        res.end(JSON.stringify(body));
      };
      if (path.startsWith('/_ilm/status')) return kind === 'ilm' ? answer(200, { operation_mode: 'RUNNING' }) : answer(400, { error: 'no handler found' });
      if (path.startsWith('/_data_stream/_lifecycle/stats')) return answer(200, { data_streams: [] });
      if (req.method === 'PUT' || req.method === 'POST') return answer(200, { acknowledged: true });
      if (path.startsWith('/_resolve/index')) return answer(200, { indices: [], aliases: [], data_streams: [] });
      return answer(404, { error: { type: 'resource_not_found_exception', reason: 'not found' }, status: 404 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const streams = {
  streams: {
    web: { dataStream: true, lifecycle: { rollover: { maxPrimaryShardSize: '50gb', maxAge: '1d' }, warmAfterDays: 7, deleteAfterDays: 30 } },
    audit: { dataStream: true, index: 'corp-audit', lifecycle: { policy: 'corp-retention' } },
  },
};
let server: Server | undefined;
afterEach(() => { server?.close(); });

/** The start-up install against a fake of that kind: what it found, and the requests it sent. */
async function installAgainst(kind: 'ilm' | 'dsl'): Promise<{ support: string; seen: Seen[] }> {
  const fake = await fakeUpstream(kind);
  server = fake.server;
  const config = loadConfig({ ES_URL: fake.url }, streams);
  const es = createEsClient(config.elasticsearch, 2);
  const support = await installGovernance(es, config, Fastify({ logger: { level: 'silent' } }).log);
  await es.close();
  return { support, seen: fake.seen };
}

describe('lifecycle on a cluster that has it (fake upstream)', () => {
  it('ILM: puts the documented policy (hot rollover, warm forcemerge, delete) and names it in the template; a named policy is only referred to', async () => {
    const fake = await installAgainst('ilm');
    expect(fake.support).toBe('ilm');
    const policies = fake.seen.filter((s) => s.path.startsWith('/_ilm/policy/'));
    expect(policies.map((p) => [p.method, p.path])).toEqual([['PUT', '/_ilm/policy/es-gateway-web']]);
    expect(policies[0]!.body).toEqual({
      policy: {
        _meta: { managed_by: 'es-gateway', stream: 'web' },
        phases: {
          hot: { min_age: '0ms', actions: { rollover: { max_primary_shard_size: '50gb', max_age: '1d' } } },
          warm: { min_age: '7d', actions: { forcemerge: { max_num_segments: 1 }, set_priority: { priority: 50 } } },
          delete: { min_age: '30d', actions: { delete: {} } },
        },
      },
    });
    const templates = fake.seen.filter((s) => s.method === 'PUT' && s.path.startsWith('/_index_template/es-gateway-stream-'));
    const byStream = new Map(templates.map((t) => [(t.body as { _meta: { stream: string } })._meta.stream, t.body as Record<string, any>])); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(byStream.get('web')).toMatchObject({ index_patterns: ['events-web'], data_stream: {}, version: 1, template: { settings: { 'index.lifecycle.name': 'es-gateway-web' } } });
    expect(byStream.get('audit')).toMatchObject({ index_patterns: ['corp-audit'], data_stream: {}, template: { settings: { 'index.lifecycle.name': 'corp-retention' } } });
  });

  it('data stream lifecycle only: the template carries the retention, and no ILM policy is sent', async () => {
    const fake = await installAgainst('dsl');
    expect(fake.support).toBe('data_stream_lifecycle');
    expect(fake.seen.filter((s) => s.path.startsWith('/_ilm/policy/'))).toEqual([]);
    const web = fake.seen.find((s) => s.method === 'PUT' && (s.body as { _meta?: { stream?: string } } | undefined)?._meta?.stream === 'web');
    expect(web?.body).toMatchObject({ data_stream: {}, template: { lifecycle: { enabled: true, data_retention: '30d' } } });
    expect((web?.body as { template: { settings?: unknown } }).template.settings).toBeUndefined();
  });
});
