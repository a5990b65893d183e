// The usage line of each `es-gateway` subcommand, apart from the commands themselves so that
// `es-gateway` loads only the command it runs (spool replay loads the whole gateway).
export const SPOOL_INSPECT_USAGE = 'es-gateway spool inspect <dir> [--json]';
export const SPOOL_REPLAY_USAGE = 'es-gateway spool replay <dir> --es <url> [--timeout-s N] [--dead-letter-index NAME]';
export const DOCTOR_USAGE = 'es-gateway doctor --es <url> [--json] [--config <streams file>] [--<threshold> N]...';
export const KEYS_CREATE_USAGE = 'es-gateway keys create --name N --tenant T --ops ingest,search,admin [--streams app,web-*] [--indices logs-*] [--rate-limit N] [--ingest-bytes-per-second N] [--file F]';
export const KEYS_LIST_USAGE = 'es-gateway keys list [--file F] [--json]';
export const MAPPINGS_USAGE = `es-gateway mappings diff [--stream S] [--json]
  es-gateway mappings apply [--stream S] [--dry-run] [--by NAME] [--json]
  es-gateway mappings history <stream> [--json]
  es-gateway mappings rollback <stream> --to <version> [--dry-run] [--by NAME] [--json]
                                        (each also takes --es <url> and --config <streams file>)`;
