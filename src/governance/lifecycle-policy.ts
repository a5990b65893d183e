// A stream's lifecycle as the cluster takes it: an ILM policy (hot rollover, optional warm
// phase, delete), the data stream lifecycle's retention, or settings naming an existing policy.
// Pure.
import type { StreamConfig } from '../config/streams.ts';
import type { RolloverConditions } from '../config/stream-lifecycle.ts';
import type { IndexTemplate } from '../sink/index-templates.ts';
import type { LifecycleSupport } from './lifecycle-support.ts';

export function ilmPolicyName(stream: string): string {
  return `es-gateway-${stream}`;
}

/** The rollover conditions in Elasticsearch's words (ILM's rollover action and `_rollover` share them). */
export function rolloverConditions(r: RolloverConditions): Record<string, string | number> {
  return {
    ...(r.maxPrimaryShardSize === undefined ? {} : { max_primary_shard_size: r.maxPrimaryShardSize }),
    ...(r.maxAge === undefined ? {} : { max_age: r.maxAge }),
    ...(r.maxDocs === undefined ? {} : { max_docs: r.maxDocs }),
  };
}

/** The ILM policy of a stream whose lifecycle the gateway manages; undefined otherwise. */
export function ilmPolicy(s: StreamConfig): { policy: Record<string, unknown> } | undefined {
  const l = s.lifecycle;
  if (l?.kind !== 'managed') return undefined;
  const phases: Record<string, unknown> = {
    hot: { min_age: '0ms', actions: { rollover: rolloverConditions(l.rollover) } },
  };
  // Warm: one segment per shard (cheaper to keep and search) and a lower recovery priority.
  if (l.warmAfterDays !== undefined) phases.warm = { min_age: `${l.warmAfterDays}d`, actions: { forcemerge: { max_num_segments: 1 }, set_priority: { priority: 50 } } };
  if (l.deleteAfterDays !== undefined) phases.delete = { min_age: `${l.deleteAfterDays}d`, actions: { delete: {} } };
  return { policy: { _meta: { managed_by: 'es-gateway', stream: s.name }, phases } };
}

/** The stream's template with what the cluster's lifecycle support needs added. */
export function withLifecycle(t: IndexTemplate, s: StreamConfig, support: LifecycleSupport): IndexTemplate {
  const l = s.lifecycle;
  if (l === undefined || !s.dataStream) return t;
  const template = { ...t.body.template };
  if (support === 'ilm') {
    template.settings = { ...template.settings, 'index.lifecycle.name': l.kind === 'policy' ? l.policy : ilmPolicyName(s.name) };
  } else if (support === 'data_stream_lifecycle' && l.kind === 'managed') {
    template.lifecycle = l.deleteAfterDays === undefined ? { enabled: true } : { enabled: true, data_retention: `${l.deleteAfterDays}d` };
  }
  return { name: t.name, body: { ...t.body, template } };
}
