// Creates the Elasticsearch client: keep-alive connections sized to the in-flight cap, no
// client-side retries (the pipeline retries with its own policy and knows about items).
import { Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../config/config.ts';
import { PlainJsonSerializer } from './es-serializer.ts';

export function createEsClient(es: ElasticsearchConfig, maxInFlight: number): Client {
  const auth = es.apiKey !== undefined
    ? { apiKey: es.apiKey }
    : es.username !== undefined && es.password !== undefined
      ? { username: es.username, password: es.password }
      : undefined;
  return new Client({
    node: es.url,
    ...(auth === undefined ? {} : { auth }),
    maxRetries: 0,
    requestTimeout: es.requestTimeoutMs,
    compression: false,
    Serializer: PlainJsonSerializer,
    // The default ('replace') deep-copies every failed request's metadata to redact secrets,
    // walking the bulk body byte by byte with Object.entries: a 5 MiB bulk that timed out made
    // millions of arrays and ran the process out of heap. 'remove' drops the headers (where the
    // secrets are) without walking anything.
    redaction: { type: 'remove' },
    // Bulk requests in flight plus a few for health checks, templates and searches.
    agent: { connections: maxInFlight + 4 },
  });
}
