// The OpenAPI 3.1 document, generated from the route schemas (checked in under openapi/).
import { buildApp } from '../app.ts';
import { loadConfig } from '../config/config.ts';
import { ingestRequestBody } from './ingest-schemas.ts';

export async function generateOpenApi(): Promise<string> {
  const app = await buildApp(loadConfig({ GATEWAY_INSTALL_TEMPLATES: 'false' }), { logger: false });
  await app.ready();
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };
  await app.close();
  const ingest = doc.paths['/v1/events/{stream}']?.post;
  if (ingest !== undefined) ingest.requestBody = ingestRequestBody;
  return `${JSON.stringify(doc, null, 2)}\n`;
}
