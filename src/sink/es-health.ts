// Whether Elasticsearch answers, checked at most once a second however often it is asked.
import type { Client } from '@elastic/elasticsearch';

export interface EsHealth {
  reachable(): Promise<boolean>;
}

export function createEsHealth(client: Client, now: () => number = Date.now, maxAgeMs = 1000): EsHealth {
  let checkedAt = -Infinity;
  let last = false;
  let inFlight: Promise<boolean> | undefined;
  return {
    reachable() {
      if (now() - checkedAt < maxAgeMs) return Promise.resolve(last);
      // GET /_cluster/health rather than HEAD /: some distributions answer / with 405.
      inFlight ??= client.cluster.health({}, { requestTimeout: 2000 }).then(() => true, () => false).then((ok) => {
        last = ok;
        checkedAt = now();
        inFlight = undefined;
        return ok;
      });
      return inFlight;
    },
  };
}
