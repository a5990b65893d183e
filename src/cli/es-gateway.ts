#!/usr/bin/env node
// The `es-gateway` command. Subcommands:
//   serve                              run the gateway (src/main.ts; configured by the environment)
//   spool inspect <dir> [--json]       what a spool folder holds (read-only)
//   spool replay <dir> --es <url>      deliver a spool folder to Elasticsearch, offline
//   keys create … / keys list          make an API key (printed once, its hash in the keys file) / show the file's keys
//   mappings diff|apply|history|rollback   the streams' mappings against the cluster, audited changes
//   doctor --es <url> [--json]         report shard skew, sizing, mapping and pressure findings
import { DOCTOR_USAGE, KEYS_CREATE_USAGE, KEYS_LIST_USAGE, MAPPINGS_USAGE, SPOOL_INSPECT_USAGE, SPOOL_REPLAY_USAGE } from './command-usage.ts';

const USAGE = `usage:
  es-gateway serve                      run the gateway (configured by GATEWAY_* / ES_* variables)
  ${SPOOL_INSPECT_USAGE}   show segments, pending events, oldest age, corrupt records
  ${SPOOL_REPLAY_USAGE}
                                        deliver a spool to Elasticsearch offline (progress, summary)
  ${KEYS_CREATE_USAGE}
                                        make an API key: printed once, its SHA-256 added to the keys file
  ${KEYS_LIST_USAGE}
                                        the keys file's names, tenants and permissions
  ${MAPPINGS_USAGE}
  ${DOCTOR_USAGE}
                                        a cluster's shard skew, shard sizing, mappings and pressure;
                                        exit 0 healthy, 1 warnings, 2 critical, 3 not read (--help: thresholds)
`;

type Command = (args: string[]) => Promise<number | undefined>;
const write = (text: string) => void process.stdout.write(text);
const writeErr = (text: string) => void process.stderr.write(text);

const COMMANDS: Record<string, Command> = {
  // main.ts starts the server when imported and keeps the process alive; it handles signals.
  serve: async () => {
    await import('../main.ts');
    return undefined;
  },
  'spool inspect': async (args) => (await import('./spool-inspect-command.ts')).runSpoolInspect(args, write),
  'spool replay': async (args) => (await import('./spool-replay-command.ts')).runSpoolReplay(args, write, writeErr),
  'keys create': async (args) => (await import('./keys-command.ts')).runKeysCreate(args, write, writeErr),
  'keys list': async (args) => (await import('./keys-command.ts')).runKeysList(args, write, writeErr),
  ...Object.fromEntries(['diff', 'apply', 'history', 'rollback'].map((sub) => [`mappings ${sub}`, async (args: string[]) => (await import('./mappings-command.ts')).runMappings(sub, args, write, writeErr)])),
  doctor: async (args) => (await import('./doctor-command.ts')).runDoctor(args, write, writeErr),
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
