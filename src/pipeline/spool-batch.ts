// Queued events handed to the spool: the spool's append batch, read by position from the blocks.
import { countOf, idAt, indexAt, linesAt, metaAt, sourceAt, type EventBlock, type EventRange } from '../model/event-block.ts';
import type { SpoolAppendBatch } from '../spool/spool-port.ts';

/** The ranges' events as the spool appends them: by position, no object per event. */
export function spoolBatchOfRanges(ranges: readonly EventRange[]): SpoolAppendBatch {
  const n = countOf(ranges);
  const blocks = new Array<EventBlock>(n);
  const at = new Uint32Array(n);
  let k = 0;
  for (const r of ranges) {
    for (let i = r.from; i < r.to; i++, k++) {
      blocks[k] = r.lines;
      at[k] = i;
    }
  }
  const block = (k: number) => blocks[k] as EventBlock;
  return {
    length: n,
    id: (k) => idAt(block(k), at[k] as number),
    index: (k) => indexAt(block(k), at[k] as number),
    stream: (k) => metaAt(block(k), at[k] as number).stream,
    acceptedAt: (k) => metaAt(block(k), at[k] as number).acceptedAt,
    kind: (k) => metaAt(block(k), at[k] as number).kind,
    // An Elasticsearch operation is kept whole: its action line says what to do with the source.
    source: (k) => (metaAt(block(k), at[k] as number).kind === 'op' ? linesAt : sourceAt)(block(k), at[k] as number),
  };
}
