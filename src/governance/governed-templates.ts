// The templates the gateway keeps in the cluster: the sink's (streams, default, dead letters)
// with each data stream's lifecycle added for what the cluster supports, and the audit index's.
// Pure.
import type { GatewayConfig } from '../config/config.ts';
import type { StreamConfig } from '../config/streams.ts';
import { indexTemplates, templateName, type IndexTemplate } from '../sink/index-templates.ts';
import { AUDIT_MAPPINGS } from './mapping-audit.ts';
import { withLifecycle } from './lifecycle-policy.ts';
import type { LifecycleSupport } from './lifecycle-support.ts';

export interface GovernedTemplate extends IndexTemplate {
  /** The configured stream whose template this is; undefined for the gateway's own. */
  stream: StreamConfig | undefined;
}

export function governedTemplates(config: GatewayConfig, support: LifecycleSupport): GovernedTemplate[] {
  const out: GovernedTemplate[] = indexTemplates(config).map((t) => {
    const name = t.body._meta.stream;
    const stream = typeof name === 'string' ? config.streams.get(name) : undefined;
    return { ...(stream === undefined ? t : withLifecycle(t, stream, support)), stream };
  });
  const audit = config.governance.auditIndex;
  out.push({
    name: templateName('mapping-audit', audit),
    body: { index_patterns: [audit], priority: 1000, template: { settings: { number_of_shards: 1 }, mappings: { ...AUDIT_MAPPINGS } }, _meta: { managed_by: 'es-gateway' } },
    stream: undefined,
  });
  return out;
}

/** The stream's template with other mappings (a rollback's). */
export function withMappings(t: GovernedTemplate, mappings: Record<string, unknown>): GovernedTemplate {
  return { ...t, body: { ...t.body, template: { ...t.body.template, mappings } } };
}
