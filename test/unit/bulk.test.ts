import { describe, expect, it } from 'vitest';
import { actionLine, encodeBulkLines } from '../../src/model/bulk-lines.ts';
import { buildBulkBody } from '../../src/sink/bulk-body.ts';
import { idAt, indexAt, newBlock, sourceAt } from '../../src/model/event-block.ts';
import { classifyItem, parseBulkResponse } from '../../src/sink/bulk-response.ts';
import { backoffDelay } from '../../src/sink/retry-policy.ts';

describe('bulk lines and bodies', () => {
  it('writes a create action with index and id, then the source bytes unchanged', () => {
    const source = Buffer.from('{"msg":"a \\"quoted\\" word","n":1.50}');
    const body = Buffer.from(encodeBulkLines([
      { index: 'events-a-2026.01.01', id: 'id-1', source },
      { index: 'events-a-2026.01.02', id: 'we"ird\\id', source: Buffer.from('{}') },
    ]).bulk).toString('utf8');
    const lines = body.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    expect(JSON.parse(lines[0] as string)).toEqual({ create: { _index: 'events-a-2026.01.01', _id: 'id-1' } });
    expect(lines[1]).toBe('{"msg":"a \\"quoted\\" word","n":1.50}'); // 1.50 survives: no re-serialisation
    expect(JSON.parse(lines[2] as string)).toEqual({ create: { _index: 'events-a-2026.01.02', _id: 'we"ird\\id' } });
    expect(lines[3]).toBe('{}');
  });

  it('writes exactly the bytes of action line + source + newline per event, for any ids and indices', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const idChars = ['a', 'Z', '0', '-', ':', '"', '\\', ' ', 'é', '✓', '\n', '\u0001', '😀'];
    for (let round = 0; round < 300; round++) {
      const events = Array.from({ length: 1 + rand(40) }, () => ({
        index: ['events-a-2026.01.01', 'ünï-idx', 'x'][rand(3)] as string,
        id: Array.from({ length: 1 + rand(30) }, () => idChars[rand(idChars.length)]).join(''),
        source: Buffer.from(JSON.stringify({ n: rand(1000), s: 'v✓'.repeat(rand(5)) })),
      }));
      const expected = Buffer.concat(events.flatMap((e) => [Buffer.from(actionLine(e.index, e.id)), e.source, Buffer.from('\n')]));
      const lines = encodeBulkLines(events);
      expect(Buffer.from(lines.bulk).equals(expected)).toBe(true);
      // Every event's id, index and source can be found again in the columns.
      const block = newBlock(lines, { stream: 's', acceptedAt: 0, kind: 'event' });
      expect(events.map((_, i) => [idAt(block, i), indexAt(block, i), sourceAt(block, i).toString()])).toEqual(events.map((e) => [e.id, e.index, e.source.toString()]));
      // A body of ranges is exactly those events' lines, in order.
      const cut = rand(events.length + 1);
      const body = buildBulkBody([{ lines: block, from: cut, to: events.length }, { lines: block, from: 0, to: cut }]);
      expect(Buffer.concat(body).equals(Buffer.concat([...events.slice(cut), ...events.slice(0, cut)].flatMap((e) => [Buffer.from(actionLine(e.index, e.id)), e.source, Buffer.from('\n')])))).toBe(true);
    }
  });
  it('writes large ranges from where they lie and joins runs of small ones', () => {
    const big = (n: number, tag: string) => encodeBulkLines(Array.from({ length: n }, (_, i) => ({ index: 'i', id: `${tag}${i}`, source: Buffer.from(JSON.stringify({ pad: 'x'.repeat(200), i })) })));
    const a = big(400, 'a'); // ~90 kB: a view
    const b = big(3, 'b'); // small
    const c = big(2, 'c'); // small, joined with b
    const d = big(300, 'd'); // view
    const ranges = [{ lines: a, from: 10, to: 400 }, { lines: b, from: 0, to: 3 }, { lines: c, from: 1, to: 2 }, { lines: d, from: 0, to: 300 }, { lines: b, from: 1, to: 1 }];
    const body = buildBulkBody(ranges);
    expect(body).toHaveLength(3);
    expect(body[0]?.buffer).toBe(a.bulk.buffer); // not copied
    expect(body[2]?.buffer).toBe(d.bulk.buffer);
    const expected = Buffer.concat(ranges.map((r) => Buffer.from(r.lines.bulk.subarray(r.lines.lineStarts[r.from], r.lines.lineStarts[r.to]))));
    expect(Buffer.concat(body).equals(expected)).toBe(true);
    expect(Buffer.concat(body).toString().split('\n')).toHaveLength(2 * (390 + 3 + 1 + 300) + 1);
  });
});

describe('bulk response parsing', () => {
  it('classifies mixed item results in order', () => {
    const response = {
      errors: true,
      items: [
        { create: { status: 201 } },
        { create: { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'exists' } } },
        { create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } },
        { create: { status: 400, error: { type: 'document_parsing_exception', reason: 'failed to parse field [n]', caused_by: { type: 'illegal_argument_exception', reason: 'For input string: "x"' } } } },
        { create: { status: 503, error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' } } },
        { create: { status: 200 } },
      ],
    };
    const verdicts = parseBulkResponse(response, 6);
    expect(verdicts.map((v) => v.kind)).toEqual(['created', 'duplicate', 'retry', 'permanent', 'retry', 'created']);
    expect(verdicts[3]).toEqual({
      kind: 'permanent',
      status: 400,
      error: { type: 'document_parsing_exception', reason: 'failed to parse field [n]: illegal_argument_exception For input string: "x"' },
    });
  });

  it('treats items missing from the response as retriable', () => {
    const verdicts = parseBulkResponse({ errors: false, items: [{ create: { status: 201 } }] }, 3);
    expect(verdicts.map((v) => v.kind)).toEqual(['created', 'retry', 'retry']);
  });

  it('retries 429, 502, 503, 504 and nothing else of 4xx/5xx', () => {
    for (const status of [429, 502, 503, 504]) expect(classifyItem({ status }).kind).toBe('retry');
    for (const status of [400, 403, 404, 500]) expect(classifyItem({ status }).kind).toBe('permanent');
  });
});

describe('backoff', () => {
  it('doubles per attempt within [half, full] of the capped delay', () => {
    const p = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(p, 1, () => 0)).toBe(50);
    expect(backoffDelay(p, 1, () => 1)).toBe(100);
    expect(backoffDelay(p, 3, () => 1)).toBe(400);
    expect(backoffDelay(p, 10, () => 1)).toBe(1000);
    expect(backoffDelay(p, 10, () => 0)).toBe(500);
  });
});
