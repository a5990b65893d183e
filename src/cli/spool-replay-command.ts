// `es-gateway spool replay <dir> --es <url>`: drains a spool folder into Elasticsearch offline,
// through the gateway's own pipeline (durable mode on that folder, no HTTP listener), with a
// progress bar on stderr and a summary on stdout. Exit code: 0 drained, 1 not drained, 2 usage.
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config/config.ts';
import { esEnvironment } from './es-environment.ts';
import { SPOOL_REPLAY_USAGE } from './command-usage.ts';

/** Sum of the Prometheus samples whose series starts with `prefix` (e.g. a counter over all its labels). */
const sum = (metrics: string, prefix: string): number => metrics.split('\n')
  .filter((l) => l.startsWith(prefix))
  .reduce((total, l) => total + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

function bar(done: number, total: number, width = 30): string {
  const share = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%`;
}

export async function runSpoolReplay(args: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { es: { type: 'string' }, 'timeout-s': { type: 'string', default: '3600' }, 'dead-letter-index': { type: 'string' } },
  });
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1 || values.es === undefined) {
    err(`usage: ${SPOOL_REPLAY_USAGE}\n`);
    return 2;
  }
  if (!(await stat(dir).then((st) => st.isDirectory(), () => false))) {
    err(`es-gateway spool replay: ${dir} is not a folder\n`);
    return 2;
  }
  // The connection's other settings (credentials, TLS) come from the environment as for serve.
  const env: Record<string, string> = {
    ...esEnvironment(values.es),
    GATEWAY_DURABILITY: 'durable',
    GATEWAY_SPOOL_DIR: dir,
    GATEWAY_INSTALL_TEMPLATES: 'false',
    LOG_LEVEL: 'error',
  };
  if (values['dead-letter-index'] !== undefined) env.GATEWAY_DEAD_LETTER_INDEX = values['dead-letter-index'];
  const config = loadConfig(env);
  const app = await buildApp(config, { logger: { level: 'error' } });
  const started = Date.now();
  const deadline = started + Number(values['timeout-s']) * 1000;
  try {
    await app.ready(); // starts the replay
    const total = app.gateway.pipeline.spooledEvents;
    err(`replaying ${total} events from ${dir} to ${values.es}\n`);
    const interactive = process.stderr.isTTY === true;
    let lastLine = 0;
    while (app.gateway.pipeline.undeliveredEvents > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      const left = app.gateway.pipeline.undeliveredEvents;
      const seconds = (Date.now() - started) / 1000;
      const line = `${bar(total - left, total)} ${total - left}/${total} events, ${Math.round((total - left) / Math.max(seconds, 0.001))}/s, breaker ${app.gateway.breakerState}`;
      if (interactive) err(`\r${line}`);
      else if (Date.now() - lastLine > 5000) { err(`${line}\n`); lastLine = Date.now(); }
    }
    if (interactive) err('\n');
    const metrics = await app.gateway.metrics.registry.metrics();
    const left = app.gateway.pipeline.undeliveredEvents;
    const seconds = (Date.now() - started) / 1000;
    out([
      `delivered:     ${total - left} of ${total} events in ${seconds.toFixed(1)} s`,
      `  created:     ${sum(metrics, 'es_gateway_bulk_items_total{status="201"} ')}`,
      `  duplicates:  ${sum(metrics, 'es_gateway_duplicates_total ')} (already in Elasticsearch)`,
      `  dead letters: ${sum(metrics, 'es_gateway_dead_letters_total{')} (in ${config.pipeline.deadLetterIndex})`,
      `left in spool: ${left}`,
    ].join('\n') + '\n');
    return left === 0 ? 0 : 1;
  } finally {
    await app.close();
  }
}
