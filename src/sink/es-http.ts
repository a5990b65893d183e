// The gateway's Elasticsearch client: HTTP/1.1 on node:http(s) with keep-alive sockets sized to
// the bulk in-flight cap, basic or API-key auth, and a timeout on the whole request. The gateway
// makes four kinds of call (bulk, cluster health, index template, nothing else), all plain JSON
// or NDJSON over REST, so it does not load @elastic/elasticsearch: that client brings its
// transport, undici (whose HTTP parser is WebAssembly compiled at load), apache-arrow and
// OpenTelemetry, ~8 MB of the gateway's idle RSS (bench/README.md, "Idle RSS").
import http from 'node:http';
import type { ElasticsearchConfig } from '../config/config.ts';
import { bulkBodyBytes } from './bulk-body.ts';

export interface EsRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Path and query string, e.g. `/_bulk?filter_path=errors`. */
  path: string;
  /** Buffers in a list are written one after the other (one writev), not joined first. */
  body?: Buffer | string | readonly Buffer[];
  /** Content type of the body (default application/json). */
  contentType?: string;
  headers?: Record<string, string>;
  /** Overrides the client's request timeout. */
  timeoutMs?: number;
}

export interface EsResponse {
  statusCode: number;
  /** The response body as text (UTF-8). */
  body: string;
}

/**
 * A request that did not get a 2xx answer. `statusCode` is Elasticsearch's status; undefined when
 * there was no answer at all (connection refused or reset, timeout).
 */
export class EsRequestError extends Error {
  readonly statusCode: number | undefined;
  constructor(message: string, statusCode: number | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EsRequestError';
    this.statusCode = statusCode;
  }
}

export interface EsHttp {
  /** Resolves with a 2xx answer; rejects with an EsRequestError otherwise. */
  request(req: EsRequest): Promise<EsResponse>;
  close(): Promise<void>;
}

/** "type: reason" of an Elasticsearch error body, or the body's start when it is not one. */
export function errorSummary(statusCode: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { type?: string; reason?: string } | string };
    const error = parsed.error;
    if (typeof error === 'string') return `${statusCode} ${error}`;
    if (error?.type !== undefined) return `${statusCode} ${error.type}: ${error.reason ?? ''}`.trim();
  } catch {
    // not JSON: say what it was
  }
  return `${statusCode} ${body.slice(0, 200)}`.trim();
}

/** The Authorization header for the configured credentials (API key wins), if any. */
export function authorizationHeader(es: Pick<ElasticsearchConfig, 'apiKey' | 'username' | 'password'>, url: URL): string | undefined {
  if (es.apiKey !== undefined) return `ApiKey ${es.apiKey}`;
  const username = es.username ?? (url.username === '' ? undefined : decodeURIComponent(url.username));
  const password = es.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password));
  if (username === undefined || password === undefined) return undefined;
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export function createEsHttp(es: ElasticsearchConfig, connections: number): EsHttp {
  const url = new URL(es.url);
  const secure = url.protocol === 'https:';
  // node:https (and TLS with it) only when the URL asks for it: loading it costs idle RSS.
  const transport: { request: typeof http.request; Agent: typeof http.Agent } = secure ? process.getBuiltinModule('node:https') : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const prefix = url.pathname.replace(/\/+$/, '');
  const authorization = authorizationHeader(es, url);
  const base = {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    agent,
  };

  function once(req: EsRequest): Promise<EsResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: 'application/json', 'user-agent': 'es-gateway', ...req.headers };
      if (authorization !== undefined) headers.authorization = authorization;
      if (req.body !== undefined) {
        headers['content-type'] = req.contentType ?? 'application/json';
        headers['content-length'] = typeof req.body === 'string' ? Buffer.byteLength(req.body) : Buffer.isBuffer(req.body) ? req.body.length : bulkBodyBytes(req.body);
      }
      const timeoutMs = req.timeoutMs ?? es.requestTimeoutMs;
      let settled = false;
      const outgoing = transport.request({ ...base, method: req.method, path: prefix + req.path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const statusCode = res.statusCode ?? 0;
          const body = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
          if (statusCode >= 200 && statusCode < 300) resolve({ statusCode, body });
          else reject(new EsRequestError(`Elasticsearch answered ${errorSummary(statusCode, body)}`, statusCode));
        });
      });
      function fail(err: Error): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // A kept-alive socket the server had already closed: safe and expected to try once more.
        const staleSocket = outgoing.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET';
        reject(new EsRequestError(`${req.method} ${req.path}: ${err.message}`, undefined, { cause: staleSocket ? STALE_SOCKET : err }));
      }
      const timer = setTimeout(() => {
        fail(new Error(`no answer within ${timeoutMs} ms`));
        outgoing.destroy();
      }, timeoutMs);
      outgoing.on('error', fail);
      const body = req.body;
      if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
        outgoing.end(body);
      } else {
        // Corked, the buffers go to the socket in one writev once it is connected.
        outgoing.cork();
        for (const b of body) outgoing.write(b);
        outgoing.uncork();
        outgoing.end();
      }
    });
  }

  return {
    async request(req) {
      try {
        return await once(req);
      } catch (err) {
        if ((err as EsRequestError).cause === STALE_SOCKET) return once(req);
        throw err;
      }
    },
    async close() {
      agent.destroy();
    },
  };
}

const STALE_SOCKET = Symbol('stale keep-alive socket');
