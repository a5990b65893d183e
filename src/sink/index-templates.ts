// Index templates installed at start-up: one per configured stream (its mappings, settings and
// an explicit `dynamic`), one for streams without configuration, one for the dead letters.
import { createHash } from 'node:crypto';
import type { EsClient } from './es-client.ts';
import type { GatewayConfig } from '../config/config.ts';
import { indexPatternGlob } from '../model/index-pattern.ts';
import { DEAD_LETTER_MAPPINGS } from './dead-letter.ts';
import { BulkRequestError, type BulkSink } from './bulk-sink.ts';

export interface IndexTemplate {
  name: string;
  body: {
    index_patterns: string[];
    priority: number;
    template: { settings?: Record<string, unknown>; mappings: Record<string, unknown> };
    _meta: Record<string, unknown>;
  };
}

const TIMESTAMP = { '@timestamp': { type: 'date' } };

/** Template names carry a hash of their index pattern, so gateways with different patterns on one cluster do not overwrite each other's. */
function templateName(kind: string, glob: string): string {
  return `es-gateway-${kind}-${createHash('sha256').update(glob).digest('hex').slice(0, 10)}`;
}
const META = { managed_by: 'es-gateway' };

/** The templates for a configuration. Pure. */
export function indexTemplates(config: GatewayConfig): IndexTemplate[] {
  const defaultGlob = indexPatternGlob(config.defaultIndexPattern, '*');
  const out: IndexTemplate[] = [{
    name: templateName('default', defaultGlob),
    body: {
      index_patterns: [defaultGlob],
      priority: 150,
      template: { mappings: { dynamic: true, properties: TIMESTAMP } },
      _meta: META,
    },
  }];
  for (const s of config.streams.values()) {
    const { properties, ...restMappings } = (s.mappings ?? {}) as { properties?: Record<string, unknown> };
    const glob = indexPatternGlob(s.index ?? config.defaultIndexPattern, s.name);
    out.push({
      name: templateName(`stream-${s.name}`, glob),
      body: {
        index_patterns: [glob],
        // Overlapping patterns need distinct priorities; the longer (more specific) one wins.
        priority: 200 + glob.length,
        template: {
          ...(s.settings === undefined ? {} : { settings: s.settings }),
          mappings: { ...restMappings, dynamic: s.dynamic, properties: { ...TIMESTAMP, ...properties } },
        },
        _meta: { ...META, stream: s.name },
      },
    });
  }
  out.push({
    name: templateName('dead-letters', config.pipeline.deadLetterIndex),
    body: { index_patterns: [config.pipeline.deadLetterIndex], priority: 1000, template: { mappings: { ...DEAD_LETTER_MAPPINGS } }, _meta: META },
  });
  return out;
}

export async function installIndexTemplates(es: EsClient, templates: readonly IndexTemplate[]): Promise<void> {
  for (const t of templates) {
    await es.request({ method: 'PUT', path: `/_index_template/${encodeURIComponent(t.name)}`, body: JSON.stringify(t.body) });
  }
}

export interface TemplateInstaller {
  readonly done: boolean;
  /** Why the latest attempt failed, until one succeeds. */
  readonly lastError: Error | undefined;
  /** Resolves once the first attempt ended, either way. */
  readonly firstAttempt: Promise<void>;
  stop(): void;
}

/** Installs the templates now, retrying (250 ms, doubling to 5 s) until it works or stop() is called. */
export function installTemplatesWithRetry(es: EsClient, templates: readonly IndexTemplate[], onError: (err: Error) => void): TemplateInstaller {
  let retryMs = 250;
  let stopped = false;
  let done = false;
  let lastError: Error | undefined;
  let timer: NodeJS.Timeout | undefined;
  const attempt = () => installIndexTemplates(es, templates).then(() => {
    done = true;
    lastError = undefined;
  }, (err: Error) => {
    lastError = err;
    onError(err);
    if (!stopped) timer = setTimeout(attempt, retryMs);
    retryMs = Math.min(5000, retryMs * 2);
  });
  const firstAttempt = attempt();
  return {
    get done() { return done; },
    get lastError() { return lastError; },
    firstAttempt,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * A sink that writes nothing before the templates are installed, so no index is created with the
 * wrong mappings. While the first attempt is under way it waits up to `waitMs`; once an attempt
 * has failed (Elasticsearch unreachable, TLS, credentials) it fails at once, like a bulk request
 * to an unusable node would, so the circuit breaker opens and events go to the spool.
 */
export function gateUntilInstalled(sink: BulkSink, installer: TemplateInstaller, waitMs: number): BulkSink {
  return {
    async send(body, docs, kind) {
      if (!installer.done && installer.lastError === undefined) {
        await Promise.race([installer.firstAttempt, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
      }
      if (!installer.done) {
        const e = installer.lastError as (Error & { statusCode?: number }) | undefined;
        throw new BulkRequestError(`index templates not installed yet: ${e?.message ?? 'no answer from Elasticsearch'}`, e?.statusCode);
      }
      return sink.send(body, docs, kind);
    },
  };
}
