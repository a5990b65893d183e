// `es-gateway mappings diff|apply|history|rollback`: the streams file's mappings against the
// cluster, changed through the gateway's own steps (src/governance/) and recorded in the audit
// index. The connection and the streams file come from the environment as for serve (ES_*,
// GATEWAY_CONFIG_FILE), or from --es and --config.
// Exit codes: diff 0 no difference / 1 differences; apply and rollback 0 done (or nothing to do)
// / 1 failed or blocked; history 0; 2 usage, configuration or Elasticsearch errors.
import { MAPPINGS_USAGE } from './command-usage.ts';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, type GatewayConfig } from '../config/config.ts';
import { createEsClient, EsRequestError, type EsClient } from '../sink/es-client.ts';
import { diagnoseEsError } from '../sink/es-diagnosis.ts';
import { applyPlan } from '../governance/mapping-apply.ts';
import { readHistory } from '../governance/mapping-audit.ts';
import { planRollback, planStreams, UnknownStreamError, UnknownVersionError, type StreamPlan } from '../governance/mapping-session.ts';
import { streamTemplateName } from '../sink/index-templates.ts';
import { formatHistory, formatPlan, planJson } from './mappings-report.ts';


type Out = (text: string) => void;

const OPTIONS = {
  es: { type: 'string' },
  config: { type: 'string' },
  stream: { type: 'string' },
  json: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  by: { type: 'string' },
  to: { type: 'string' },
} as const;

class UsageError extends Error {}

function loadCliConfig(values: { es?: string | undefined; config?: string | undefined }): GatewayConfig {
  const file = values.config ?? process.env.GATEWAY_CONFIG_FILE;
  if (file === undefined || file === '') throw new UsageError('no streams file: give --config <file> or set GATEWAY_CONFIG_FILE');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`streams file ${file}: ${(err as Error).message}`);
  }
  const env = { ...process.env, ...(values.es === undefined ? {} : { ES_URL: values.es }) };
  return loadConfig(env, parsed);
}

/** Runs `mappings <sub>`; `out` gets results (stdout), `err` progress and problems (stderr). */
export async function runMappings(sub: string, args: string[], out: Out, err: Out, now: () => number = Date.now): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  } catch (e) {
    err(`es-gateway mappings: ${(e as Error).message}\nusage: ${MAPPINGS_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  let config: GatewayConfig;
  try {
    config = loadCliConfig(values);
  } catch (e) {
    err(`es-gateway mappings ${sub}: ${(e as Error).message}\n`);
    return 2;
  }
  const es = createEsClient(config.elasticsearch, 2);
  const by = values.by ?? process.env.USER ?? 'unknown';
  try {
    switch (sub) {
      case 'diff': return await diff(es, config, values.stream, values.json, out);
      case 'apply': return await apply(es, config, await planStreams(es, config, values.stream), { dryRun: values['dry-run'], json: values.json, by, now }, out, err);
      case 'history': {
        const stream = positionals[0];
        if (stream === undefined || !config.streams.has(stream)) throw stream === undefined ? new UsageError('history needs a stream') : new UnknownStreamError(stream, config);
        const s = config.streams.get(stream) as NonNullable<ReturnType<typeof config.streams.get>>;
        const entries = await readHistory(es, config.governance.auditIndex, stream, streamTemplateName(s, config.defaultIndexPattern));
        out(values.json ? `${JSON.stringify({ stream, versions: entries }, null, 2)}\n` : formatHistory(stream, entries));
        return 0;
      }
      case 'rollback': {
        const stream = positionals[0];
        const to = Number(values.to);
        if (stream === undefined || values.to === undefined || !Number.isSafeInteger(to) || to < 1) throw new UsageError('rollback needs a stream and --to <version>');
        const p = await planRollback(es, config, stream, to);
        err(`rolling stream ${stream} back to the mappings of version ${to} (${p.entry.after_sha256.slice(0, 12)}, ${p.entry.change} by ${p.entry.by} at ${p.entry['@timestamp']})\n`);
        return await apply(es, config, [p], { dryRun: values['dry-run'], json: values.json, by, now, rolledBackTo: to }, out, err);
      }
      default:
        throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}`);
    }
  } catch (e) {
    if (e instanceof UsageError) err(`es-gateway mappings ${sub}: ${e.message}\nusage: ${MAPPINGS_USAGE}\n`);
    else if (e instanceof UnknownStreamError || e instanceof UnknownVersionError) err(`es-gateway mappings ${sub}: ${e.message}\n`);
    else if (e instanceof EsRequestError && (e.statusCode === undefined || e.statusCode === 401 || e.statusCode === 403)) {
      // No answer, or not allowed: what to fix, as the gateway says it at start-up.
      const d = diagnoseEsError(e);
      err(`es-gateway mappings ${sub}: ${d.detail}; ${d.fix}\n`);
    } else err(`es-gateway mappings ${sub}: ${(e as Error).message}\n`);
    return 2;
  } finally {
    await es.close();
  }
}

async function diff(es: EsClient, config: GatewayConfig, stream: string | undefined, json: boolean, out: Out): Promise<number> {
  const plans = await planStreams(es, config, stream);
  const differing = plans.filter((p) => p.plan.change !== 'none');
  if (json) {
    out(`${JSON.stringify({ differs: differing.length > 0, streams: plans.map(planJson) }, null, 2)}\n`);
  } else {
    for (const p of plans) out(formatPlan(p, 'would'));
    const breaking = differing.filter((p) => p.plan.change === 'breaking').length;
    out(`${plans.length} streams: ${differing.length} differ (${breaking} breaking), ${plans.length - differing.length} up to date\n`);
  }
  return differing.length > 0 ? 1 : 0;
}

interface ApplyFlags { dryRun: boolean; json: boolean; by: string; now: () => number; rolledBackTo?: number }

async function apply(es: EsClient, config: GatewayConfig, plans: StreamPlan[], flags: ApplyFlags, out: Out, err: Out): Promise<number> {
  const results: Record<string, unknown>[] = [];
  let failed = 0;
  let applied = 0;
  for (const p of plans) {
    if (!flags.json) out(formatPlan(p, flags.dryRun ? 'would' : 'will'));
    if (flags.dryRun || p.plan.change === 'none') {
      results.push({ ...planJson(p), applied: false });
      continue;
    }
    const started = flags.now();
    try {
      const r = await applyPlan(es, p.plan, {
        by: flags.by,
        auditIndex: config.governance.auditIndex,
        now: flags.now,
        onStep: (text) => err(`  ${p.state.stream}: ${text}\n`),
        ...(flags.rolledBackTo === undefined ? {} : { rolledBackTo: flags.rolledBackTo }),
      });
      applied++;
      if (!flags.json) out(`  applied: version ${r?.version ?? '?'} (${p.plan.change}) in ${flags.now() - started} ms, audited by ${flags.by}\n`);
      results.push({ ...planJson(p), applied: true, version: r?.version, actions: r?.actions });
    } catch (e) {
      failed++;
      err(`  ${p.state.stream}: FAILED: ${(e as Error).message}\n`);
      results.push({ ...planJson(p), applied: false, error: (e as Error).message });
    }
  }
  const pending = plans.filter((p) => p.plan.change !== 'none').length;
  if (flags.json) out(`${JSON.stringify({ dryRun: flags.dryRun, streams: results }, null, 2)}\n`);
  else out(flags.dryRun ? `dry run: ${pending} of ${plans.length} streams would change\n` : `${applied} of ${plans.length} streams changed, ${failed} failed, ${plans.length - pending} up to date\n`);
  return failed > 0 ? 1 : 0;
}
