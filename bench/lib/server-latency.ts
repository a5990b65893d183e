// The gateway's own view of its latency: its request-duration histogram
// (es_gateway_http_request_duration_seconds) for one route and status, read from /metrics before
// and after a window; percentiles as the bound of the bucket they fall in.

export interface ServerLatency {
  count: number;
  /** Share of requests within each bucket bound (seconds, as the metric's `le`). */
  within: Record<string, number>;
  /** Percentiles as the bound of the bucket they fall in (ms): the percentile is at most this. */
  p50Ms: number;
  p99Ms: number;
}

/** One route's buckets of es_gateway_http_request_duration_seconds with one status, summed over any other labels. */
export async function routeBuckets(url: string, route: string, status: number): Promise<Record<string, number>> {
  return bucketsIn(await (await fetch(`${url}/metrics`)).text(), route, status);
}

/** routeBuckets' reading of a Prometheus text exposition: cumulative counts by `le`. */
export function bucketsIn(text: string, route: string, status: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('es_gateway_http_request_duration_seconds_bucket{') || !line.includes(`route="${route}"`) || !line.includes(`status="${status}"`)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le !== undefined) out[le] = (out[le] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

/** The window between two readings of routeBuckets; undefined when it saw no request. */
export function serverLatency(before: Record<string, number>, after: Record<string, number>): ServerLatency | undefined {
  const bounds = Object.keys(after).map((le) => ({ le, s: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), n: (after[le] ?? 0) - (before[le] ?? 0) })).sort((a, b) => a.s - b.s);
  const count = bounds.at(-1)?.n ?? 0;
  if (count === 0) return undefined;
  // The first bucket is 1 ms wide: interpolating inside it would only restate the bucket's shape.
  const quantile = (q: number): number => bounds.find((b) => b.n >= q * count)?.s ?? Number.NaN;
  const ms = (s: number) => s * 1000;
  return { count, within: Object.fromEntries(bounds.filter((b) => b.s <= 0.01).map((b) => [b.le, b.n / count])), p50Ms: ms(quantile(0.5)), p99Ms: ms(quantile(0.99)) };
}
