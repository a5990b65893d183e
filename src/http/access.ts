// Who may call which route, checked before a body is read: the API key (credentials.ts,
// key-store.ts), the operation and exact target the route declares in its `access` config, the
// ops routes' address allow-list, and the key's ingest byte quota. Refusals: 401 with
// WWW-Authenticate, 403 naming the operation and target (never which keys exist), 429 for a
// quota; as problem+json, or in Elasticsearch's shape on the Elasticsearch-compatible routes.
import { BlockList, isIP } from 'node:net';
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ByteQuotas } from '../auth/byte-quota.ts';
import { presentedKey } from '../auth/credentials.ts';
import type { ApiKey, KeyStore } from '../auth/key-store.ts';
import type { AuthConfig } from '../config/config.ts';
import { esError } from './es-compat-answers.ts';
import { sendProblem } from './problem.ts';

/** What a route is for, as its `config.access` says; routes without one need an admin key. */
export type AccessRule =
  /** /healthz, /readyz, the OpenAPI document: no key. */
  | { kind: 'open' }
  /** /metrics: no key from GATEWAY_OPS_ALLOW's addresses, else an admin key. */
  | { kind: 'ops' }
  /** The /v1 routes: the operation on the stream in the path. */
  | { kind: 'stream'; op: 'ingest' | 'search' }
  /** The Elasticsearch-compatible routes: any key (`GET /`), or ingest to the path's index (if any; bulk items are checked one by one). */
  | { kind: 'es'; op: 'any' | 'ingest' };

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's API key; undefined with GATEWAY_AUTH=off and on open routes. */
    apiKey: ApiKey | undefined;
  }
  interface FastifyContextConfig {
    access?: AccessRule;
  }
}

const WWW_AUTHENTICATE = 'ApiKey realm="es-gateway", Bearer realm="es-gateway"';
const WWW_AUTHENTICATE_ES = `${WWW_AUTHENTICATE}, Basic realm="es-gateway", charset="UTF-8"`;

export interface AccessDeps {
  config: AuthConfig;
  /** undefined with GATEWAY_AUTH=off. */
  keys: KeyStore | undefined;
  now: () => number;
}

function allowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const e of entries) {
    const [ip = '', bits] = e.split('/');
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, Number(bits), type);
  }
  return list;
}

function refuse(request: FastifyRequest, reply: FastifyReply, es: boolean, status: number, slug: string, title: string, detail: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', es ? WWW_AUTHENTICATE_ES : WWW_AUTHENTICATE);
  if (es) return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(esError(status, status === 429 ? 'es_rejected_execution_exception' : 'security_exception', detail)));
  return sendProblem(request, reply, status, slug, title, detail);
}

export function registerAccess(app: FastifyInstance, deps: AccessDeps): void {
  const ops = allowList(deps.config.opsAllow);
  const quotas = new ByteQuotas(deps.now);
  app.decorateRequest('apiKey', undefined);

  const fromOpsAddress = (request: FastifyRequest): boolean => {
    const ip = request.socket.remoteAddress ?? '';
    const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    return isIP(v4) === 4 ? ops.check(v4, 'ipv4') : isIP(ip) === 6 && ops.check(ip, 'ipv6');
  };

  app.addHook('onRequest', async (request, reply) => {
    const rule = request.routeOptions.config.access;
    if (deps.keys === undefined || rule?.kind === 'open' || request.routeOptions.url === undefined) return;
    if (rule?.kind === 'ops' && fromOpsAddress(request)) return;
    const es = rule?.kind === 'es';
    const presented = presentedKey(request.headers.authorization, es);
    const key = presented === undefined ? undefined : deps.keys.find(presented.key);
    if (key === undefined || (presented?.claimedName !== undefined && presented.claimedName !== key.entry.name)) {
      return refuse(request, reply, es, 401, 'unauthorized', 'Unauthorized', presented === undefined
        ? `this route needs an API key: Authorization: ApiKey <key>${es ? ', Bearer <key>, or Basic with the key\'s name and the key' : ' or Bearer <key>'}`
        : 'the credentials presented are not valid');
    }
    const params = request.params as { stream?: string; index?: string };
    let denied: string | undefined;
    if (rule === undefined || rule.kind === 'ops') {
      if (!key.may('admin')) denied = `this key may not use ${request.routeOptions.url} (admin)`;
    } else if (rule.kind === 'stream') {
      const stream = params.stream ?? '';
      if (!key.may(rule.op) || !key.mayUseStream(stream)) denied = `this key may not ${rule.op} stream ${stream}`;
    } else if (rule.op === 'ingest') {
      if (!key.may('ingest')) denied = 'this key may not ingest';
      else if (params.index !== undefined && !key.mayWriteIndex(params.index)) denied = `this key may not ingest into index ${params.index}`;
    }
    if (denied !== undefined) return refuse(request, reply, es, 403, 'forbidden', 'Forbidden', denied);
    request.apiKey = key;
    const rate = key.entry.ingestBytesPerSecond;
    if (rate !== undefined && (rule?.kind === 'stream' || rule?.kind === 'es') && rule.op === 'ingest') {
      const wait = quotas.waitSeconds(key.entry.name, rate);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        return refuse(request, reply, es, 429, 'quota-exceeded', 'Ingest quota exceeded', `this key may send ${rate} bytes per second; it sent more: retry after ${wait} s`);
      }
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared)) quotas.take(key.entry.name, rate, declared);
    }
    return undefined;
  });

  // A body without Content-Length is counted against the key's quota as its bytes arrive.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const rate = request.apiKey?.entry.ingestBytesPerSecond;
    if (rate === undefined || request.headers['content-length'] !== undefined) return payload;
    const name = (request.apiKey as ApiKey).entry.name;
    return payload.pipe(new Transform({
      transform(chunk: Buffer, _enc, done) {
        quotas.take(name, rate, chunk.length);
        done(null, chunk);
      },
    }));
  });
}
