// Property-based fuzzing of the framers: whatever the bytes, the NDJSON framer, the JSON framer
// and the bulk parser answer (events, per-event errors, or a BodyError / Elasticsearch error for
// the request) and never throw anything else; NDJSON framed chunk by chunk is framed as the whole
// body is; and the event limits measured while scanning agree with the event's parsed value.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BodyError } from '../../src/ingest/body-decoder.ts';
import { frameBulkBody } from '../../src/ingest/es-bulk-framing.ts';
import { esApiAccess } from '../../src/ingest/es-bulk-ops.ts';
import { envelopeLine } from '../../src/ingest/envelope.ts';
import { frameBody, frameJsonBytes, NdjsonFraming, type FramedRequest } from '../../src/ingest/frame-request.ts';
import { createIdGenerator } from '../../src/ingest/ids.ts';
import { createStreamRegistry } from '../../src/ingest/stream-context.ts';

const NOW = Date.parse('2026-12-01T10:00:00.000Z');
const LIMITS = { maxDecompressedBytes: 1 << 20, maxLineBytes: 4096, maxEventsPerRequest: 200, maxReportedErrors: 10 };
const EVENT_LIMITS = { maxEventDepth: 5, maxEventFields: 12, maxStringBytes: 24 };
const ctx = createStreamRegistry({ streams: new Map(), idField: 'event.id', defaultIndexPattern: 'events-{stream}-{yyyy.MM.dd}', unknownStreams: 'accept', limits: EVENT_LIMITS }, () => NOW).get('fuzz');
if (ctx === undefined) throw new Error('no stream context');

let cases = 0;
afterAll(() => console.log(`fuzz: ${cases} framer cases tried`));

/** What a framing says, comparable across runs (ids come from the Idempotency-Key: deterministic). */
function outcome(frame: () => FramedRequest): unknown {
  try {
    const f = frame();
    const sources = f.parts.map((p) => Buffer.from(p.bulk).toString('latin1'));
    return { accepted: f.accepted, rejected: f.rejected, rejectedBy: f.rejectedBy, errors: f.errors, positions: Array.from(f.positions), sources };
  } catch (err) {
    if (err instanceof BodyError) return { refused: err.status, slug: err.slug };
    throw err; // anything else is a bug: the property fails
  }
}

