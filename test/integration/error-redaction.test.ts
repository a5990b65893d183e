// What errors and logs never show: stack traces, internal hostnames, Elasticsearch URLs,
// credentials. The gateway here points at an Elasticsearch that is not there (a closed port on
// loopback, with credentials in its URL): the failures are the gateway's, which is the point.
import { Writable } from 'node:stream';
import { errors } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';

const SECRET = 's3cret-pa55';
const ES_URL = `http://elastic:${SECRET}@127.0.0.1:9459`; // nothing listens there (ports 9440-9459 are this suite's)
const INTERNAL = 'es-internal.corp.example:9200';

/** The leaks every answer and log line is checked for. */
const LEAKS = [SECRET, 'elastic:', INTERNAL, '127.0.0.1:9459', '    at ', 'topsecret-token', 'session=abc123', 'do-not-log-me'];

function expectNoLeak(text: string): void {
  for (const leak of LEAKS) expect(text, `leaks ${JSON.stringify(leak)}`).not.toContain(leak);
}

describe('errors and logs without secrets', () => {
  const lines: string[] = [];
  let app: FastifyInstance;

  beforeAll(async () => {
    const config = loadConfig({
      ES_URL,
      LOG_LEVEL: 'info',
      GATEWAY_SPOOL_DIR: '',
      GATEWAY_INSTALL_TEMPLATES: 'false',
      GATEWAY_LOG_REDACT: 'req.headers["x-custom-secret"]',
      GATEWAY_AUTH: 'off', // the routes' failures are under test; the Authorization header is still sent (and redacted)
    });
    const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done(); } });
    app = await buildApp(config, {
      // An operator's logger that logs every request's headers: the redaction must still hold.
      logger: { level: 'info', stream, serializers: { req: (req: { method: string; url: string; headers: Record<string, unknown> }) => ({ method: req.method, url: req.url, headers: req.headers }) } },
      beforeRoutes: async (a) => {
        // Internal failures as they happen: an Error whose message and stack name the node and
        // its credentials, and an Elasticsearch client error that escaped with ES's own 401.
        a.get('/test/internal-error', async () => { throw new Error(`connect ECONNREFUSED http://elastic:${SECRET}@${INTERNAL}`); });
        a.get('/test/escaped-es-error', async () => {
          throw new errors.ResponseError({ body: { error: { type: 'security_exception', reason: `unable to authenticate user [elastic] at ${INTERNAL}` } }, statusCode: 401, headers: {}, warnings: null, meta: {} as never });
        });
      },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });

  const HEADERS = { authorization: 'Bearer topsecret-token', cookie: 'session=abc123', 'x-custom-secret': 'do-not-log-me' };

  it('answers an internal error with 500 problem+json naming nothing internal', async () => {
    const res = await app.inject({ method: 'GET', url: '/test/internal-error', headers: HEADERS });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: 'urn:es-gateway:problem:internal-error', status: 500, requestId: expect.any(String) });
    expectNoLeak(res.body);
  });

  it('answers an Elasticsearch client error that escaped as the gateway\'s 500, not Elasticsearch\'s 401', async () => {
    const res = await app.inject({ method: 'GET', url: '/test/escaped-es-error', headers: HEADERS });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ type: 'urn:es-gateway:problem:internal-error' });
    expect(res.body).not.toContain('security_exception');
    expectNoLeak(res.body);
  });

  it('answers a search while Elasticsearch is unreachable with 503 naming neither its address nor its credentials', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/search/logs?q=*', headers: HEADERS });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ type: 'urn:es-gateway:problem:search-unavailable', detail: expect.stringContaining('unreachable') });
    expectNoLeak(res.body);
  });

  it('keeps authorization, cookies and configured secret fields out of the logs', async () => {
    await app.inject({ method: 'GET', url: '/healthz', headers: HEADERS });
    const logged = lines.join('');
    expect(logged).toContain('"authorization":"[redacted]"');
    expect(logged).toContain('"cookie":"[redacted]"');
    expect(logged).toContain('"x-custom-secret":"[redacted]"');
    for (const leak of ['topsecret-token', 'session=abc123', 'do-not-log-me', SECRET]) expect(logged).not.toContain(leak);
  });
});
