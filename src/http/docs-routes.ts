// The OpenAPI document (checked in under openapi/, generated from the route schemas) served at
// /openapi.json, with a docs page at /docs (@fastify/swagger-ui), both open without a key.
// Both load on first use: the docs page is a Fastify instance of its own (@fastify/swagger in
// static mode on the checked-in file, and the UI), built on the first request to /docs and asked
// through inject. Loaded at start-up they held ~2 MB of the heap in every gateway, and under the
// fixed old-space limit a larger heap at rest costs CPU per event in GC (bench/README.md).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The checked-in document: beside src/ (and beside dist/ in a build). */
export const OPENAPI_FILE = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));

const OPEN = { access: { kind: 'open' } } as const;
/** Hop-by-hop and length headers are the outer reply's own. */
const NOT_RELAYED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

export function registerDocsRoutes(app: FastifyInstance): void {
  let text: Promise<string> | undefined;
  const documentText = () => (text ??= readFile(OPENAPI_FILE, 'utf8'));
  let docs: Promise<FastifyInstance> | undefined;
  const docsApp = () => (docs ??= (async () => {
    const [{ default: Fastify }, { default: swagger }, { default: swaggerUi }] = await Promise.all([import('fastify'), import('@fastify/swagger'), import('@fastify/swagger-ui')]);
    const inner = Fastify({ logger: false });
    await inner.register(swagger, { mode: 'static', specification: { document: JSON.parse(await documentText()) as never } });
    await inner.register(swaggerUi, { routePrefix: '/docs' });
    await inner.ready();
    return inner;
  })());

  const relay = async (request: FastifyRequest, reply: FastifyReply) => {
    const answer = await (await docsApp()).inject({ method: 'GET', url: request.url, headers: { accept: request.headers.accept ?? '*/*' } });
    reply.code(answer.statusCode);
    for (const [name, value] of Object.entries(answer.headers)) if (!NOT_RELAYED.has(name) && value !== undefined) reply.header(name, value);
    return reply.send(answer.rawPayload);
  };
  app.get('/docs', { config: OPEN, schema: { hide: true } }, relay);
  app.get('/docs/*', { config: OPEN, schema: { hide: true } }, relay);
  app.get('/openapi.json', { config: OPEN, schema: { hide: true } }, async (_request, reply) => reply.type('application/json; charset=utf-8').send(await documentText()));
}
