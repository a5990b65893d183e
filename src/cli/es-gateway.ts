#!/usr/bin/env node
// The `es-gateway` command. Subcommands:
//   serve                              run the gateway (src/main.ts; configured by the environment)
//   spool inspect <dir> [--json]       what a spool folder holds (read-only)
//   spool replay <dir> --es <url>      deliver a spool folder to Elasticsearch, offline
//   keys create … / keys list          make an API key (printed once, its hash in the keys file) / show the file's keys
//   mappings diff|apply|history|rollback   the streams' mappings against the cluster, audited changes
import { MAPPINGS_USAGE, runMappings } from './mappings-command.ts';
import { runSpoolInspect, SPOOL_INSPECT_USAGE } from './spool-inspect-command.ts';
import { runSpoolReplay, SPOOL_REPLAY_USAGE } from './spool-replay-command.ts';
import { KEYS_CREATE_USAGE, KEYS_LIST_USAGE, runKeysCreate, runKeysList } from './keys-command.ts';

const USAGE = `usage:
  es-gateway serve                      run the gateway (configured by GATEWAY_* / ES_* variables)
  ${SPOOL_INSPECT_USAGE}   show segments, pending records, oldest age, corrupt records
  ${SPOOL_REPLAY_USAGE}
                                        deliver a spool to Elasticsearch offline (progress, summary)
  ${KEYS_CREATE_USAGE}
                                        make an API key: printed once, its SHA-256 added to the keys file
  ${KEYS_LIST_USAGE}
                                        the keys file's names, tenants and permissions
  ${MAPPINGS_USAGE}
`;

type Command = (args: string[]) => Promise<number | undefined>;
const write = (text: string) => void process.stdout.write(text);

const COMMANDS: Record<string, Command> = {
  // main.ts starts the server when imported and keeps the process alive; it handles signals.
  serve: async () => {
    await import('../main.ts');
    return undefined;
  },
  'spool inspect': (args) => runSpoolInspect(args, write),
  'spool replay': (args) => runSpoolReplay(args, write, (text) => void process.stderr.write(text)),
  'keys create': async (args) => runKeysCreate(args, write, (text) => void process.stderr.write(text)),
  'keys list': async (args) => runKeysList(args, write, (text) => void process.stderr.write(text)),
  ...Object.fromEntries(['diff', 'apply', 'history', 'rollback'].map((sub) => [`mappings ${sub}`, (args: string[]) => runMappings(sub, args, write, (text) => void process.stderr.write(text))])),
};

async function run(argv: string[]): Promise<number | undefined> {
  const [first, second, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    write(USAGE);
    return first === undefined ? 2 : 0;
  }
  const two = COMMANDS[`${first} ${second}`];
  if (two !== undefined) return two(rest);
  const one = COMMANDS[first];
  if (one !== undefined) return one(second === undefined ? rest : [second, ...rest]);
  process.stderr.write(`es-gateway: unknown command ${JSON.stringify(argv.slice(0, 2).join(' '))}\n${USAGE}`);
  return 2;
}

try {
  const code = await run(process.argv.slice(2));
  if (code !== undefined) process.exitCode = code;
} catch (err) {
  process.stderr.write(`es-gateway: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
