// The OpenAPI 3.1 document, generated from the route schemas (checked in under openapi/).
// @fastify/swagger is loaded only here (npm run openapi and its unit test), not by the running
// gateway: the document is the checked-in file, and the plugin with its YAML library cost the
// gateway's idle memory for nothing.
import swagger from '@fastify/swagger';
import { buildApp } from './app.ts';
import { loadConfig } from './config/config.ts';
import { ingestRequestBody } from './http/ingest-schemas.ts';
import type { AccessRule } from './http/access.ts';

export const API_VERSION = '1.0.0';

const SECURITY_SCHEMES = {
  ApiKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Authorization: ApiKey <key>` with a key from `es-gateway keys create` (README, "Security"). On the Elasticsearch-compatible routes also Elasticsearch\'s `ApiKey base64(name:key)`.' },
  Bearer: { type: 'http', scheme: 'bearer', description: '`Authorization: Bearer <key>`: the same key.' },
  Basic: { type: 'http', scheme: 'basic', description: 'Elasticsearch-compatible routes only: user = the key\'s name, password = the key.' },
};

/** The security requirement of a route, by its access rule (no rule: an admin key). */
function securityOf(rule: AccessRule | undefined): Record<string, string[]>[] {
  const key: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];
  if (rule?.kind === 'open') return [];
  if (rule?.kind === 'ops') return [{}, ...key]; // no key from GATEWAY_OPS_ALLOW's addresses
  if (rule?.kind === 'es') return [...key, { Basic: [] }];
  return key;
}

const refusals = (es: boolean) => {
  const body = es ? { description: 'Elasticsearch\'s error shape (`security_exception`, `es_rejected_execution_exception`)', content: { 'application/json': { schema: { type: 'object', required: ['error', 'status'], properties: { error: { type: 'object' }, status: { type: 'integer' } } } } } } : { description: 'application/problem+json', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  return {
    401: { ...body, description: `No valid API key (with WWW-Authenticate). ${body.description}` },
    403: { ...body, description: `The key may not do this operation on this target. ${body.description}` },
    429: { ...body, description: `Over the key's rate limit or ingest byte quota (Retry-After, RateLimit-* headers). ${body.description}` },
  };
};

export async function generateOpenApi(): Promise<string> {
  const rules = new Map<string, AccessRule | undefined>();
  const app = await buildApp(loadConfig({ GATEWAY_INSTALL_TEMPLATES: 'false' }), {
    logger: false,
    serveDocs: false,
    async beforeRoutes(instance) {
      instance.addHook('onRoute', (route) => {
        const url = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
        for (const method of [route.method].flat()) rules.set(`${method.toLowerCase()} ${url}`, route.config?.access);
      });
      await instance.register(swagger, {
        openapi: {
          openapi: '3.1.0',
          info: { title: 'es-gateway', version: API_VERSION, description: 'HTTP ingestion gateway in front of Elasticsearch. Errors are application/problem+json (RFC 9457).' },
          tags: [{ name: 'ingest' }, { name: 'ops' }],
        },
        refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
      });
    },
  });
  await app.ready();
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };
  await app.close();
  (doc as unknown as { components: Record<string, unknown> }).components.securitySchemes = SECURITY_SCHEMES;
  for (const [url, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const rule = rules.get(`${method} ${url}`);
      operation.security = securityOf(rule);
      if (rule?.kind === 'open') continue;
      const responses = operation.responses as Record<string, { description?: string }>;
      for (const [status, refusal] of Object.entries(refusals(rule?.kind === 'es'))) {
        const own = responses[status];
        responses[status] = own === undefined ? refusal : { ...own, description: `${own.description ?? ''} Or: ${refusal.description}`.trim() };
      }
    }
  }
  const ingest = doc.paths['/v1/events/{stream}']?.post;
  if (ingest !== undefined) ingest.requestBody = ingestRequestBody;
  return `${JSON.stringify(doc, null, 2)}\n`;
}
