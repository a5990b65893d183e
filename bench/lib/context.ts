// What every scenario gets: the mode's settings, the request bodies, where to write results,
// and the figures earlier scenarios measured (later ones and the targets use them).
import type { ElasticsearchNode } from '../../scripts/elasticsearch.ts';
import type { Results } from './report.ts';

export interface Settings {
  mode: 'quick' | 'full';
  /** Seconds of unrecorded load before each measured full-speed run (JIT, connections). */
  warmupSeconds: number;
  /** Seconds of each measured full-speed run (scenarios 1 and 2). */
  seconds: number;
  /** Keep-alive connections of the full-speed generator. */
  connections: number;
  /** Events per request to the gateway (and the ceiling servers). */
  eventsPerRequest: number;
  /** GATEWAY_BATCH_MAX_DOCS, and the size of the generator's own `_bulk` requests in scenario 3. */
  bulkDocs: number;
  /** Events sent through each path in scenario 3, and how many rounds (paths alternate). */
  s3Events: number;
  s3Rounds: number;
  /** Events each scenario-3 gateway is sent (to an index of its own) before its measured run. */
  s3GatewayWarmupEvents: number;
  /** Seconds of each fixed-rate latency run. */
  latencySeconds: number;
  /** Seconds of full-speed posting while Elasticsearch is paused. */
  overloadSeconds: number;
  /** GATEWAY_SPOOL_MAX_BYTES in scenario 5: bounds how much there is to drain (and so the run's length). */
  overloadSpoolMaxBytes: number;
  /** The disk's limits: bytes written sequentially; seconds of appends with an fdatasync per interval. */
  diskSequentialBytes: number;
  diskAppendSeconds: number;
}

export const QUICK: Settings = {
  mode: 'quick', warmupSeconds: 1, seconds: 4, connections: 8, eventsPerRequest: 1000, bulkDocs: 5000,
  s3Events: 60_000, s3Rounds: 1, s3GatewayWarmupEvents: 20_000, latencySeconds: 4, overloadSeconds: 15, overloadSpoolMaxBytes: 64 * 2 ** 20,
  diskSequentialBytes: 256 * 2 ** 20, diskAppendSeconds: 2,
};

export const FULL: Settings = {
  mode: 'full', warmupSeconds: 5, seconds: 20, connections: 8, eventsPerRequest: 1000, bulkDocs: 5000,
  s3Events: 500_000, s3Rounds: 2, s3GatewayWarmupEvents: 100_000, latencySeconds: 20, overloadSeconds: 60, overloadSpoolMaxBytes: 256 * 2 ** 20,
  diskSequentialBytes: 1024 * 2 ** 20, diskAppendSeconds: 5,
};

export interface Measured {
  s1ReadEventsPerSec?: number;
  s1ParseEventsPerSec?: number;
  s2EventsPerSec?: number;
  s2IdleRssMb?: number;
  /** Scenario 2 at full speed: client-side p99 (ms), for #6's latency beside memory mode's. */
  s2P99Ms?: number;
  /** Scenario 2 with GATEWAY_DURABILITY=durable (interval fsync), in the same run. */
  s2DurableEventsPerSec?: number;
  s2DurableP99Ms?: number;
  s2DurableMbPerSec?: number;
  /** The disk's own limits in the spool's folder (bench/lib/disk.ts). */
  diskSequentialMbPerSec?: number;
  diskAppendMbPerSec?: number;
  diskFsyncIntervalMs?: number;
  s3GatewayDocsPerSec?: number;
  s3DirectDocsPerSec?: number;
  /** CPU per document (µs): the gateway's own on its path, and the node's on the direct path. */
  s3GatewayMicrosPerDoc?: number;
  s3NodeMicrosPerDoc?: number;
  /** Scenario 4a: client-side p99, and the p99 by the gateway's own request-duration histogram. */
  s4AcceptedP99Ms?: number;
  s4ServerP99Ms?: number;
  s5PeakRssMb?: number;
  s5Crashed?: boolean;
  s5Lost?: number;
  s5IdleRssMb?: number;
}

export interface Context {
  settings: Settings;
  results: Results;
  tmpDir: string;
  /** Lowercase id of this run, used in index names. */
  runTag: string;
  /** The no-id event bodies (NDJSON, eventsPerRequest each) cycled by the load generators. */
  bodies: Buffer[];
  bodyBytes: number;
  measured: Measured;
  /** A checkout to run the gateway from instead of this one (before/after comparisons). */
  gatewayRoot?: string;
  es?: ElasticsearchNode;
}

export const NDJSON = 'application/x-ndjson';
export const STREAM = 'bench';

/** Average body size of the pool, for MB/s. */
export function averageBytes(bodies: readonly Buffer[]): number {
  return bodies.reduce((a, b) => a + b.length, 0) / bodies.length;
}
