// Index templates installed at start-up: one per configured stream (its mappings, settings and
// an explicit `dynamic`; `data_stream` for a data stream), one for streams without
// configuration, one for the dead letters. A stream with a fixed index name (no date token)
// that is not a data stream writes to an alias over versioned indices `<name>-v<N>`
// (src/governance/), so its template matches those too.
import { createHash } from 'node:crypto';
import type { GatewayConfig } from '../config/config.ts';
import { indexPatternGlob, isFixedName } from '../model/index-pattern.ts';
import type { StreamConfig } from '../config/streams.ts';
import { DEAD_LETTER_MAPPINGS } from './dead-letter.ts';
import { BulkRequestError, type BulkSink } from './bulk-sink.ts';

export interface IndexTemplate {
  name: string;
  body: {
    index_patterns: string[];
    priority: number;
    data_stream?: Record<string, never>;
    template: { settings?: Record<string, unknown>; mappings: Record<string, unknown>; lifecycle?: Record<string, unknown> };
    /** The stream's mapping version (src/governance/mapping-audit.ts). */
    version?: number;
    _meta: Record<string, unknown>;
  };
}

/** How a configured stream's events reach their index. */
export type WriteTarget = 'data_stream' | 'dated' | 'alias';

export function writeTargetOf(s: StreamConfig, defaultIndexPattern: string): WriteTarget {
  if (s.dataStream) return 'data_stream';
  return isFixedName(s.index ?? defaultIndexPattern) ? 'alias' : 'dated';
}

const TIMESTAMP = { '@timestamp': { type: 'date' } };

/** Template names carry a hash of their index pattern, so gateways with different patterns on one cluster do not overwrite each other's. */
export function templateName(kind: string, glob: string): string {
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
    const target = writeTargetOf(s, config.defaultIndexPattern);
    out.push({
      name: streamTemplateName(s, config.defaultIndexPattern),
      body: {
        index_patterns: target === 'alias' ? [glob, `${glob}-v*`] : [glob],
        ...(target === 'data_stream' ? { data_stream: {} } : {}),
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

/** The name of a configured stream's template. */
export function streamTemplateName(s: StreamConfig, defaultIndexPattern: string): string {
  return templateName(`stream-${s.name}`, indexPatternGlob(s.index ?? defaultIndexPattern, s.name));
}

export interface TemplateInstaller {
  readonly done: boolean;
  /** Why the latest attempt failed, until one succeeds. */
  readonly lastError: Error | undefined;
  /** Resolves once the first attempt ended, either way. */
  readonly firstAttempt: Promise<void>;
  stop(): void;
}

/**
 * Runs `install` (the templates and what goes with them: src/governance/governance-install.ts)
 * now, retrying (250 ms, doubling to 5 s) until it works or stop() is called.
 */
export function installTemplatesWithRetry(install: () => Promise<void>, onError: (err: Error) => void): TemplateInstaller {
  let retryMs = 250;
  let stopped = false;
  let done = false;
  let lastError: Error | undefined;
  let timer: NodeJS.Timeout | undefined;
  const attempt = () => install().then(() => {
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
