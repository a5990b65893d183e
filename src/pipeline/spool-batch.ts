// Queued events handed to the spool: the spool's append batch, read by position from the blocks.
import { countOf, idAt, indexAt, linesAt, metaAt, sourceAt, type EventBlock, type EventMeta, type EventRange } from '../model/event-block.ts';
import type { SpoolAppendBatch, SpoolAppendBlock } from '../spool/spool-port.ts';

/**
 * The ranges' events as the spool appends them: by position, no object per event; and as whole
 * blocks when each range is a whole block whose events share one meta (a request's, in durable
 * mode), which the spool writes one record per block.
 */
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
  const whole = ranges.every((r) => r.from === 0 && r.to === r.lines.count && !Array.isArray(r.lines.meta));
  const asBlocks: SpoolAppendBlock[] | undefined = whole ? ranges.map((r) => ({ lines: r.lines, meta: r.lines.meta as EventMeta })) : undefined;
  return {
    ...(asBlocks === undefined ? {} : { blocks: asBlocks }),
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
