// The mapping commands' view of a cluster: for each configured stream, the template it should
// have (the streams file, with the lifecycle the cluster supports), what the cluster holds, and
// the plan between the two; for a rollback, the plan back to an audited version.
import type { GatewayConfig } from '../config/config.ts';
import type { EsClient } from '../sink/es-client.ts';
import { governedTemplates, withMappings, type GovernedTemplate } from './governed-templates.ts';
import { detectLifecycleSupport } from './lifecycle-support.ts';
import { readHistory, type AuditEntry } from './mapping-audit.ts';
import { planMappingChange, type MappingPlan } from './mapping-plan.ts';
import { readStreamState, type StreamState } from './stream-state.ts';

export interface StreamPlan {
  state: StreamState;
  plan: MappingPlan;
}

export class UnknownStreamError extends Error {
  constructor(stream: string, config: GatewayConfig) {
    super(`stream ${JSON.stringify(stream)} is not in the streams file (streams: ${[...config.streams.keys()].join(', ') || 'none'})`);
    this.name = 'UnknownStreamError';
  }
}

async function wantedTemplates(es: EsClient, config: GatewayConfig): Promise<Map<string, GovernedTemplate>> {
  const support = await detectLifecycleSupport(es);
  const out = new Map<string, GovernedTemplate>();
  for (const t of governedTemplates(config, support)) if (t.stream !== undefined) out.set(t.stream.name, t);
  return out;
}

/** Plans for every configured stream, or the one named. */
export async function planStreams(es: EsClient, config: GatewayConfig, only?: string): Promise<StreamPlan[]> {
  if (only !== undefined && !config.streams.has(only)) throw new UnknownStreamError(only, config);
  const wanted = await wantedTemplates(es, config);
  const out: StreamPlan[] = [];
  for (const [name, t] of wanted) {
    if (only !== undefined && name !== only) continue;
    const state = await readStreamState(es, config, t.stream as NonNullable<GovernedTemplate['stream']>);
    out.push({ state, plan: planMappingChange(state, t) });
  }
  return out;
}

export class UnknownVersionError extends Error {
  constructor(stream: string, version: number, known: readonly number[]) {
    super(`stream ${stream} has no version ${version} in the audit index (versions: ${known.join(', ') || 'none'})`);
    this.name = 'UnknownVersionError';
  }
}

/** The plan that restores the mappings of an audited version (as a new version). */
export async function planRollback(es: EsClient, config: GatewayConfig, stream: string, version: number): Promise<StreamPlan & { entry: AuditEntry }> {
  if (!config.streams.has(stream)) throw new UnknownStreamError(stream, config);
  const t = (await wantedTemplates(es, config)).get(stream) as GovernedTemplate;
  const state = await readStreamState(es, config, t.stream as NonNullable<GovernedTemplate['stream']>);
  const history = await readHistory(es, config.governance.auditIndex, stream, state.templateName);
  const entry = history.find((h) => h.version === version);
  if (entry === undefined) throw new UnknownVersionError(stream, version, history.map((h) => h.version));
  const mappings = JSON.parse(entry.after) as Record<string, unknown>;
  return { state, plan: planMappingChange(state, withMappings(t, mappings)), entry };
}
