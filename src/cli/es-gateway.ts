#!/usr/bin/env node
// The `es-gateway` command. Subcommands:
//   serve                              run the gateway (src/main.ts; configured by the environment)
//   spool inspect <dir> [--json]       what a spool folder holds (read-only)
//   spool replay <dir> --es <url>      deliver a spool folder to Elasticsearch, offline
//   doctor --es <url> [--json]         report shard skew, sizing, mapping and pressure findings
import { DOCTOR_USAGE, SPOOL_INSPECT_USAGE, SPOOL_REPLAY_USAGE } from './command-usage.ts';

const USAGE = `usage:
  es-gateway serve                      run the gateway (configured by GATEWAY_* / ES_* variables)
  ${SPOOL_INSPECT_USAGE}   show segments, pending records, oldest age, corrupt records
  ${SPOOL_REPLAY_USAGE}
                                        deliver a spool to Elasticsearch offline (progress, summary)
  ${DOCTOR_USAGE}
                                        a cluster's shard skew, shard sizing, mappings and pressure;
                                        exit 0 healthy, 1 warnings, 2 critical, 3 not read (--help: thresholds)
`;

type Command = (args: string[]) => Promise<number | undefined>;
const write = (text: string) => void process.stdout.write(text);

const COMMANDS: Record<string, Command> = {
  // main.ts starts the server when imported and keeps the process alive; it handles signals.
  serve: async () => {
    await import('../main.ts');
    return undefined;
  },
  'spool inspect': async (args) => (await import('./spool-inspect-command.ts')).runSpoolInspect(args, write),
  'spool replay': async (args) => (await import('./spool-replay-command.ts')).runSpoolReplay(args, write, (text) => void process.stderr.write(text)),
  doctor: async (args) => (await import('./doctor-command.ts')).runDoctor(args, write, (text) => void process.stderr.write(text)),
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
