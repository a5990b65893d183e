// How much of a large NDJSON body the main thread frames itself while idle framing workers frame
// the rest: the share at which all of them finish together, from how fast each has been framing.
// A request's ack waits for its slowest part, so with equal speeds and one worker that is half
// the body each, rather than a fixed quarter (bench/README.md, "The main thread's share of
// framing").

/** Framing speeds in bytes per millisecond, smoothed over recent bodies. */
export class FramingSpeeds {
  main: number;
  worker: number;
  private readonly weight: number;

  /** `initial`: the speed both start from, until measured; `weight`: of each new measurement. */
  constructor(initial: number, weight = 0.2) {
    this.main = initial;
    this.worker = initial;
    this.weight = weight;
  }

  /** Records that `bytes` took `ms` on the main thread or a worker (ignored when too short to time). */
  record(thread: 'main' | 'worker', bytes: number, ms: number): void {
    if (!(ms >= 0.05) || bytes <= 0) return;
    this[thread] += this.weight * (bytes / ms - this[thread]);
  }
}

/**
 * Bytes of a `total`-byte body for the main thread when it and `workers` idle workers frame it
 * together and should finish together; kept within [minBytes, maxBytes] and the body. (Bounds on
 * both sides keep every thread framing a piece, so each one's speed stays measured: one slow
 * measurement cannot shut a thread out for good.) Pure.
 */
export function mainThreadShare(total: number, workers: number, speeds: Pick<FramingSpeeds, 'main' | 'worker'>, minBytes: number, maxBytes: number): number {
  const share = Math.round((total * speeds.main) / (speeds.main + workers * speeds.worker));
  return Math.max(0, Math.min(total, maxBytes, Math.max(minBytes, share)));
}
