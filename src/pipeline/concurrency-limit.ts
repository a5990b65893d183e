// How many bulk requests may be in flight: between 1 and `max`, adapted by AIMD to what
// Elasticsearch says. Pure: the caller passes each bulk's outcome and latency.
//
// - Starts at `max`: that is what the gateway sent before this limit existed and what the
//   connection pool is sized for; a healthy node takes it (scenario 3 sees no 429s at 4), so
//   starting lower would only slow the first seconds. The limit moves only when Elasticsearch
//   pushes back.
// - Multiplicative decrease: a bulk rejected for overload (the whole request 429, or any item
//   429 / es_rejected_execution_exception) halves the limit (at least 1). A bulk that failed
//   (unreachable, timeout, 5xx) leaves it alone: outages are the circuit breaker's, which counts
//   failed bulks in a time window — halving on timeouts left one 30 s bulk in flight at a time
//   against a frozen node, too few failures for the breaker ever to open (bench/README.md, "Bulk
//   responses, metrics, in-flight limit, compression"). Bulks already in flight when it halved
//   carry news of the same congestion: their rejections do not halve it again.
// - Additive increase: +1 (up to `max`) after a window of `limit` bulks, all sent after the
//   last change, that all succeeded without 429s — unless the window's latency per document
//   grew past twice the baseline. The baseline is the lowest window mean seen, allowed to
//   drift up by 10% per window so that a node that got slower for good stops holding the limit
//   back after a few windows (4× slower: 9 windows). Per document so that partial batches and
//   full ones compare.

const LATENCY_GROWTH_LIMIT = 2;
const BASELINE_DRIFT = 1.1;

export type BulkOutcome = 'ok' | 'overloaded' | 'failed';

export class ConcurrencyLimit {
  readonly max: number;
  private current: number;
  /** Bulks started so far; each bulk's number is its ticket. */
  private started = 0;
  /** Bulks numbered up to this one were sent before the last halving: their rejections are the same news. */
  private halvedAfter = 0;
  /** Bulks numbered up to this one were sent before the last change: they do not count toward a window. */
  private changedAfter = 0;
  private windowBulks = 0;
  private windowMsPerDoc = 0;
  private baselineMsPerDoc = Number.POSITIVE_INFINITY;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
    this.max = max;
    this.current = max;
  }

  get limit(): number {
    return this.current;
  }

  /** A bulk is being sent: its ticket, to pass to `finished`. */
  begin(): number {
    return ++this.started;
  }

  /** The bulk with this ticket finished: `ok` (every item answered, none 429), `overloaded` (429s) or `failed` (no answer). */
  finished(ticket: number, outcome: BulkOutcome, latencyMs: number, docs: number): void {
    if (outcome === 'failed') return;
    if (outcome === 'overloaded') {
      if (ticket <= this.halvedAfter) return;
      this.halvedAfter = this.started;
      this.change(Math.max(1, Math.floor(this.current / 2)));
      return;
    }
    if (ticket <= this.changedAfter) return;
    this.windowBulks++;
    this.windowMsPerDoc += latencyMs / Math.max(1, docs);
    if (this.windowBulks < this.current) return;
    const mean = this.windowMsPerDoc / this.windowBulks;
    const grew = mean > LATENCY_GROWTH_LIMIT * this.baselineMsPerDoc;
    this.baselineMsPerDoc = Math.min(mean, this.baselineMsPerDoc * BASELINE_DRIFT);
    if (!grew && this.current < this.max) this.change(this.current + 1);
    else this.resetWindow();
  }

  private change(limit: number): void {
    this.current = limit;
    this.changedAfter = this.started;
    this.resetWindow();
  }

  private resetWindow(): void {
    this.windowBulks = 0;
    this.windowMsPerDoc = 0;
  }
}
