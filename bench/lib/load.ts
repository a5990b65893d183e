// Load generation. Full speed: autocannon (closed loop, N keep-alive connections, prebuilt
// requests). Two things autocannon cannot express are done with node:http directly:
// - a fixed-rate, open-loop schedule for latency (autocannon's rate options send each
//   connection's quota back to back at the start of every second, all connections on the same
//   tick, so "fixed rate" would mean periodic bursts; Debian's wrk has no -R, that is wrk2).
//   Requests leave on schedule whether or not earlier ones were answered, so a slow response
//   cannot hold back the requests behind it (no coordinated omission);
// - a sender that delivers a given set of bodies exactly once each, honouring 429/503 with
//   Retry-After like a well-behaved shipper (scenario 3 needs every event to arrive once).
import http from 'node:http';
import autocannon, { type Options } from 'autocannon';
import { sleep } from './proc.ts';

export interface FullSpeedResult {
  seconds: number;
  requests2xx: number;
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  latencyMs: Percentiles;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  samples: number;
}

/** autocannon against `url` with the given bodies (cycled), for `seconds`. */
export async function fullSpeed(url: string, bodies: Buffer[], opts: { seconds: number; connections: number; contentType: string }): Promise<FullSpeedResult> {
  return runAutocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    timeout: 30,
    requests: bodies.map((body) => ({ method: 'POST', headers: { 'content-type': opts.contentType }, body })),
  });
}

/** Runs autocannon, keeping every 2xx response time (exact percentiles, sub-millisecond). */
export async function runAutocannon(opts: Options): Promise<FullSpeedResult> {
  const times: number[] = [];
  const instance = autocannon(opts);
  instance.on('response', (_client, status, _bytes, ms) => { if (status >= 200 && status < 300) times.push(ms); });
  const result = await instance;
  const statusCounts: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCounts[code] = count;
  return {
    seconds: result.duration,
    requests2xx: result['2xx'],
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: percentiles(times),
  };
}

export function percentiles(samples: number[]): Percentiles {
  const s = Float64Array.from(samples).sort();
  const at = (p: number) => (s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number));
  return { p50: at(50), p95: at(95), p99: at(99), max: s.length === 0 ? Number.NaN : (s[s.length - 1] as number), samples: s.length };
}

interface PostResult { status: number; body: string; retryAfter: number | undefined }

function post(agent: http.Agent, url: URL, body: Buffer, contentType: string): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const ra = Number(res.headers['retry-after']);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), retryAfter: Number.isFinite(ra) ? ra : undefined });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface PacedResult {
  seconds: number;
  sent: number;
  statusCounts: Record<string, number>;
  errors: number;
  latencyMs: Percentiles;
  /** Requests the generator itself dispatched more than 2 ms after their slot (its own lag). */
  late: number;
}

/** Open-loop load: `ratePerSecond` requests, evenly spaced, for `seconds`; bodies cycled. */
export async function paced(url: string, bodies: Buffer[], opts: { ratePerSecond: number; seconds: number; maxConnections: number; contentType: string }): Promise<PacedResult> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxConnections });
  const interval = 1000 / opts.ratePerSecond;
  const total = Math.round(opts.ratePerSecond * opts.seconds);
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  let late = 0;
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    if (sentAt - due > 2) late++;
    const body = bodies[i % bodies.length] as Buffer;
    // Measured from the dispatch: a request that finds every connection busy waits in the
    // agent's queue, and that wait counts.
    inflight.push(post(agent, target, body, opts.contentType).then(
      (r) => { latencies.push(performance.now() - sentAt); statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1; },
      () => { errors++; },
    ));
    if (inflight.length > 10_000) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { seconds, sent: total, statusCounts, errors, latencyMs: percentiles(latencies), late };
}

export interface DeliverResult {
  firstSendAt: number;
  lastResponseAt: number;
  requests: number;
  refused: number;
}

/**
 * Sends every body once successfully over `concurrency` keep-alive connections; a 429/503 is
 * retried after its Retry-After (capped at `maxBackoffMs`), any other non-2xx is an error.
 */
export async function deliverAll(url: string, bodies: Buffer[], opts: { concurrency: number; contentType: string; maxBackoffMs?: number; check?: (body: string) => string | undefined }): Promise<DeliverResult> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  let next = 0;
  let requests = 0;
  let refused = 0;
  const firstSendAt = performance.now();
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      for (;;) {
        requests++;
        const r = await post(agent, target, bodies[i] as Buffer, opts.contentType);
        if (r.status === 429 || r.status === 503) {
          refused++;
          await sleep(Math.min((r.retryAfter ?? 1) * 1000, opts.maxBackoffMs ?? 1000));
          continue;
        }
        if (r.status < 200 || r.status > 299) throw new Error(`POST ${url}: ${r.status} ${r.body.slice(0, 300)}`);
        const problem = opts.check?.(r.body);
        if (problem !== undefined) throw new Error(`POST ${url}: ${problem}`);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  agent.destroy();
  return { firstSendAt, lastResponseAt: performance.now(), requests, refused };
}
