import { describe, expect, it } from 'vitest';
import { errors } from '@elastic/elasticsearch';
import { createEsClient } from '../../src/sink/es-client.ts';
import { PlainJsonSerializer } from '../../src/sink/es-serializer.ts';

describe('ES client', () => {
  it('does not deep-copy a failed bulk body when it redacts the error (that once exhausted the heap)', async () => {
    // Port 1 on loopback: connection refused at once, no Elasticsearch needed.
    const client = createEsClient({ url: 'http://127.0.0.1:1', username: 'u', password: 'secret', apiKey: undefined, requestTimeoutMs: 2000 }, 1);
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
    const client = createEsClient({ url: 'http://127.0.0.1:1', username: undefined, password: undefined, apiKey: undefined, requestTimeoutMs: 2000 }, 1);
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
});
