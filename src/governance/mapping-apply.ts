// Carries out a mapping plan (mapping-plan.ts) and writes its audit entry. The steps run in an
// order that never leaves events without a place to go: the template first (new indices get the
// new mappings), then the write index is changed in place (put mapping), or a new one takes the
// writes atomically (a data stream's rollover; an alias switched by one `_aliases` call) —
// Elasticsearch moves the write target between two bulk items, so no event is refused or lost.
import type { EsClient } from '../sink/es-client.ts';
import { auditEntry, writeAudit, type AuditChange } from './mapping-audit.ts';
import { getOrUndefined } from './stream-state.ts';
import { describeDifferences, describeStep, type MappingPlan, type PlanStep } from './mapping-plan.ts';

export interface ApplyOptions {
  by: string;
  auditIndex: string;
  now: () => number;
  /** A rollback: the version restored. */
  rolledBackTo?: number;
  /** Told each step as it starts (the command's progress lines). */
  onStep?: (text: string) => void;
}

export interface ApplyResult {
  /** What was done, in words (also in the audit entry). */
  actions: string[];
  version: number;
}

const json = (body: unknown) => JSON.stringify(body);

export class ChangedMeanwhileError extends Error {
  constructor(stream: string, planned: number | undefined, found: number | undefined) {
    super(`stream ${stream}: its template is at version ${found ?? 'none'} now, not ${planned ?? 'none'} as when this change was planned (another apply ran meanwhile); nothing was changed: run the command again`);
    this.name = 'ChangedMeanwhileError';
  }
}

export async function runStep(es: EsClient, plan: MappingPlan, step: PlanStep): Promise<string> {
  switch (step.kind) {
    case 'put_template': {
      // Another apply since this plan was made: its version would be overwritten unseen.
      const now = await getOrUndefined(es, `/_index_template/${encodeURIComponent(step.name)}?filter_path=index_templates.index_template.version`) as { index_templates?: { index_template: { version?: number } }[] } | undefined;
      const version = now?.index_templates?.[0]?.index_template.version;
      if (version !== plan.fromVersion) throw new ChangedMeanwhileError(plan.stream, plan.fromVersion, version);
      await es.request({ method: 'PUT', path: `/_index_template/${encodeURIComponent(step.name)}`, body: json(plan.template) });
      return describeStep(step);
    }
    case 'put_mapping': {
      const { properties, dynamic } = plan.after as { properties?: unknown; dynamic?: unknown };
      await es.request({ method: 'PUT', path: step.path, body: json({ ...(dynamic === undefined ? {} : { dynamic }), ...(properties === undefined ? {} : { properties }) }) });
      return describeStep(step);
    }
    case 'rollover': {
      const r = JSON.parse((await es.request({ method: 'POST', path: `/${encodeURIComponent(step.dataStream)}/_rollover` })).body) as { old_index?: string; new_index?: string };
      return `rolled data stream ${step.dataStream} over: ${r.old_index ?? '?'} → ${r.new_index ?? '?'}`;
    }
    case 'new_index':
      if (step.previous === undefined) {
        await es.request({ method: 'PUT', path: `/${encodeURIComponent(step.index)}`, body: json({ aliases: { [step.alias]: { is_write_index: true } } }) });
      } else {
        await es.request({ method: 'PUT', path: `/${encodeURIComponent(step.index)}` });
        // One call: the alias never has no write index, and reads still see the old index.
        await es.request({
          method: 'POST',
          path: '/_aliases',
          body: json({ actions: [
            { add: { index: step.index, alias: step.alias, is_write_index: true } },
            { add: { index: step.previous, alias: step.alias, is_write_index: false } },
          ] }),
        });
      }
      return describeStep(step);
    default:
      return describeStep(step);
  }
}

/** Runs the plan's steps (none when it has no change) and records it; throws on a blocked plan. */
export async function applyPlan(es: EsClient, plan: MappingPlan, options: ApplyOptions): Promise<ApplyResult | undefined> {
  if (plan.change === 'none') return undefined;
  const blocked = plan.steps.find((s) => s.kind === 'blocked');
  if (blocked !== undefined) throw new Error(`stream ${plan.stream}: ${describeStep(blocked)}`);
  const actions: string[] = [];
  for (const step of plan.steps) {
    options.onStep?.(describeStep(step));
    actions.push(await runStep(es, plan, step));
  }
  const change: AuditChange = options.rolledBackTo !== undefined ? 'rollback' : plan.fromVersion === undefined ? 'install' : plan.change === 'breaking' ? 'breaking' : 'compatible';
  await writeAudit(es, options.auditIndex, auditEntry({
    stream: plan.stream,
    version: plan.toVersion,
    by: options.by,
    change,
    template: plan.templateName,
    actions,
    differences: describeDifferences(plan),
    before: plan.before,
    after: plan.after,
    ...(options.rolledBackTo === undefined ? {} : { rolledBackTo: options.rolledBackTo }),
    now: options.now(),
  }));
  return { actions, version: plan.toVersion };
}
