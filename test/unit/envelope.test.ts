import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { envelopeLine, envelope, utcIsoTime, utcIsoTimeAt } from '../../src/ingest/envelope.ts';
import { frameBody } from '../../src/ingest/frame-request.ts';
import { createStreamRegistry } from '../../src/ingest/stream-context.ts';

const NOW = Date.parse('2026-11-21T10:00:00.000Z');
const config = loadConfig({}, {
  streams: {
    orders: {
      index: 'orders-{yyyy.MM}',
      schema: { type: 'object', required: ['order_id', 'amount'], properties: { order_id: { type: 'string' }, amount: { type: 'number', minimum: 0 } } },
    },
  },
});
const registry = createStreamRegistry(config, () => NOW);
const logs = registry.get('web')!;
const orders = registry.get('orders')!;

const line = (s: string) => Buffer.from(s);

describe('envelope', () => {
  it('keeps the raw bytes of an event that has @timestamp and routes by it', () => {
    const raw = '{"@timestamp":"2026-01-02T03:04:05Z","msg":"hi",  "n":1.0}';
    const r = envelopeLine(line(raw), logs, undefined);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.source.toString()).toBe(raw);
    expect(r.event.index).toBe('events-web-2026.01.02');
    expect(r.event.id).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('adds @timestamp in front of the original bytes when missing', () => {
    const r = envelopeLine(line('  {"msg":"hi","n":1.0}'), logs, undefined);
    expect(r.ok && r.event.source.toString()).toBe('{"@timestamp":"2026-11-21T10:00:00.000Z","msg":"hi","n":1.0}');
    const empty = envelopeLine(line('{ }'), logs, undefined);
    expect(empty.ok && JSON.parse(empty.event.source.toString())).toEqual({ '@timestamp': '2026-11-21T10:00:00.000Z' });
  });

  it('accepts epoch-millisecond timestamps and refuses unparseable ones', () => {
    const ok = envelopeLine(line(`{"@timestamp":${Date.parse('2025-05-05T00:00:00Z')}}`), logs, undefined);
    expect(ok.ok && ok.event.index).toBe('events-web-2025.05.05');
    for (const bad of ['"yesterday"', '"Nov 21 2026"', 'true', '"2026-13-45T00:00:00Z"']) {
      const r = envelopeLine(line(`{"@timestamp":${bad}}`), logs, undefined);
      expect(r).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    }
  });

  it('takes the id from the id field (nested or dotted), else the fallback, else generates one', () => {
    expect(envelopeLine(line('{"event":{"id":"abc"}}'), logs, 'k:l1')).toMatchObject({ ok: true, event: { id: 'abc' } });
    expect(envelopeLine(line('{"event.id":"dotted"}'), logs, undefined)).toMatchObject({ ok: true, event: { id: 'dotted' } });
    expect(envelopeLine(line('{"a":1}'), logs, 'k:l1')).toMatchObject({ ok: true, event: { id: 'k:l1' } });
    expect(envelopeLine(line('{"event":{"id":7}}'), logs, undefined)).toMatchObject({ ok: false, code: 'invalid_id' });
    expect(envelopeLine(line(`{"event":{"id":"${'x'.repeat(513)}"}}`), logs, undefined)).toMatchObject({ ok: false, code: 'invalid_id' });
  });

  it('generates distinct, time-ordered ids', () => {
    const ids = Array.from({ length: 1000 }, () => {
      const r = envelopeLine(line('{}'), logs, undefined);
      return r.ok ? r.event.id : '';
    });
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });

  it('refuses non-objects, malformed JSON, invalid UTF-8 and reserved fields', () => {
    expect(envelopeLine(line('[1,2]'), logs, undefined)).toMatchObject({ ok: false, code: 'not_an_object' });
    expect(envelopeLine(line('42'), logs, undefined)).toMatchObject({ ok: false, code: 'not_an_object' });
    expect(envelopeLine(line('null'), logs, undefined)).toMatchObject({ ok: false, code: 'not_an_object' });
    expect(envelopeLine(line('{"a":'), logs, undefined)).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(envelopeLine(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), logs, undefined)).toMatchObject({ ok: false, code: 'invalid_utf8' });
    expect(envelopeLine(line('{"_id":"x"}'), logs, undefined)).toMatchObject({ ok: false, code: 'reserved_field' });
    expect(envelopeLine(line('{"_source":{}}'), logs, undefined)).toMatchObject({ ok: false, code: 'reserved_field' });
    expect(envelopeLine(line('{"_custom":1}'), logs, undefined)).toMatchObject({ ok: true });
  });

  it('validates against the stream schema and names the failing field', () => {
    expect(envelopeLine(line('{"order_id":"o1","amount":3}'), orders, undefined)).toMatchObject({ ok: true, event: { index: 'orders-2026.11' } });
    expect(envelopeLine(line('{"order_id":"o1","amount":-3}'), orders, undefined)).toMatchObject({ ok: false, code: 'schema_violation', detail: '/amount must be >= 0' });
    expect(envelopeLine(line('{"order_id":"o1"}'), orders, undefined)).toMatchObject({ ok: false, code: 'schema_violation', detail: "/ must have required property 'amount'" });
  });

  it('serialises parsed values (JSON arrays) with @timestamp first', () => {
    const r = envelope({ b: 1 }, undefined, logs, undefined);
    expect(r.ok && r.event.source.toString()).toBe('{"@timestamp":"2026-11-21T10:00:00.000Z","b":1}');
  });
});

