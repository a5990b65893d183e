// `es-gateway mappings diff|apply|history|rollback` against the real node, with a gateway taking
// events all along: a compatible change (template + put mapping on the write index), a breaking
// one applied under load (a data stream rolled over; an alias switched to a new versioned index)
// with every acknowledged event indexed exactly once and none refused, the audit trail, and a
// rollback to an earlier version.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMappings } from '../../src/cli/mappings-command.ts';
import { loadConfig } from '../../src/config/config.ts';
import { applyPlan } from '../../src/governance/mapping-apply.ts';
import { planStreams } from '../../src/governance/mapping-session.ts';
import { createEsClient, type EsClient } from '../../src/sink/es-client.ts';
import { allIds } from '../support/load.ts';
import { countDocs, esClient, esUrl, logEvents, NDJSON, post, startGateway, unique, type TestGateway } from '../support/gateway.ts';

const prefix = unique('it-map');
const audit = `${prefix}-audit`;
const dlq = `${prefix}-dlq`;
const dataStream = `${prefix}-web`;
const alias = `${prefix}-orders`;
const es = esClient();
const env = { GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_MAPPING_AUDIT_INDEX: audit, GATEWAY_DEAD_LETTER_INDEX: dlq };
const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'esgw-mappings-')), 'streams.json');

