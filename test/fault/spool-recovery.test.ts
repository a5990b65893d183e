// A spool with a torn last record and a corrupted record in the middle of a segment: the gateway
// starts, reports what it skipped, and delivers everything else.
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRecordAt } from '../../src/spool/record-framing.ts';
import { Spool } from '../../src/spool/spool.ts';
import { decodeSpoolEvent } from '../../src/spool/spool-event.ts';
import { deleteIndices, esClient, logEvents, startGateway, unique } from '../support/gateway.ts';
import { allIds, metricValue, waitUntil } from '../support/load.ts';

const prefix = unique('ft-recover');
const es = esClient();

afterAll(async () => {
  await deleteIndices(es, `${prefix}-*`);
  await es.close();
});

/** Ids of each record of a segment file, with the byte offset where each record starts. */
function records(file: string): { id: string; offset: number; end: number }[] {
  const buf = readFileSync(file);
  const out: { id: string; offset: number; end: number }[] = [];
  for (let at = 0; at < buf.length;) {
    const r = parseRecordAt(buf, at);
    if (r.kind !== 'record') break;
    out.push({ id: decodeSpoolEvent(r.payload).id, offset: at, end: r.end });
    at = r.end;
  }
  return out;
}

describe('spool recovery', () => {
  it('truncates a torn tail, quarantines a corrupt record, delivers the rest', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'esgw-recover-'));
    const spool = await Spool.open(dir, { segmentBytes: 32 * 1024, fsync: 'always' });
    const events = logEvents(1000, `${prefix}`).map((e, i) => ({
      id: e.id, index: `${prefix}-recover-2026.11.21`, stream: 'recover', acceptedAt: 1_790_000_000_000 + i, source: Buffer.from(e.line),
    }));
    for (let i = 0; i < events.length; i += 50) await spool.append(events.slice(i, i + 50));
    await spool.close();

    const segments = readdirSync(dir).filter((f) => f.endsWith('.seg')).sort().map((f) => path.join(dir, f));
    expect(segments.length).toBeGreaterThanOrEqual(3);
    // Corrupt the 10th record of the first segment: it and the rest of that segment are skipped.
    const first = records(segments[0]!);
    const victim = first[9]!;
    const bytes = readFileSync(segments[0]!);
    bytes[victim.offset + 8 + 20] = bytes[victim.offset + 8 + 20]! ^ 0xff;
    writeFileSync(segments[0]!, bytes);
    // Tear the last record of the last segment in half.
    const last = records(segments.at(-1)!);
    const torn = last.at(-1)!;
    truncateSync(segments.at(-1)!, torn.offset + Math.floor((torn.end - torn.offset) / 2));

    const skipped = new Set([...first.slice(9).map((r) => r.id), torn.id]);
    const expected = events.map((e) => e.id).filter((id) => !skipped.has(id));
    expect(expected.length).toBe(1000 - skipped.size);

    const gw = await startGateway({ GATEWAY_DURABILITY: 'durable', GATEWAY_SPOOL_DIR: dir, GATEWAY_INDEX_PATTERN: `${prefix}-{stream}-{yyyy.MM.dd}`, GATEWAY_DEAD_LETTER_INDEX: `${prefix}-dlq` });
    try {
      const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metricValue(metrics, 'es_gateway_spool_recovery_corrupt_records')).toBe(1);
      expect(metricValue(metrics, 'es_gateway_spool_recovery_torn_bytes')).toBeGreaterThan(0);
      expect(await waitUntil(() => gw.app.gateway.pipeline.undeliveredEvents === 0, 60_000)).toBe(true);
      const ids = await allIds(es, `${prefix}-recover-*`);
      expect(ids.sort()).toEqual(expected.sort());
      expect(readdirSync(path.join(dir, 'quarantine')).length).toBeGreaterThanOrEqual(1);
    } finally {
      await gw.close();
    }
  });
});
