// Bulk response text: the all-created fast path and the parser behind it. Pure.
import { describe, expect, it } from 'vitest';
import { allCreatedCount, parseBulkResponseText } from '../../src/sink/bulk-response.ts';

describe('bulk response text', () => {
  const created = '{"create":{"status":201}}';
  const response = (items: string[]) => `{"errors":false,"items":[${items.join(',')}]}`;

  it('recognises the all-created response without parsing it, with the verdicts parsing gives', () => {
    for (const n of [5000, 1, 2, 7, 5000, 3]) {
      const text = response(new Array<string>(n).fill(created));
      expect(allCreatedCount(text)).toBe(n);
      expect(parseBulkResponseText(text, n)).toEqual(new Array(n).fill({ kind: 'created', status: 201 }));
    }
    // Fewer items than sent: the missing ones are retried, not assumed created.
    expect(parseBulkResponseText(response([created]), 2)?.map((v) => v.kind)).toEqual(['created', 'retry']);
  });

  it('parses anything else', () => {
    const many = new Array<string>(100).fill(created);
    const nearMisses = [
      response(many.map((item, i) => (i === 57 ? '{"create":{"status":409}}' : item))),
      response(many.map((item, i) => (i === 99 ? '{"index":{"status":201}}' : item))),
      response(many).replace('},{', '}, {'),
      `${response(many)} `,
      response(many).replace('false', 'true'),
    ];
    for (const text of nearMisses) expect(allCreatedCount(text)).toBeUndefined();
    expect(parseBulkResponseText(nearMisses[0] as string, 100)?.[57]).toEqual({ kind: 'duplicate', status: 409 });
    expect(parseBulkResponseText(nearMisses[1] as string, 100)?.[99]).toEqual({ kind: 'created', status: 201 });
    const rejected = '{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"r"}}}]}';
    expect(parseBulkResponseText(rejected, 2)).toEqual([{ kind: 'created', status: 201 }, { kind: 'retry', status: 429, error: { type: 'es_rejected_execution_exception', reason: 'r' } }]);
    // Not JSON at all (cut off): undefined, and the bulk sink retries the whole request.
    expect(parseBulkResponseText('{"errors":false,"items":[{"create":{"status":201}}', 1)).toBeUndefined();
    // A "__proto__" key is an ordinary property to JSON.parse; it changes no prototype.
    expect(parseBulkResponseText('{"__proto__":{"x":1},"items":[{"create":{"status":201}}]}', 1)).toEqual([{ kind: 'created', status: 201 }]);
    expect(({} as { x?: number }).x).toBeUndefined();
  });
});
