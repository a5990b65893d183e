import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../src/openapi-document.ts';

describe('openapi/openapi.json', () => {
  it('matches the routes (regenerate with npm run openapi)', async () => {
    const generated = await generateOpenApi();
    const checkedIn = readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8');
    expect(checkedIn).toBe(generated);
    const doc = JSON.parse(generated);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/', '/_bulk', '/_nodes/_all/http', '/_nodes/http', '/healthz', '/metrics', '/readyz',
      '/v1/events/{stream}', '/v1/events/{stream}/{id}', '/v1/search/{stream}',
      '/{index}/_bulk', '/{index}/_create/{id}', '/{index}/_doc', '/{index}/_doc/{id}',
    ]);
    expect(Object.keys(doc.paths['/_bulk']).sort()).toEqual(['post', 'put']);
    expect(Object.keys(doc.paths['/v1/search/{stream}']).sort()).toEqual(['get', 'post']);
    expect(doc.paths['/v1/search/{stream}'].post.responses['200'].headers['X-Cache'].schema.enum).toEqual(['MISS', 'HIT', 'COALESCED', 'STALE']);
  });
});
