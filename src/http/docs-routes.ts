// The OpenAPI document (checked in under openapi/, generated from the route schemas) served at
// /openapi.json, with a docs page at /docs (@fastify/swagger-ui), both open without a key.
// @fastify/swagger runs in static mode: it reads the checked-in file and generates nothing.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** The checked-in document: beside src/ (and beside dist/ in a build). */
export const OPENAPI_FILE = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));

export async function registerDocsRoutes(app: FastifyInstance): Promise<void> {
  const text = readFileSync(OPENAPI_FILE, 'utf8');
  await app.register(async (scope) => {
    // Every route of this scope (the plugin's too) is open and outside the rate limit's concerns.
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: { kind: 'open' } };
    });
    await scope.register(swagger, { mode: 'static', specification: { document: JSON.parse(text) as never } });
    await scope.register(swaggerUi, { routePrefix: '/docs' });
    scope.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.type('application/json; charset=utf-8').send(text));
  });
}
