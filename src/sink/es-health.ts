// Whether Elasticsearch answers, checked at most once a second however often it is asked.
import type { EsHttp } from './es-http.ts';

export interface EsHealth {
  reachable(): Promise<boolean>;
}

/**
 * One cheap real call that says Elasticsearch answers: GET /_cluster/health (not HEAD /, which
 * some distributions answer with 405). Rejects when it does not. Also the breaker's probe.
 */
export async function pingElasticsearch(es: EsHttp, timeoutMs = 2000): Promise<void> {
  await es.request({ method: 'GET', path: '/_cluster/health', timeoutMs });
}

export function createEsHealth(es: EsHttp, now: () => number = Date.now, maxAgeMs = 1000): EsHealth {
  let checkedAt = -Infinity;
  let last = false;
  let inFlight: Promise<boolean> | undefined;
  return {
    reachable() {
      if (now() - checkedAt < maxAgeMs) return Promise.resolve(last);
      inFlight ??= pingElasticsearch(es).then(() => true, () => false).then((ok) => {
        last = ok;
        checkedAt = now();
        inFlight = undefined;
        return ok;
      });
      return inFlight;
    },
  };
}
