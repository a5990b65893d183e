// Whether Elasticsearch answers, and if not why: checked at most once a second however often it
// is asked, with a callback when the answer changes (so the log says it once, not per probe).
import type { EsClient } from './es-client.ts';
import { diagnoseEsError, type EsDiagnosis } from './es-diagnosis.ts';

/** undefined: Elasticsearch answered. */
export type EsStatus = EsDiagnosis | undefined;

export interface EsHealth {
  /** The latest status, checking again when it is older than a second. */
  status(): Promise<EsStatus>;
}

/**
 * One cheap real call that says Elasticsearch answers: GET /_cluster/health (not HEAD /, which
 * some distributions answer with 405). Rejects when it does not. Also the breaker's probe.
 */
export async function pingElasticsearch(es: EsClient, timeoutMs = 2000): Promise<void> {
  await es.request({ method: 'GET', path: '/_cluster/health', timeoutMs });
}

const sameStatus = (a: EsStatus, b: EsStatus) => a?.cause === b?.cause && a?.detail === b?.detail;

export function createEsHealth(es: EsClient, onChange: (status: EsStatus) => void, now: () => number = Date.now, maxAgeMs = 1000): EsHealth {
  let checkedAt = -Infinity;
  let last: EsStatus | null = null; // null: never checked
  let inFlight: Promise<EsStatus> | undefined;
  return {
    status() {
      if (last !== null && now() - checkedAt < maxAgeMs) return Promise.resolve(last);
      inFlight ??= pingElasticsearch(es).then(() => undefined, (err: unknown) => diagnoseEsError(err)).then((status) => {
        if (last === null || !sameStatus(last, status)) onChange(status);
        last = status;
        checkedAt = now();
        inFlight = undefined;
        return status;
      });
      return inFlight;
    },
  };
}
