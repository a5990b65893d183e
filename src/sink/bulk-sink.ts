// Sends one prebuilt bulk body to Elasticsearch and returns the per-item verdicts, or throws a
// BulkRequestError saying whether the whole request may be retried. With compression on, the
// body is gzipped here (level 1, on libuv's thread pool); responses come back uncompressed (they
// are small: the filter_path leaves only statuses and errors, and for operations of the
// Elasticsearch-compatible API what their answers need).
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import { parseBulkResponseText, type ItemVerdict } from './bulk-response.ts';
import { bulkBodyBytes, type BulkBody } from './bulk-body.ts';
import type { EsClient } from './es-client.ts';
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
  /**
   * Sends `body` holding `docs` actions; resolves with one verdict per action, in order.
   * `kind`: `events` (the gateway's creates only), or the body holds operations of the
   * Elasticsearch-compatible API — `detailed` when someone waits for their answers (each item's
   * result, version and error are kept), else `ops` (statuses, errors and results: a delete of
   * nothing is not an error).
   */
  send(body: BulkBody, docs: number, kind?: BulkKind): Promise<ItemVerdict[]>;
}

export type BulkKind = 'events' | 'ops' | 'detailed';

const BULK_PATH = '/_bulk?filter_path=errors,items.*.status,items.*.error';
const OPS_BULK_PATH = '/_bulk?filter_path=errors,items.*.status,items.*.error,items.*.result';
const DETAILED_BULK_PATH = '/_bulk?filter_path=errors,items.*.status,items.*.error,items.*.result,items.*._version,items.*._seq_no,items.*._primary_term,items.*._shards,items.*._index';
const NDJSON = 'application/x-ndjson';
const gzipAsync = promisify(gzip);
const GZIP_OPTIONS = { level: constants.Z_BEST_SPEED };
const GZIP_HEADERS = { 'content-encoding': 'gzip' };

export interface BulkSinkOptions {
  compression: 'none' | 'gzip';
  /** Told the size of every body as it goes on the wire (after compression). */
  onSending?: (bytes: number) => void;
}

export function createBulkSink(es: EsClient, { compression, onSending }: BulkSinkOptions = { compression: 'none' }): BulkSink {
  return {
    async send(body, docs, kind = 'events') {
      let response: string;
      try {
        const bulkBody = compression === 'gzip' ? [await gzipAsync(body.length === 1 ? body[0] as Buffer : Buffer.concat(body), GZIP_OPTIONS)] : body;
        onSending?.(bulkBodyBytes(bulkBody));
        response = (await es.request({ method: 'POST', path: kind === 'detailed' ? DETAILED_BULK_PATH : kind === 'ops' ? OPS_BULK_PATH : BULK_PATH, body: bulkBody, contentType: NDJSON, api: 'bulk', ...(compression === 'gzip' ? { headers: GZIP_HEADERS } : {}) })).body;
      } catch (err) {
        const e = err as { statusCode?: number; message?: string };
        throw new BulkRequestError(e.message ?? String(err), e.statusCode);
      }
      const verdicts = parseBulkResponseText(response, docs, kind === 'detailed');
      // A 2xx whose body is not a bulk response (a proxy's page, a cut-off answer): retry it all.
      if (verdicts === undefined) throw new BulkRequestError(`the bulk response was not JSON: ${response.slice(0, 200)}`, undefined);
      return verdicts;
    },
  };
}
