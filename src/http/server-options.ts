// The gateway's own listener, as hostile clients meet it: Node's timeouts for slow headers, slow
// bodies and idle connections; optional TLS whose files are read again when they change; the
// answer to a request Node refuses before any route sees it (problem+json, not Fastify's JSON);
// and what the logs never show.
import { randomUUID } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { ConfigError, type ServerConfig } from '../config/config.ts';
import { PROBLEM_BASE, sendProblem, withoutUserinfo } from './problem.ts';

/**
 * Node's own request timeout backs up the route's body deadline (GATEWAY_REQUEST_TIMEOUT_MS,
 * body-decoder.ts), which answers first with a proper problem; this long after it, Node cuts
 * whatever is left (requests whose bodies no route reads).
 */
const BACKSTOP_MS = 5000;

/** Headers whose values never reach a log line; pino paths under the request and response serialisers. */
export const ALWAYS_REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'headers["x-api-key"]',
];

export function redactPaths(server: ServerConfig): string[] {
  return [...ALWAYS_REDACTED, ...server.logRedact];
}

/**
 * How an error is logged: its type, message, stack, code and status, with URL credentials
 * blanked — not its other members (an Elasticsearch client error's `meta` holds the whole
 * request it failed, headers included). What is logged as `err` without being an Error (some
 * log lines pass the message alone) is kept as it is, a string with URL credentials blanked.
 */
type LoggedError = { type: string; message: string; stack: string; [k: string]: unknown };
export function logSafeError(err: Error & { code?: unknown; statusCode?: unknown }): LoggedError {
  if (!(err instanceof Error)) return (typeof err === 'string' ? withoutUserinfo(err) : err) as unknown as LoggedError;
  return {
    type: err.name,
    message: withoutUserinfo(String(err.message)),
    stack: withoutUserinfo(err.stack ?? ''),
    ...(err.code === undefined ? {} : { code: err.code }),
    ...(err.statusCode === undefined ? {} : { statusCode: err.statusCode }),
  };
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export function readTlsFiles(tls: NonNullable<ServerConfig['tls']>): TlsFiles {
  return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
}

/** The TLS pair at start-up, checked (readable PEM, key matching the certificate), or a ConfigError. */
function loadTlsAtStart(tls: NonNullable<ServerConfig['tls']>): TlsFiles {
  try {
    const files = readTlsFiles(tls);
    createSecureContext(files);
    return files;
  } catch (err) {
    throw new ConfigError([`GATEWAY_TLS_CERT_FILE ${tls.certFile} / GATEWAY_TLS_KEY_FILE ${tls.keyFile}: ${(err as Error).message}`]);
  }
}

/** Fastify's server options for the listener: timeouts, TLS, the early-error answers. */
export function listenerOptions(server: ServerConfig): Pick<FastifyServerOptions, 'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout' | 'clientErrorHandler' | 'frameworkErrors'> & { http?: object; https?: object } {
  const requestTimeout = server.requestTimeoutMs + BACKSTOP_MS;
  const node = {
    headersTimeout: server.headersTimeoutMs,
    requestTimeout,
    // How often Node looks for connections past those timeouts (its default, 30 s, would let a
    // slow-header client hold its socket up to 30 s past GATEWAY_HEADERS_TIMEOUT_MS).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(server.headersTimeoutMs / 4))),
  };
  const tls = server.tls === undefined ? undefined : loadTlsAtStart(server.tls);
  return {
    connectionTimeout: server.socketTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    requestTimeout,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    ...(tls === undefined ? { http: node } : { https: { ...node, ...tls } }),
  };
}

/**
 * Node refused the request before it reached a route (headers too slow or too large, bad
 * HTTP): a problem+json answer when the socket can still take one, then the socket closes.
 */
function answerClientError(this: { log: FastifyBaseLogger }, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, slug, detail] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? [408, 'request-timeout', 'the request headers (or a body no route read) did not arrive in time']
    : err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers-too-large', 'the request headers are larger than the server takes']
      : [400, 'bad-http', 'the request is not valid HTTP/1.1'];
  this.log.debug({ code: err.code, status }, 'client error before routing');
  if (socket.writable) {
    const title = STATUS_CODES[status] ?? 'Client error';
    const body = JSON.stringify({ type: PROBLEM_BASE + slug, title, status, detail, requestId: randomUUID() });
    socket.write(`HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

/**
 * The router refused the URL before any route or error handler ran (a bad percent-encoding, a
 * path parameter past its maximum length): problem+json, as every other refusal.
 */
function answerFrameworkError(err: Error & { statusCode?: number; code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const status = err.statusCode !== undefined && err.statusCode < 500 ? err.statusCode : 500;
  if (status === 500) {
    request.log.error({ err }, 'request failed before routing');
    void sendProblem(request, reply, 500, 'internal-error', 'Internal error', 'the gateway failed to handle this request; it has been logged');
    return;
  }
  const detail = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment of this URL is longer than the server takes' : 'the URL is not valid (a bad percent-encoding?)';
  void sendProblem(request, reply, status, 'invalid-url', STATUS_CODES[status] ?? 'Bad request', detail);
}

/**
 * Watches the certificate and key files (polling their status: Kubernetes swaps a mounted
 * secret's files through a symlink, which file events miss) and hands the new pair to
 * `apply` when either changes; a pair that does not load is logged and the old one kept.
 * Returns the stop function.
 */
export function watchTlsFiles(tls: NonNullable<ServerConfig['tls']>, apply: (files: TlsFiles) => void, log: FastifyBaseLogger, intervalMs = 1000): () => void {
  const reload = () => {
    try {
      apply(readTlsFiles(tls));
      log.info({ cert: tls.certFile }, 'TLS certificate reloaded');
    } catch (err) {
      log.warn({ cert: tls.certFile, error: (err as Error).message }, 'TLS certificate or key could not be loaded: the previous pair stays in use');
    }
  };
  const onChange = (now: { mtimeMs: number; ino: number }, before: { mtimeMs: number; ino: number }) => { if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino) reload(); };
  for (const file of [tls.certFile, tls.keyFile]) watchFile(file, { interval: intervalMs, persistent: false }, onChange);
  return () => {
    for (const file of [tls.certFile, tls.keyFile]) unwatchFile(file, onChange);
  };
}
