// What the mapping commands print for people: a block per stream (its target, template version,
// write index, differences and steps) and a summary line. Pure.
import type { AuditEntry } from '../governance/mapping-audit.ts';
import { describeDifference } from '../governance/mapping-diff.ts';
import { describeStep } from '../governance/mapping-plan.ts';
import type { StreamPlan } from '../governance/mapping-session.ts';

const TARGET: Record<string, string> = { data_stream: 'data stream', alias: 'alias', dated: 'dated indices' };

export function streamHeader({ state }: StreamPlan): string {
  const version = state.template === undefined ? 'no template yet' : `template v${state.template.version ?? '?'}`;
  return `stream ${state.stream} (${TARGET[state.target]} ${state.writeName}, ${version}, write index ${state.writeIndex ?? 'none yet'})`;
}

export function formatPlan(p: StreamPlan, verb: 'would' | 'will'): string {
  const lines = [streamHeader(p)];
  if (p.plan.change === 'none') return `${lines[0]}: no difference\n`;
  for (const d of p.plan.differences) lines.push(`  ${describeDifference(d)}`);
  if (p.state.template === undefined) lines.push('  template: not in the cluster (installed as version 1)');
  lines.push(`  ${p.plan.change}: ${verb} ${p.plan.steps.map(describeStep).join('; ')}`);
  return `${lines.join('\n')}\n`;
}

/** The plans as JSON (for --json). */
export function planJson({ state, plan }: StreamPlan): Record<string, unknown> {
  return {
    stream: state.stream,
    target: state.target,
    writeName: state.writeName,
    template: state.templateName,
    version: plan.fromVersion ?? null,
    writeIndex: state.writeIndex ?? null,
    change: plan.change,
    differences: plan.differences,
    steps: plan.steps,
  };
}

export function formatHistory(stream: string, entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return `stream ${stream}: no mapping change recorded\n`;
  const lines = [`stream ${stream}: ${entries.length} versions`, '', '| version | when | by | change | after (SHA-256) | what was done |', '|---:|---|---|---|---|---|'];
  for (const e of entries) {
    const change = e.rolled_back_to === undefined ? e.change : `${e.change} to v${e.rolled_back_to}`;
    lines.push(`| ${e.version} | ${e['@timestamp']} | ${e.by} | ${change} | ${e.after_sha256.slice(0, 12)} | ${e.actions.join('; ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
