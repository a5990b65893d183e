// The gateway's one connection to Elasticsearch: the official client (@elastic/elasticsearch)
// with its pool of nodes, TLS, credentials, cloud id and product check. Every call goes through
// it — bulk, templates, health, the CLI's replay — as a raw request on the client's transport,
// so a bulk body goes out as the prebuilt buffers it is and its answer comes back as text.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Client, ClusterConnectionPool, HttpConnection, UndiciConnection, type ClientOptions } from '@elastic/elasticsearch';
import { ConfigError, type ElasticsearchConfig } from '../config/config.ts';
import { bulkBodyBytes } from './bulk-body.ts';
import { redactUrl } from './es-diagnosis.ts';

export interface EsRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Path and query string, e.g. `/_bulk?filter_path=errors`. */
  path: string;
  /** Buffers in a list are written one after the other, not joined first. */
  body?: Buffer | string | readonly Buffer[];
  /** Content type of the body (default application/json). */
  contentType?: string;
  headers?: Record<string, string>;
  /** Overrides the client's request timeout. */
  timeoutMs?: number;
  /** The Elasticsearch API it calls (`bulk`, `indices.refresh`): the name of the client's own trace span for it. */
  api?: string;
}

export interface EsResponse {
  statusCode: number;
  /** The response body as text (UTF-8). */
  body: string;
}

/**
 * A request that did not get a 2xx answer. `statusCode` is Elasticsearch's status; undefined when
 * there was no answer at all (connection refused or reset, timeout, TLS, not Elasticsearch).
 * `cause` is the client's error then.
 */
export class EsRequestError extends Error {
  readonly statusCode: number | undefined;
  constructor(message: string, statusCode: number | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EsRequestError';
    this.statusCode = statusCode;
  }
}

