// Builds a bulk request body from pipeline events: one `create` action with the event's index
// and id, then the event's own bytes. Pure; the source bytes are copied once, never re-encoded.
import type { PipelineEvent } from '../pipeline/event.ts';

const NEWLINE = Buffer.from('\n');

/** The action line for an event, e.g. {"create":{"_index":"i","_id":"x"}} plus newline. */
export function actionLine(index: string, id: string): string {
  return `{"create":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)}}}\n`;
}

export function buildBulkBody(events: readonly Pick<PipelineEvent, 'index' | 'id' | 'source'>[]): Buffer {
  const parts: Buffer[] = new Array(events.length * 3);
  let size = 0;
  let i = 0;
  for (const e of events) {
    const action = Buffer.from(actionLine(e.index, e.id));
    parts[i++] = action;
    parts[i++] = e.source;
    parts[i++] = NEWLINE;
    size += action.length + e.source.length + 1;
  }
  return Buffer.concat(parts, size);
}