describe('stream registry', () => {
  it('refuses invalid names, and unknown streams when configured to', () => {
    expect(registry.get('Bad Name')).toBeUndefined();
    const strict = createStreamRegistry(loadConfig({ GATEWAY_UNKNOWN_STREAMS: 'reject' }, { streams: { a: {} } }));
    expect(strict.get('a')).toBeDefined();
    expect(strict.get('b')).toBeUndefined();
  });
});

describe('utcIsoTime (the fast path for the common timestamp shapes)', () => {
  it('answers what Date.parse answers, or leaves the string to it, whatever day it saw before', () => {
    const days = ['2024-02-29', '2023-02-29', '2024-02-29', '2024-02-30', '2026-11-21', '2026-11-21', '2026-04-31', '2026-04-30', '2026-00-10', '2026-13-01', '0999-01-01', '2026-1a-01', '2026-11-21'];
    const times = ['00:00:00', '23:59:59', '12:34:56', '24:00:00', '23:60:00', '23:59:60', '1a:00:00'];
    for (const day of days) {
      for (const time of times) {
        for (const frac of ['', '.000', '.999', '.12x']) {
          const v = `${day}T${time}${frac}Z`;
          const t = utcIsoTime(v);
          // The byte version, on the value inside a line, answers the same.
          expect(utcIsoTimeAt(Buffer.from(`{"@timestamp":"${v}"}`), 15, 15 + v.length)).toBe(t);
          if (t !== undefined) expect([v, t]).toEqual([v, Date.parse(v)]);
          else expect([v, day, time, frac].some((x) => /[a-z]|-00-|-13-|0999|-02-30|2023-02-29|-04-31|24:|:60/.test(x))).toBe(true);
        }
      }
    }
    expect(utcIsoTime('2024-02-29T12:00:00Z')).toBe(Date.parse('2024-02-29T12:00:00Z'));
    expect(utcIsoTime('2023-02-29T12:00:00Z')).toBeUndefined();
    expect(utcIsoTime('2024-02-29T12:00:00\u015a')).toBeUndefined(); // U+015A, not "Z" (0x5a) cut to a byte
    expect(utcIsoTimeAt(Buffer.from('2024-02-29T12:00:00Z'), 0, 21)).toBeUndefined(); // past the end
  });
});

describe('frameBody (NDJSON, the whole body at once)', () => {
  it('checks UTF-8 once per body, and still rejects only the bad lines of a body that fails it', () => {
    const good = Buffer.from('{"a":"ü"}\n{"b":2}\n');
    expect(frameBody('ndjson', good, logs, config.limits)).toMatchObject({ accepted: 2, rejected: 0 });
    const bad = Buffer.concat([Buffer.from('{"a":1}\n{"a":"'), Buffer.from([0xff]), Buffer.from('"}\n{"a":"ü"}\n')]);
    expect(frameBody('ndjson', bad, logs, config.limits)).toMatchObject({ accepted: 2, rejected: 1, errors: [{ line: 2, code: 'invalid_utf8' }] });
  });
});
