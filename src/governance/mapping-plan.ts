// What bringing one stream's mappings in the cluster to the wanted ones takes: the differences,
// whether they are compatible or breaking, and the steps — put the template (a new version),
// then for the write index: put mapping (compatible), or a rollover (data stream), a new
// versioned index behind the write alias (alias stream), or nothing until the next dated index.
// Pure: mapping-apply.ts carries the steps out.
import type { IndexTemplate } from '../sink/index-templates.ts';
import { describeDifference, diffMappings, type MappingDifference } from './mapping-diff.ts';
import type { StreamState } from './stream-state.ts';

export type PlanStep =
  | { kind: 'put_template'; name: string; version: number }
  | { kind: 'put_mapping'; path: string }
  | { kind: 'rollover'; dataStream: string }
  | { kind: 'new_index'; index: string; alias: string; previous: string | undefined }
  | { kind: 'deferred'; reason: string }
  | { kind: 'blocked'; reason: string };

export interface MappingPlan {
  stream: string;
  templateName: string;
  change: 'none' | 'compatible' | 'breaking';
  differences: MappingDifference[];
  fromVersion: number | undefined;
  toVersion: number;
  steps: PlanStep[];
  template: IndexTemplate['body'];
  before: Record<string, unknown> | undefined;
  after: Record<string, unknown>;
}

/** The next versioned index behind an alias: `<alias>-v<N+1>`. */
export function nextVersionedIndex(alias: string, existing: readonly string[]): string {
  const versions = existing.map((i) => (i.startsWith(`${alias}-v`) ? Number(i.slice(alias.length + 2)) : 0)).filter(Number.isInteger);
  return `${alias}-v${Math.max(0, ...versions) + 1}`;
}

export function planMappingChange(state: StreamState, wanted: IndexTemplate): MappingPlan {
  const after = wanted.body.template.mappings;
  const before = state.template?.template.mappings;
  const differences = [
    ...(state.template === undefined ? [] : diffMappings(after, before, 'template')),
    ...(state.writeIndexMappings === undefined ? [] : diffMappings(after, state.writeIndexMappings, 'write_index')),
  ];
  const fromVersion = state.template?.version;
  const toVersion = (fromVersion ?? 0) + 1;
  const onIndex = differences.filter((d) => d.against === 'write_index');
  const breakingIndex = onIndex.some((d) => d.breaking);
  const needsIndex = state.target === 'alias' && state.writeIndex === undefined;
  const change = differences.some((d) => d.breaking) ? 'breaking' : differences.length > 0 || state.template === undefined || needsIndex ? 'compatible' : 'none';
  const steps: PlanStep[] = [];
  if (change !== 'none') steps.push({ kind: 'put_template', name: state.templateName, version: toVersion });
  if (needsIndex) {
    steps.push({ kind: 'new_index', index: nextVersionedIndex(state.writeName, state.aliasIndices), alias: state.writeName, previous: undefined });
  } else if (onIndex.length > 0 && state.writeIndex !== undefined) {
    if (!breakingIndex) {
      steps.push({ kind: 'put_mapping', path: state.target === 'data_stream' && !state.concreteIndex ? `/${state.writeName}/_mapping?write_index_only=true` : `/${state.writeIndex}/_mapping` });
    } else if (state.target === 'data_stream') {
      if (state.concreteIndex) steps.push({ kind: 'blocked', reason: `${state.writeName} is an index, not a data stream: reindex it into the data stream (or delete it) first` });
      else steps.push({ kind: 'rollover', dataStream: state.writeName });
    } else if (state.target === 'alias') {
      if (state.concreteIndex) steps.push({ kind: 'blocked', reason: `${state.writeName} is a concrete index, not an alias: reindex it into ${state.writeName}-v1 behind an alias named ${state.writeName} first` });
      else steps.push({ kind: 'new_index', index: nextVersionedIndex(state.writeName, state.aliasIndices), alias: state.writeName, previous: state.writeIndex });
    } else {
      steps.push({ kind: 'deferred', reason: `the write index ${state.writeIndex} keeps its mappings: the change takes effect with the next dated index` });
    }
  }
  return { stream: state.stream, templateName: state.templateName, change, differences, fromVersion, toVersion, steps, template: { ...wanted.body, version: toVersion }, before, after };
}

export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case 'put_template': return `put template ${step.name} (version ${step.version})`;
    case 'put_mapping': return `put mapping ${step.path.split('?')[0]}`;
    case 'rollover': return `roll data stream ${step.dataStream} over to a new backing index with the new mappings`;
    case 'new_index': return step.previous === undefined
      ? `create ${step.index} as the write index of alias ${step.alias}`
      : `create ${step.index} and switch alias ${step.alias}'s writes from ${step.previous} to it in one _aliases call`;
    case 'deferred': return `deferred: ${step.reason}`;
    default: return `blocked: ${step.reason}`;
  }
}

export const describeDifferences = (plan: MappingPlan): string[] => plan.differences.map(describeDifference);
