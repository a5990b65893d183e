// The usage line of each `es-gateway` subcommand, apart from the commands themselves so that
// `es-gateway` loads only the command it runs (spool replay loads the whole gateway).
export const SPOOL_INSPECT_USAGE = 'es-gateway spool inspect <dir> [--json]';
export const SPOOL_REPLAY_USAGE = 'es-gateway spool replay <dir> --es <url> [--timeout-s N] [--dead-letter-index NAME]';
export const DOCTOR_USAGE = 'es-gateway doctor --es <url> [--json] [--config <streams file>] [--<threshold> N]...';
