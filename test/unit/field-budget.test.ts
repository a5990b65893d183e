// maxFields: which paths an event adds, and the sink screen that dead-letters (by its verdict)
// the events that would add too many, passing the rest on in order.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { FieldBudgets, screenFieldBudget } from '../../src/governance/field-budget.ts';
import { countMappingFields, mappedPaths, newPaths } from '../../src/governance/field-paths.ts';
import type { BulkBody } from '../../src/sink/bulk-body.ts';

describe('field paths', () => {
  it('count objects, leaves, multi-fields and runtime fields as Elasticsearch does', () => {
    const m = { runtime: { r: { type: 'keyword' } }, properties: { a: { type: 'text', fields: { raw: { type: 'keyword' } } }, o: { properties: { b: { type: 'long' } } } } };
    expect(countMappingFields(m)).toBe(5);
    expect([...mappedPaths(m)]).toEqual(['a', 'o', 'o.b']);
  });

  it('find the paths an event adds: nested objects, dotted keys, objects in arrays; known ones aside', () => {
    expect(newPaths({ a: 1, o: { b: 2, c: { d: [1, 2] } }, 'x.y': 3, list: [{ k: 1 }, { k: 2, l: 3 }] }, new Set(['a', 'o', 'o.b'])).sort())
      .toEqual(['list', 'list.k', 'list.l', 'o.c', 'o.c.d', 'x', 'x.y']);
    expect(newPaths({ a: 1 }, new Set(['a']))).toEqual([]);
  });
});

describe('screenFieldBudget', () => {
  const config = loadConfig({ GATEWAY_INDEX_PATTERN: 'ev-{stream}-{yyyy.MM.dd}' }, { streams: { w: { maxFields: 3 }, s: { maxFields: 1, dynamic: 'strict' } } });
  const line = (index: string, source: unknown) => Buffer.from(`{"create":{"_index":"${index}","_id":"x"}}\n${JSON.stringify(source)}\n`);

  it('refuses the events past maxFields with max_fields_exceeded and sends the rest, verdicts in order', async () => {
    const budgets = new FieldBudgets(config);
    budgets.setKnown('w', new Set(['@timestamp']));
    const sent: string[] = [];
    const sink = screenFieldBudget({ async send(body: BulkBody, docs: number) { sent.push(Buffer.concat(body).toString()); return Array.from({ length: docs }, () => ({ kind: 'created' as const, status: 201 })); } }, budgets);
    const verdicts = await sink.send([Buffer.concat([
      line('ev-w-2026.12.02', { a: 1 }),
      line('ev-w-2026.12.02', { b: 1, c: 2 }), // 2 + 2 > 3
      line('ev-w-2026.12.02', { b: 1 }),
      line('ev-other-2026.12.02', { many: 1, more: 2, fields: 3, here: 4 }), // another stream: not counted
      line('ev-w-eu-2026.12.02', { many: 1, more: 2, fields: 3, here: 4 }), // stream w-eu: its glob is w's too, its name is not
      line('ev-s-2026.12.02', { p: 1, q: 2 }), // strict: Elasticsearch refuses new fields itself
    ])], 6);
    expect(verdicts.map((v) => v.kind)).toEqual(['created', 'permanent', 'created', 'created', 'created', 'created']);
    expect(verdicts[1]).toEqual({ kind: 'permanent', status: 400, error: { type: 'max_fields_exceeded', reason: 'the event would add 2 fields (b, c) to stream w, whose mapping has 2 of its maxFields 3' } });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.split('\n').filter((l) => l !== '')).toHaveLength(10);
    expect(sent[0]).not.toContain('"c":2');
  });

  it('is no wrapper at all when no stream sets maxFields', () => {
    const inner = { send: async () => [] };
    expect(screenFieldBudget(inner, new FieldBudgets(loadConfig({}, { streams: { w: {} } })))).toBe(inner);
  });
});