/** The fields of test/support/load.ts's events; `status` is http.status's type. */
const logMappings = (status: string, extra: Record<string, unknown> = {}) => ({
  properties: {
    event: { properties: { id: { type: 'keyword' } } },
    level: { type: 'keyword' },
    message: { type: 'text' },
    http: { properties: { status: { type: status }, path: { type: 'keyword' } } },
    duration_ms: { type: 'double' },
    ...extra,
  },
});
const streamsFile = (status: string, extra: Record<string, unknown> = {}) => ({
  streams: {
    web: { dataStream: true, dynamic: 'strict', mappings: logMappings(status, extra) },
    orders: { index: alias, dynamic: 'strict', mappings: logMappings(status, extra) },
  },
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runMappings(args[0] as string, [...args.slice(1), '--es', esUrl(), '--config', file, '--by', 'ada'], (t) => { out += t; }, (t) => { err += t; });
  return { code, out, err };
}
const writeFile = (streams: unknown) => writeFileSync(file, JSON.stringify(streams));
const fieldType = async (index: string, field: string) => {
  const m = await es.indices.getFieldMapping({ index, fields: field });
  return Object.values(m[index]?.mappings ?? {})[0]?.mapping;
};

let gw: TestGateway;
let client: EsClient;
beforeAll(async () => {
  // The commands read the gateway's settings from the environment, as `serve` does.
  Object.assign(process.env, env);
  writeFile(streamsFile('long'));
  gw = await startGateway(env, streamsFile('long'));
  client = createEsClient(loadConfig({ ES_URL: esUrl() }).elasticsearch, 2);
  // One event each, so the data stream and the alias have their write index.
  for (const s of ['web', 'orders']) expect((await post(`${gw.url}/v1/events/${s}?ack=indexed`, JSON.stringify({ event: { id: `${s}-0` }, level: 'info', http: { status: 200 } }), NDJSON)).status).toBe(200);
});
afterAll(async () => {
  for (const k of Object.keys(env)) delete process.env[k];
  await gw?.close();
  await client?.close();
  // The data stream's write index stays: the node cannot delete data streams (its name is this run's).
  const resolved = await es.indices.resolveIndex({ name: `${prefix}-*` });
  const backing = resolved.data_streams.flatMap((d) => d.backing_indices.slice(0, -1));
  const names = [...resolved.indices.map((i) => i.name), ...backing];
  if (names.length > 0) await es.indices.delete({ index: names });
  await es.close();
});

/**
 * Posts batches of events (ack=indexed: each item's result comes back) to a stream until
 * stopped; every item must come back created. Paced by the acks, so it loads the node without
 * flooding two shared cores.
 */
function ingestUntilStopped(stream: string) {
  let stopped = false;
  const created: string[] = [];
  const other: string[] = [];
  const done = (async () => {
    for (let round = 0; !stopped && round < 10_000; round++) {
      const batch = logEvents(50, `${stream}-load-${round}`);
      const res = await post(`${gw.url}/v1/events/${stream}?ack=indexed`, batch.map((e) => e.line).join('\n'), NDJSON);
      if (res.status !== 200) { other.push(`HTTP ${res.status}: ${res.body.slice(0, 200)}`); continue; }
      for (const item of res.json().items as { _id: string; result: string }[]) (item.result === 'created' ? created : other).push(`${item._id} ${item.result}`);
    }
  })();
  return {
    get created() { return created.length; },
    async stop() { stopped = true; await done; return { created, other }; },
  };
}

describe('mappings commands', () => {
  it('diff: exit 0 when the cluster matches the streams file; the alias stream got <name>-v1 behind its write alias', async () => {
    const r = await cli('diff');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`stream web (data stream ${dataStream}, template v1, write index .ds-${dataStream}-`);
    expect(r.out).toContain(`stream orders (alias ${alias}, template v1, write index ${alias}-v1): no difference`);
    expect(r.out.trim().split('\n').at(-1)).toBe('2 streams: 0 differ (0 breaking), 2 up to date');
  });

  it('compatible change: diff classifies it, apply updates the template and the write index, and the new field is taken', async () => {
    writeFile(streamsFile('long', { note: { type: 'keyword' } }));
    const diff = await cli('diff', '--stream', 'web', '--json');
    expect(diff.code).toBe(1);
    const json = JSON.parse(diff.out);
    expect(json.differs).toBe(true);
    expect(json.streams[0].change).toBe('compatible');
    expect(json.streams[0].differences).toEqual([
      { kind: 'added', path: 'note', against: 'template', breaking: false, after: { type: 'keyword' } },
      { kind: 'added', path: 'note', against: 'write_index', breaking: false, after: { type: 'keyword' } },
    ]);
    const dry = await cli('apply', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('dry run: 2 of 2 streams would change');
    const dryJson = JSON.parse((await cli('apply', '--dry-run', '--json')).out);
    expect(dryJson.dryRun).toBe(true);
    expect(dryJson.streams.map((x: { stream: string; change: string; applied: boolean; steps: { kind: string }[] }) => [x.stream, x.change, x.applied, x.steps.map((st) => st.kind)])).toEqual([
      ['web', 'compatible', false, ['put_template', 'put_mapping']],
      ['orders', 'compatible', false, ['put_template', 'put_mapping']],
    ]);
    expect((await cli('diff')).code).toBe(1); // a dry run changes nothing

    // A plan made before another apply ran is refused before it changes anything.
    const [stale] = await planStreams(client, loadConfig({ ...process.env, ES_URL: esUrl() }, streamsFile('long', { note: { type: 'keyword' } })), 'web');
    const applied = await cli('apply');
    expect(applied.code, applied.err).toBe(0);
    expect(applied.out).toContain('applied: version 2 (compatible)');
    await expect(applyPlan(client, stale!.plan, { by: 'bob', auditIndex: audit, now: Date.now })).rejects.toThrow('stream web: its template is at version 2 now, not 1 as when this change was planned (another apply ran meanwhile); nothing was changed');
    expect(applied.out.trim().split('\n').at(-1)).toBe('2 of 2 streams changed, 0 failed, 0 up to date');
    expect((await cli('diff')).code).toBe(0);
    for (const s of ['web', 'orders']) {
      const res = await post(`${gw.url}/v1/events/${s}?ack=indexed`, JSON.stringify({ event: { id: `${s}-note` }, note: 'taken' }), NDJSON);
      expect(res.json().items[0].result, res.body).toBe('created');
    }
  });

  it('a gateway started with the same file changes nothing; one started with an older file leaves the cluster\'s template alone', async () => {
    const templateOf = async () => (await es.indices.getIndexTemplate({ name: `es-gateway-stream-web-*` })).index_templates.find((t) => t.index_template.index_patterns.includes(dataStream))!.index_template;
    const before = await templateOf();
    expect(before.version).toBe(2);
    for (const file of [streamsFile('long', { note: { type: 'keyword' } }), streamsFile('long')]) {
      const other = await startGateway(env, file);
      await other.app.ready();
      // Its first write waits for the install: after one, the install is done.
      expect((await post(`${other.url}/v1/events/web?ack=indexed`, JSON.stringify({ event: { id: 'restart' }, level: 'info' }), NDJSON)).json().items[0].result).toMatch(/created|duplicate/);
      await other.close();
      const after = await templateOf();
      expect(after.version).toBe(2);
      expect(after.template?.mappings).toEqual(before.template?.mappings);
    }
    expect(JSON.parse((await cli('history', 'web', '--json')).out).versions).toHaveLength(2);
  });

  it('breaking change under load: rollover and alias switch, no event refused or lost', async () => {
    writeFile(streamsFile('keyword', { note: { type: 'keyword' } }));
    const diff = await cli('diff');
    expect(diff.code).toBe(1);
    expect(diff.out).toContain('write index: ! http.status {"type":"long"} → {"type":"keyword"} (breaking: type changed)');
    expect(diff.out).toContain(`breaking: would put template`);
    expect(diff.out).toContain(`roll data stream ${dataStream} over to a new backing index with the new mappings`);
    expect(diff.out).toContain(`create ${alias}-v2 and switch alias ${alias}'s writes from ${alias}-v1 to it in one _aliases call`);

    const loads = ['web', 'orders'].map(ingestUntilStopped);
    const waitFor = async (n: number) => { while (loads.some((l) => l.created < n)) await new Promise((r) => setTimeout(r, 20)); };
    await waitFor(200);
    const applied = await cli('apply');
    const afterApply = Math.max(...loads.map((l) => l.created));
    await waitFor(afterApply + 200); // and more events after the switch
    const results = await Promise.all(loads.map((l) => l.stop()));
    expect(applied.code, applied.err).toBe(0);
    expect(applied.out).toContain('applied: version 3 (breaking)');

    // Nothing refused, nothing dead-lettered while the change happened: every item created.
    for (const r of results) expect(r.other).toEqual([]);
    // Exactly what was acknowledged, once each, plus the setup's event, the compatible change's and the restarts'.
    const webIds = await allIds(es, dataStream);
    expect(webIds.length).toBe(results[0]!.created.length + 3);
    expect(new Set(webIds)).toEqual(new Set([...results[0]!.created.map((c) => c.split(' ')[0]), 'web-0', 'web-note', 'restart']));
    expect(await countDocs(es, alias)).toBe(results[1]!.created.length + 2);
    expect(await countDocs(es, dlq)).toBe(0);

    const backing = (await es.indices.resolveIndex({ name: dataStream })).data_streams[0]!.backing_indices;
    expect(backing).toHaveLength(2);
    expect(await fieldType(backing[1]!, 'http.status')).toEqual({ status: { type: 'keyword' } });
    expect(await fieldType(backing[0]!, 'http.status')).toEqual({ status: { type: 'long' } });
    const aliases = await es.indices.getAlias({ name: alias });
    expect(Object.fromEntries(Object.entries(aliases).map(([i, a]) => [i, a.aliases[alias]?.is_write_index]))).toEqual({ [`${alias}-v1`]: false, [`${alias}-v2`]: true });
    expect(await fieldType(`${alias}-v2`, 'http.status')).toEqual({ status: { type: 'keyword' } });
    // The events written after the switch are in the new index.
    expect(await countDocs(es, `${alias}-v2`)).toBeGreaterThan(0);
    expect((await cli('diff')).code).toBe(0);
  });

  it('history lists every version with who, what and the SHA-256 chain; rollback restores version 2 as version 4', async () => {
    const history = await cli('history', 'web', '--json');
    expect(history.code).toBe(0);
    const versions = JSON.parse(history.out).versions as { version: number; change: string; by: string; before_sha256: string | null; after_sha256: string; after: string }[];
    expect(versions.map((v) => [v.version, v.change, v.by])).toEqual([[3, 'breaking', 'ada'], [2, 'compatible', 'ada'], [1, 'install', 'es-gateway start-up']]);
    expect(versions[0]!.before_sha256).toBe(versions[1]!.after_sha256);
    expect(versions[1]!.before_sha256).toBe(versions[2]!.after_sha256);
    expect((await cli('history', 'orders')).out).toMatch(/^\| 3 \| .* \| ada \| breaking \| [0-9a-f]{12} \| .*switch alias/m);

    const rollback = await cli('rollback', 'web', '--to', '2');
    expect(rollback.code, rollback.err).toBe(0);
    expect(rollback.err).toContain('rolling stream web back to the mappings of version 2');
    expect(rollback.out).toContain('applied: version 4 (breaking)');
    const after = JSON.parse((await cli('history', 'web', '--json')).out).versions[0];
    expect(after).toMatchObject({ version: 4, change: 'rollback', rolled_back_to: 2, by: 'ada', after_sha256: versions[1]!.after_sha256 });
    const backing = (await es.indices.resolveIndex({ name: dataStream })).data_streams[0]!.backing_indices;
    expect(backing).toHaveLength(3);
    expect(await fieldType(backing[2]!, 'http.status')).toEqual({ status: { type: 'long' } });
    // The file still says keyword: diff says so, until the file is rolled back too.
    expect((await cli('diff', '--stream', 'web')).code).toBe(1);
    expect((await cli('rollback', 'web', '--to', '9')).err).toContain('stream web has no version 9 in the audit index (versions: 4, 3, 2, 1)');
    expect((await cli('history', 'nope')).code).toBe(2);
  });
});
