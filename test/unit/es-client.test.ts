import { describe, expect, it } from 'vitest';
import { errors } from '@elastic/elasticsearch';
import { createEsClient } from '../../src/sink/es-client.ts';
import { allCreatedItems, PlainJsonSerializer } from '../../src/sink/es-serializer.ts';

describe('ES client', () => {
  it('does not deep-copy a failed bulk body when it redacts the error (that once exhausted the heap)', async () => {
    // Port 1 on loopback: connection refused at once, no Elasticsearch needed.
    const client = createEsClient({ url: 'http://127.0.0.1:1', username: 'u', password: 'secret', apiKey: undefined, requestTimeoutMs: 2000, compression: 'none' }, 1);
    const body = Buffer.alloc(8 * 1024, 0x7b);
    const err = await client.transport.request({ method: 'POST', path: '/_bulk', bulkBody: body }).catch((e: unknown) => e) as {
      meta: { meta: { request: { params: { body: unknown; headers?: unknown } } } };
    };
    const params = err.meta.meta.request.params;
    expect(params.body).toBe(body); // 'replace' redaction would have copied it key by key
    expect(params.headers).toBeUndefined(); // the secrets are gone
    await client.close();
  });

  it('reads responses with plain JSON.parse', () => {
    const client = createEsClient({ url: 'http://127.0.0.1:1', username: undefined, password: undefined, apiKey: undefined, requestTimeoutMs: 2000, compression: 'none' }, 1);
    expect(client.serializer).toBeInstanceOf(PlainJsonSerializer);
    const json = '{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"r"}}}]}';
    expect(client.serializer.deserialize(json)).toEqual(JSON.parse(json));
    // Our own cluster's answers are never merged into other objects: a "__proto__" key is kept
    // as an ordinary own property (JSON.parse's behaviour) instead of being refused.
    const poisoned = client.serializer.deserialize<Record<string, unknown>>('{"__proto__":{"x":1},"a":2}');
    expect(Object.getPrototypeOf(poisoned)).toBe(Object.prototype);
    expect(Object.hasOwn(poisoned, '__proto__')).toBe(true);
    expect(() => client.serializer.deserialize('{"errors":')).toThrow(errors.DeserializationError);
    void client.close();
  });

  it('answers the all-created bulk response without parsing it, with the value JSON.parse gives', () => {
    const serializer = new PlainJsonSerializer();
    const created = '{"create":{"status":201}}';
    const response = (items: string[]) => `{"errors":false,"items":[${items.join(',')}]}`;
    for (const n of [5000, 1, 2, 7, 5000, 3]) {
      const json = response(new Array<string>(n).fill(created));
      expect(allCreatedItems(json)).toHaveLength(n);
      expect(serializer.deserialize(json)).toEqual(JSON.parse(json));
    }
    // Anything else is parsed: one other status, another action, spacing, no items, errors (the
    // unclosed one is not JSON at all).
    const many = new Array<string>(100).fill(created);
    const nearMisses = [
      response(many.map((item, i) => (i === 57 ? '{"create":{"status":409}}' : item))),
      response(many.map((item, i) => (i === 99 ? '{"index":{"status":201}}' : item))),
      response(many).replace('},{', '}, {'),
      `${response(many)} `,
      response([]),
      '{"errors":false,"items":[{"create":{"status":201}},{"create":{"status":201}}]',
      response(many).replace('false', 'true'),
    ];
    for (const json of nearMisses) {
      expect(allCreatedItems(json)).toBeUndefined();
      if (json.endsWith('}')) expect(serializer.deserialize(json)).toEqual(JSON.parse(json));
    }
  });
});
