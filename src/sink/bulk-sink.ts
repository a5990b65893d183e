// Sends one prebuilt bulk body to Elasticsearch and returns the per-item verdicts, or throws a
// BulkRequestError saying whether the whole request may be retried. With compression on, the
// body is gzipped here (level 1, on libuv's thread pool) rather than by the client's
// `compression` option, which uses level 6 and also asks Elasticsearch to gzip its responses.
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
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
const gzipAsync = promisify(gzip);
const GZIP_OPTIONS = { level: constants.Z_BEST_SPEED };
const GZIP_HEADERS = { 'content-encoding': 'gzip' };

export interface BulkSinkOptions {
  compression: 'none' | 'gzip';
  /** Told the size of every body as it goes on the wire (after compression). */
  onSending?: (bytes: number) => void;
}

export function createBulkSink(client: Client, { compression, onSending }: BulkSinkOptions = { compression: 'none' }): BulkSink {
  return {
    async send(body, docs) {
      let response: unknown;
      try {
        const bulkBody = compression === 'gzip' ? await gzipAsync(body, GZIP_OPTIONS) : body;
        onSending?.(bulkBody.length);
        response = await client.transport.request(
          { method: 'POST', path: '/_bulk', bulkBody, querystring: { filter_path: FILTER_PATH } },
          compression === 'gzip' ? { meta: false, headers: GZIP_HEADERS } : { meta: false },
        );
      } catch (err) {
        const e = err as { meta?: { statusCode?: number }; message?: string; name?: string };
        throw new BulkRequestError(`${e.name ?? 'Error'}: ${e.message ?? String(err)}`, e.meta?.statusCode);
      }
      return parseBulkResponse(response, docs);
    },
  };
}
