// `npm run client`: regenerates the TypeScript client in clients/typescript/ from
// openapi/openapi.json with @hey-api/openapi-ts (fetch-based). A unit test checks it is current.
import path from 'node:path';
import { createClient } from '@hey-api/openapi-ts';

export const CLIENT_DIR = path.resolve(import.meta.dirname, '..', 'clients', 'typescript');
const DOCUMENT = path.resolve(import.meta.dirname, '..', 'openapi', 'openapi.json');

export async function generateClient(output: string): Promise<void> {
  await createClient({ input: DOCUMENT, output, plugins: ['@hey-api/client-fetch'], logs: { level: 'silent' } });
}

if (import.meta.main) {
  await generateClient(CLIENT_DIR);
  process.stdout.write(`wrote ${CLIENT_DIR}\n`);
}