export interface EsClient {
  /** Resolves with a 2xx answer; rejects with an EsRequestError otherwise. */
  request(req: EsRequest): Promise<EsResponse>;
  /** The official client itself, for typed APIs (search). */
  readonly client: Client;
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

/** Told the outcome of every request the client sends, by node (its URL without credentials). */
export type NodeObserver = (node: string, ok: boolean) => void;

/**
 * The client's cluster pool (a failing node is left out until a ping finds it back), pinging a
 * dead node after 5 s instead of 60 s, doubling per failure up to 20 s instead of 32 minutes: a
 * restarted node of a small cluster takes its share again within seconds, not minutes, and a
 * ping every 20 s to a node that stays down costs nothing worth saving.
 */
class GatewayConnectionPool extends ClusterConnectionPool {
  constructor(opts: ConstructorParameters<typeof ClusterConnectionPool>[0]) {
    super(opts);
    this.resurrectTimeout = RESURRECT_MS;
    this.resurrectTimeoutCutoff = RESURRECT_DOUBLINGS;
  }
}
export const RESURRECT_MS = 5000;
const RESURRECT_DOUBLINGS = 2;

/** The client's options for a configuration: nodes or cloud id, credentials, TLS, sniffing. */
export function clientOptions(es: ElasticsearchConfig, connections: number, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): ClientOptions {
  const auth = es.apiKey !== undefined ? { apiKey: es.apiKey }
    : es.bearerToken !== undefined ? { bearer: es.bearerToken }
      : es.username !== undefined && es.password !== undefined ? { username: es.username, password: es.password }
        : undefined;
  const tls = {
    ...(es.caFile === undefined ? {} : { ca: readCa(es.caFile, readFile) }),
    // A pinned CA fingerprint is the check then: the client compares it on every new connection.
    rejectUnauthorized: es.tlsRejectUnauthorized && es.caFingerprint === undefined,
  };
  const undici = es.connectionClass === 'undici';
  return {
    ...(es.cloudId === undefined ? { nodes: es.nodes } : { cloud: { id: es.cloudId } }),
    ...(auth === undefined ? {} : { auth }),
    tls,
    ...(es.caFingerprint === undefined ? {} : { caFingerprint: es.caFingerprint }),
    Connection: undici ? UndiciConnection : HttpConnection,
    ...(es.cloudId === undefined ? { ConnectionPool: GatewayConnectionPool } : {}),
    // Sockets per node: the bulk in-flight cap plus a few for health checks and templates.
    agent: undici ? { connections } : { keepAlive: true, maxSockets: connections, maxFreeSockets: connections },
    requestTimeout: es.requestTimeoutMs,
    // A failed call is sent once to each other node, never with the client's backoff (seconds):
    // bulk requests are retried by the dispatcher (one policy, with its backoff), health probes
    // must answer quickly, and template installs retry on their own.
    maxRetries: Math.max(0, es.nodes.length - 1),
    compression: false,
    // 'remove' drops credentials from errors in place; 'replace' would deep-copy them, bodies included.
    redaction: { type: 'remove' },
    sniffOnStart: es.sniff,
    sniffInterval: es.sniff ? 300_000 : false,
    sniffOnConnectionFault: es.sniff,
    name: 'es-gateway',
  };
}

function readCa(file: string, readFile: (path: string) => string): string {
  let pem: string;
  try {
    pem = readFile(file);
  } catch (err) {
    throw new ConfigError([`ES_CA_FILE ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError([`ES_CA_FILE ${file}: not a PEM certificate`]);
  return pem;
}

export function createEsClient(es: ElasticsearchConfig, connections: number, observe?: NodeObserver): EsClient {
  const client = new Client(clientOptions(es, connections));
  const pool = client.connectionPool;
  if (observe !== undefined) watchNodes(client, observe);

  async function request(req: EsRequest): Promise<EsResponse> {
    const body = req.body;
    const headers: Record<string, string> = { ...req.headers };
    if (body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      if (typeof body !== 'string' && !Buffer.isBuffer(body)) headers['content-length'] = String(bulkBodyBytes(body));
    }
    const [path, query] = splitQuery(req.path);
    let result;
    try {
      result = await client.transport.request({
        method: req.method,
        path,
        ...(query === undefined ? {} : { querystring: query }),
        // The client traces a request (a span under the active one) when it knows its API's name.
        meta: { name: req.api ?? `${req.method} ${path}` },
        // A list of buffers goes as a stream of them (the client joins nothing): such a body is
        // not retried by the client, which is what a bulk request wants anyway.
        ...(body === undefined ? {} : { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : new BufferListBody(body) }),
      }, {
        headers,
        asStream: true,
        meta: true,
        ...(req.timeoutMs === undefined ? {} : { requestTimeout: req.timeoutMs }),
        ...(typeof body === 'string' || Buffer.isBuffer(body) || body === undefined ? {} : { maxRetries: 0 }),
      });
    } catch (err) {
      throw new EsRequestError(`${req.method} ${req.path}: ${(err as Error).message}`, undefined, { cause: err });
    }
    const text = await readText(result.body as AsyncIterable<Buffer | string>);
    const statusCode = result.statusCode ?? 0;
    // Streamed answers skip the client's own bookkeeping of the node: keep its pool's view right.
    const connection = result.meta.connection;
    if (connection !== null) {
      if (statusCode === 502 || statusCode === 503 || statusCode === 504) pool.markDead(connection);
      else pool.markAlive(connection);
    }
    if (statusCode >= 200 && statusCode < 300) return { statusCode, body: text };
    throw new EsRequestError(`Elasticsearch answered ${errorSummary(statusCode, text)}`, statusCode);
  }

  return {
    request,
    client,
    close: () => client.close(),
  };
}

/**
 * Reports each attempt's node and outcome from the client's diagnostic events. The node is taken
 * when the attempt starts: a failed request's error has its connection removed (redaction).
 */
function watchNodes(client: Client, observe: NodeObserver): void {
  const nodeOf = new Map<unknown, string>();
  const name = (url: URL) => redactUrl(url.toString()).replace(/\/$/, '');
  client.diagnostic.on('request', (_err, result) => {
    const id = result?.meta.request.id;
    // A request started again: its attempt on the previous node failed (the client retried it).
    const previous = nodeOf.get(id);
    if (previous !== undefined) observe(previous, false);
    const connection = result?.meta.connection;
    if (connection != null) nodeOf.set(id, name(connection.url));
  });
  client.diagnostic.on('response', (err, result) => {
    const id = result?.meta.request.id;
    const node = nodeOf.get(id);
    nodeOf.delete(id);
    if (node === undefined) return;
    const status = result?.statusCode ?? 0;
    observe(node, err === null && status !== 502 && status !== 503 && status !== 504);
  });
}

/**
 * A bulk body's buffers as the stream the client's transport takes. Piped into the request, it
 * writes them corked, as they lie: one writev, instead of one write per chunk through a stream's
 * flow (bench/README "The Elasticsearch client"). Read as a plain stream, it gives the same bytes.
 */
class BufferListBody extends Readable {
  private readonly buffers: readonly Buffer[];
  private sent = false;
  constructor(buffers: readonly Buffer[]) {
    super();
    this.buffers = buffers;
  }
  override _read(): void {
    if (this.sent) return;
    this.sent = true;
    for (const b of this.buffers) this.push(b);
    this.push(null);
  }
  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    if (this.sent) return super.pipe(destination, options);
    this.sent = true;
    const out = destination as unknown as NodeJS.WritableStream & { cork(): void; uncork(): void };
    out.cork();
    for (const b of this.buffers) out.write(b);
    process.nextTick(() => out.uncork());
    if (options?.end !== false) out.end();
    // Ended without data: 'end' tells a pipeline() to finish (and to end the request).
    this.push(null);
    this.resume();
    return destination;
  }
}

function splitQuery(path: string): [string, string | undefined] {
  const q = path.indexOf('?');
  return q < 0 ? [path, undefined] : [path.slice(0, q), path.slice(q + 1)];
}

async function readText(body: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
}
