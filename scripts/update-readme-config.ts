// Rewrites the README's configuration table from src/config/settings.ts (the one source).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configTable } from './config-table.ts';

const file = path.resolve(import.meta.dirname, '..', 'README.md');
const readme = readFileSync(file, 'utf8');
const start = readme.indexOf('| Variable | Default | Meaning |');
const end = readme.indexOf('\n\n', start);
if (start < 0 || end < 0) throw new Error('README has no configuration table');
writeFileSync(file, readme.slice(0, start) + configTable().trimEnd() + readme.slice(end));
process.stdout.write('README configuration table updated\n');
