// The OpenAPI 3.1 document, generated from the route schemas (checked in under openapi/).
// @fastify/swagger is loaded only here (npm run openapi and its unit test), not by the running
// gateway: the document is the checked-in file, and the plugin with its YAML library cost the
// gateway's idle memory for nothing.
import swagger from '@fastify/swagger';
import { buildApp } from './app.ts';
import { loadConfig } from './config/config.ts';
import { ingestRequestBody } from './http/ingest-schemas.ts';

export const API_VERSION = '1.0.0';

export async function generateOpenApi(): Promise<string> {
  const app = await buildApp(loadConfig({ GATEWAY_INSTALL_TEMPLATES: 'false' }), {
    logger: false,
    async beforeRoutes(instance) {
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
  const ingest = doc.paths['/v1/events/{stream}']?.post;
  if (ingest !== undefined) ingest.requestBody = ingestRequestBody;
  return `${JSON.stringify(doc, null, 2)}\n`;
}
