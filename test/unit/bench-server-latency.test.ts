// The harness's reading of the gateway's request-duration histogram (bench/lib/server-latency.ts):
// #4a's server-side p99 and the search scenario's latencies come from it.
import { describe, expect, it } from 'vitest';
import { bucketsIn, serverLatency } from '../../bench/lib/server-latency.ts';

const ROUTE = '/v1/events/:stream';
const exposition = (counts: Record<string, number>, status = 202) => Object.entries(counts)
  .map(([le, n]) => `es_gateway_http_request_duration_seconds_bucket{le="${le}",method="POST",route="${ROUTE}",status="${status}"} ${n}`)
  .join('\n');

describe('bench server latency', () => {
  it('reads one route and status, and sums the other labels', () => {
    const text = [
      exposition({ '0.001': 1, '0.005': 3, '+Inf': 4 }),
      exposition({ '0.001': 2, '0.005': 2, '+Inf': 2 }),
      exposition({ '0.001': 100, '0.005': 100, '+Inf': 100 }, 503),
      'es_gateway_http_request_duration_seconds_count{route="/v1/events/:stream",status="202"} 6',
    ].join('\n');
    expect(bucketsIn(text, ROUTE, 202)).toEqual({ '0.001': 3, '0.005': 5, '+Inf': 6 });
  });

  it('gives the window between two readings, percentiles as the bound of their bucket', () => {
    const before = { '0.001': 10, '0.005': 10, '0.01': 10, '+Inf': 10 };
    // 100 requests in the window: 90 within 1 ms, 9 more within 5 ms, 1 within 10 ms.
    const after = { '0.001': 100, '0.005': 109, '0.01': 110, '+Inf': 110 };
    const w = serverLatency(before, after);
    expect(w?.count).toBe(100);
    expect(w?.p50Ms).toBe(1);
    expect(w?.p99Ms).toBe(5);
    expect(w?.within).toEqual({ '0.001': 0.9, '0.005': 0.99, '0.01': 1 });
  });

  it('has nothing to say about a window without requests', () => {
    expect(serverLatency({ '0.001': 3, '+Inf': 3 }, { '0.001': 3, '+Inf': 3 })).toBeUndefined();
  });
});