/** An event line: valid JSON of any kind, nested objects, broken JSON, or raw bytes. */
const line = fc.oneof(
  fc.json({ maxDepth: 6 }).map((s) => Buffer.from(s)),
  fc.object({ maxDepth: 7, maxKeys: 6 }).map((o) => Buffer.from(JSON.stringify(o))),
  fc.string({ maxLength: 40 }).map((s) => Buffer.from(`{"a":${s}`)),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
  fc.nat({ max: 300 }).map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n % 7 === 0 ? n : 0)}`)),
);

const ndjsonBody = fc.tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r\n')).map(([lines, eol]) => Buffer.concat(lines.flatMap((l) => [l.filter((b) => b !== 0x0a), Buffer.from(eol)])));

describe('framers under fuzzing', () => {
  it('NDJSON: chunk by chunk as whole, and nothing thrown but a BodyError', () => {
    fc.assert(fc.property(ndjsonBody, fc.array(fc.nat(), { maxLength: 8 }), (body, cuts) => {
      cases++;
      const whole = outcome(() => frameBody('ndjson', body, ctx, LIMITS, 'k'));
      const chunked = outcome(() => {
        const framing = new NdjsonFraming(ctx, LIMITS, 'k');
        const at = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const cut of [...at, body.length]) {
          framing.push(body.subarray(from, cut));
          from = cut;
        }
        return framing.end();
      });
      expect(chunked).toEqual(whole);
    }), { numRuns: 3000 });
  });

  it('JSON: any bytes, any array of events: events and per-event errors, or a BodyError', () => {
    const jsonBody = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.json({ maxDepth: 8 }).map((s) => Buffer.from(s)),
      fc.array(line, { maxLength: 20 }).map((ls) => Buffer.concat([Buffer.from('['), ...ls.flatMap((l, i) => (i === 0 ? [l] : [Buffer.from(','), l])), Buffer.from(']')])),
    );
    fc.assert(fc.property(jsonBody, (body) => {
      cases++;
      const result = outcome(() => frameJsonBytes(body, ctx, LIMITS, 'k')) as { accepted?: number; rejected?: number; refused?: number };
      if (result.refused !== undefined) return void expect([400, 413]).toContain(result.refused);
      let parsed: unknown;
      try { parsed = JSON.parse(body.toString('utf8')); } catch { parsed = undefined; }
      if (parsed !== undefined) expect((result.accepted ?? 0) + (result.rejected ?? 0)).toBe(Array.isArray(parsed) ? parsed.length : 1);
    }), { numRuns: 3000 });
  });

  it('event limits: the verdict of the scan (and of the JSON.parse path) is the one the parsed value gives', () => {
    const measure = (v: unknown, depth: number, acc: { depth: number; fields: number; longest: number }) => {
      if (typeof v === 'string') acc.longest = Math.max(acc.longest, Buffer.byteLength(JSON.stringify(v)) - 2);
      if (typeof v !== 'object' || v === null) return;
      acc.depth = Math.max(acc.depth, depth);
      for (const [k, x] of Object.entries(v)) {
        if (!Array.isArray(v)) {
          acc.fields++;
          acc.longest = Math.max(acc.longest, Buffer.byteLength(JSON.stringify(k)) - 2);
        }
        measure(x, depth + 1, acc);
      }
    };
    fc.assert(fc.property(fc.object({ maxDepth: 8, maxKeys: 5, key: fc.string({ maxLength: 30, unit: 'binary' }) }), fc.boolean(), (event, spread) => {
      cases++;
      const text = spread ? JSON.stringify(event, null, 1) : JSON.stringify(event);
      const acc = { depth: 0, fields: 0, longest: 0 };
      measure(JSON.parse(text), 1, acc); // as sent: members whose value is undefined are not
      const expected = acc.depth > EVENT_LIMITS.maxEventDepth ? 'too_deep' : acc.fields > EVENT_LIMITS.maxEventFields ? 'too_many_fields' : acc.longest > EVENT_LIMITS.maxStringBytes ? 'string_too_long' : undefined;
      const result = envelopeLine(Buffer.from(text), ctx, 'id', !spread);
      const code = result.ok ? undefined : result.code;
      expect(['too_deep', 'too_many_fields', 'string_too_long'].includes(code ?? '') ? code : undefined).toBe(expected);
    }), { numRuns: 3000 });
  });

  it('bulk bodies: parsed and checked, or refused in Elasticsearch\'s shape; never thrown', () => {
    const access = esApiAccess({ indices: ['*', '-.*'], pipelines: [] });
    const newId = createIdGenerator(() => NOW);
    const actions = fc.oneof(
      fc.constantFrom('{"create":{}}', '{"index":{"_index":"logs"}}', '{"delete":{"_index":"logs","_id":"1"}}', '{"update":{"_index":"logs","_id":"1"}}', '{"create":{"_index":".hidden"}}'),
      fc.json({ maxDepth: 3 }),
    );
    const bulkBody = fc.array(fc.tuple(actions, line), { maxLength: 15 }).map((pairs) => Buffer.concat(pairs.flatMap(([a, l]) => [Buffer.from(`${a}\n`), l.filter((b) => b !== 0x0a), Buffer.from('\n')])));
    fc.assert(fc.property(fc.oneof(bulkBody, fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))), fc.option(fc.constantFrom('logs', 'other')), (body, index) => {
      cases++;
      const framed = frameBulkBody(body, index === null ? {} : { index }, access, newId);
      if (!framed.ok) {
        expect(framed.status).toBeGreaterThanOrEqual(400);
        expect(framed.status).toBeLessThan(500);
      }
    }), { numRuns: 3000 });
  });
});
