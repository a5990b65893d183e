// `npm run openapi`: regenerates openapi/openapi.json from the route schemas.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateOpenApi } from '../src/openapi-document.ts';

const file = path.resolve(import.meta.dirname, '..', 'openapi', 'openapi.json');
writeFileSync(file, await generateOpenApi());
process.stdout.write(`wrote ${file}\n`);
