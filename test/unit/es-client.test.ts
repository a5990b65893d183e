import { describe, expect, it } from 'vitest';
import { createEsClient } from '../../src/sink/es-client.ts';

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
});
