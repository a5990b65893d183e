// What the gateway does with the cluster at start-up, before it writes an event: find out what
// the cluster offers for lifecycles (and say so), install the ILM policies of the streams whose
// lifecycle it manages, the templates, and the first versioned index behind each alias stream.
// A stream's template already in the cluster with other mappings than the streams file's is
// left alone: mapping changes go through `es-gateway mappings apply`, audited, not through a
// restart. A stream's first template is recorded in the audit index as version 1.
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayConfig } from '../config/config.ts';
import type { EsClient } from '../sink/es-client.ts';
import { canonicalJson } from './canonical-json.ts';
import { governedTemplates } from './governed-templates.ts';
import { ilmPolicy, ilmPolicyName } from './lifecycle-policy.ts';
import { describeLifecycleSupport, detectLifecycleSupport, type LifecycleSupport } from './lifecycle-support.ts';
import { AuditConflictError } from './mapping-audit.ts';
import { applyPlan, runStep } from './mapping-apply.ts';
import { nextVersionedIndex, planMappingChange } from './mapping-plan.ts';
import { readStreamState } from './stream-state.ts';

export const STARTUP_ACTOR = 'es-gateway start-up';

export async function installGovernance(es: EsClient, config: GatewayConfig, log: FastifyBaseLogger, now: () => number = Date.now): Promise<LifecycleSupport> {
  const support = await detectLifecycleSupport(es);
  const streams = [...config.streams.values()];
  if (streams.some((s) => s.dataStream)) log.info({ lifecycle: support }, describeLifecycleSupport(support, config.governance.lifecycleFallback));
  for (const s of streams) {
    if (s.lifecycle?.kind === 'policy' && support !== 'ilm') log.warn({ stream: s.name, policy: s.lifecycle.policy }, `stream ${s.name} names ILM policy ${s.lifecycle.policy}, but the cluster has no ILM: the policy is not applied`);
    if (s.lifecycle?.kind === 'managed' && s.lifecycle.warmAfterDays !== undefined && support !== 'ilm') log.warn({ stream: s.name }, `stream ${s.name}: the warm phase needs ILM; without it only rollover and deletion apply`);
    const policy = support === 'ilm' ? ilmPolicy(s) : undefined;
    if (policy !== undefined) await es.request({ method: 'PUT', path: `/_ilm/policy/${encodeURIComponent(ilmPolicyName(s.name))}`, body: JSON.stringify(policy) });
  }
  const templates = governedTemplates(config, support);
  // The gateway's own first (the audit index's among them): the streams' installs write audit entries.
  for (const t of templates) {
    if (t.stream === undefined) await es.request({ method: 'PUT', path: `/_index_template/${encodeURIComponent(t.name)}`, body: JSON.stringify(t.body) });
  }
  for (const t of templates) {
    if (t.stream === undefined) continue;
    const state = await readStreamState(es, config, t.stream);
    if (state.concreteIndex) log.warn({ stream: state.stream, index: state.writeName }, `stream ${state.stream}: ${state.writeName} is a plain index, made before the stream was ${state.target === 'data_stream' ? 'a data stream' : 'an alias over versioned indices'}: events go on into it, and breaking mapping changes cannot be applied until it is reindexed`);
    if (state.template === undefined) {
      try {
        await applyPlan(es, planMappingChange(state, t), { by: STARTUP_ACTOR, auditIndex: config.governance.auditIndex, now });
      } catch (err) {
        if (!(err instanceof AuditConflictError)) throw err; // another replica installed it at the same moment
      }
      continue;
    }
    if (canonicalJson(state.template.template.mappings) !== canonicalJson(t.body.template.mappings)) {
      log.warn({ stream: t.stream.name, version: state.template.version }, `stream ${t.stream.name}: the cluster's template (version ${state.template.version ?? '?'}) has other mappings than the streams file; left as it is: see \`es-gateway mappings diff\`, then \`mappings apply\``);
      continue;
    }
    // Same mappings: settings and lifecycle follow the file; the version stays.
    await es.request({ method: 'PUT', path: `/_index_template/${encodeURIComponent(t.name)}`, body: JSON.stringify({ ...t.body, ...(state.template.version === undefined ? {} : { version: state.template.version }) }) });
    if (state.target === 'alias' && state.writeIndex === undefined) {
      await runStep(es, planMappingChange(state, t), { kind: 'new_index', index: nextVersionedIndex(state.writeName, state.aliasIndices), alias: state.writeName, previous: undefined });
    }
  }
  const dynamic = streams.filter((s) => s.dynamic === 'true').map((s) => s.name);
  const others = config.unknownStreams === 'accept' ? ['every stream not in the streams file'] : [];
  if (dynamic.length > 0 || others.length > 0) {
    // A warning for configured streams (someone chose it, maybe by leaving dynamic out); unknown streams are dynamic by design.
    log[dynamic.length > 0 ? 'warn' : 'info']({ streams: dynamic }, `streams on dynamic: true (each new key becomes a field, up to the mapping's limit): ${[...dynamic, ...others].join(', ')}`);
  }
  return support;
}
