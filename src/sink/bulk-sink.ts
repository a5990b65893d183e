// Sends one prebuilt bulk body to Elasticsearch and returns the per-item verdicts, or throws a
// BulkRequestError saying whether the whole request may be retried.
import type { Client } from '@elastic/elasticsearch';
import { parseBulkResponse, type ItemVerdict } from './bulk-response.ts';
import { isRetriableRequestError } from './retry-policy.ts';

export class BulkRequestError extends Error {
  readonly statusCode: number | undefined;
  readonly retriable: boolean;
  constructor(message: string, statusCode: number | undefined) {
    super(message);
    this.name = 'BulkRequestError';
    this.statusCode = statusCode;
    this.retriable = isRetriableRequestError(statusCode);
  }
}

export interface BulkSink {
  /** Sends `body` holding `docs` actions; resolves with one verdict per action, in order. */
  send(body: Buffer, docs: number): Promise<ItemVerdict[]>;
}

const FILTER_PATH = 'errors,items.*.status,items.*.error';

export function createBulkSink(client: Client): BulkSink {
  return {
    async send(body, docs) {
      let response: unknown;
      try {
        response = await client.transport.request(
          { method: 'POST', path: '/_bulk', bulkBody: body, querystring: { filter_path: FILTER_PATH } },
          { meta: false },
        );
      } catch (err) {
        const e = err as { meta?: { statusCode?: number }; message?: string; name?: string };
        throw new BulkRequestError(`${e.name ?? 'Error'}: ${e.message ?? String(err)}`, e.meta?.statusCode);
      }
      return parseBulkResponse(response, docs);
    },
  };
}
