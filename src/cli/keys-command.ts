// `es-gateway keys create …` makes a random API key, prints it once and adds its SHA-256 (never
// the key) with its permissions to the keys file; `es-gateway keys list` shows what the file
// grants. The file is rewritten whole (a temporary file renamed over it), so a gateway reading it
// never sees half a file. Exit code: 0 done, 2 usage or a file that does not parse.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KEYS_CREATE_USAGE, KEYS_LIST_USAGE } from './command-usage.ts';
import { hashApiKey, newApiKey, parseKeysFile, type ApiKeyEntry, type KeysFile } from '../auth/keys-file.ts';


const csv = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

function fileOf(given: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return given ?? (env.GATEWAY_KEYS_FILE === '' ? undefined : env.GATEWAY_KEYS_FILE);
}

function readKeys(file: string): KeysFile {
  return existsSync(file) ? parseKeysFile(readFileSync(file, 'utf8')) : { keys: [] };
}

export function runKeysCreate(args: string[], out: (text: string) => void, err: (text: string) => void, env: NodeJS.ProcessEnv = process.env): number {
  const { values } = parseArgs({ args, options: {
    name: { type: 'string' }, tenant: { type: 'string' }, ops: { type: 'string' }, streams: { type: 'string' }, indices: { type: 'string' },
    'rate-limit': { type: 'string' }, 'ingest-bytes-per-second': { type: 'string' }, file: { type: 'string' },
  } });
  const file = fileOf(values.file, env);
  if (values.name === undefined || values.tenant === undefined || values.ops === undefined || file === undefined) {
    err(`usage: ${KEYS_CREATE_USAGE}\n(--file defaults to GATEWAY_KEYS_FILE)\n`);
    return 2;
  }
  const key = newApiKey();
  const entry: Record<string, unknown> = { name: values.name, tenant: values.tenant, hash: hashApiKey(key), ops: csv(values.ops), streams: csv(values.streams), indices: csv(values.indices) };
  if (values['rate-limit'] !== undefined) entry.rateLimit = Number(values['rate-limit']);
  if (values['ingest-bytes-per-second'] !== undefined) entry.ingestBytesPerSecond = Number(values['ingest-bytes-per-second']);
  let next: string;
  try {
    const current = readKeys(file);
    next = `${JSON.stringify({ keys: [...current.keys, entry] }, null, 2)}\n`;
    parseKeysFile(next); // the new entry checked as the gateway will check it
  } catch (e) {
    err(`es-gateway keys create: ${(e as Error).message}\n`);
    return 2;
  }
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, next, { mode: 0o600 });
  renameSync(temporary, file);
  err(`key ${values.name} (tenant ${values.tenant}) added to ${file}; the key is shown once, below — store it now:\n`);
  out(`${key}\n`);
  return 0;
}

function describe(k: ApiKeyEntry): string {
  const limits = [k.rateLimit === undefined ? '' : `${k.rateLimit} requests/window`, k.ingestBytesPerSecond === undefined ? '' : `${k.ingestBytesPerSecond} bytes/s`].filter((s) => s !== '').join(', ');
  return `${k.name}  tenant=${k.tenant}  ops=${k.ops.join(',')}  streams=${k.streams.join(',') || '-'}  indices=${k.indices.join(',') || '-'}${limits === '' ? '' : `  limits: ${limits}`}`;
}

export function runKeysList(args: string[], out: (text: string) => void, err: (text: string) => void, env: NodeJS.ProcessEnv = process.env): number {
  const { values } = parseArgs({ args, options: { file: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const file = fileOf(values.file, env);
  if (file === undefined) {
    err(`usage: ${KEYS_LIST_USAGE}\n(--file defaults to GATEWAY_KEYS_FILE)\n`);
    return 2;
  }
  let keys: ApiKeyEntry[];
  try {
    keys = readKeys(file).keys;
  } catch (e) {
    err(`es-gateway keys list: ${(e as Error).message}\n`);
    return 2;
  }
  // Hashes stay in the file: a listing is for people deciding who may do what.
  const shown = keys.map(({ hash: _hash, ...rest }) => rest);
  out(values.json ? `${JSON.stringify(shown, null, 2)}\n` : `${keys.map(describe).join('\n')}${keys.length === 0 ? '' : '\n'}${keys.length} key(s) in ${file}\n`);
  return 0;
}
