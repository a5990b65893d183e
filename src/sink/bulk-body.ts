// Builds a bulk request body from pipeline events: one `create` action with the event's index
// and id, then the event's own bytes. Pure; the source bytes are copied once, never re-encoded.
import type { PipelineEvent } from '../pipeline/event.ts';

/** Printable ASCII without `"` and `\`: JSON.stringify only adds the quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const SUFFIX = '}}\n';

/** The action line for an event, e.g. {"create":{"_index":"i","_id":"x"}} plus newline. */
export function actionLine(index: string, id: string): string {
  return `{"create":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)}}}\n`;
}

/**
 * The same bytes as concatenating actionLine(index, id), source and a newline per event, written
 * into one buffer: the action's constant part is encoded once per index, plain ids are written
 * as latin1 without JSON.stringify, and there are no intermediate buffers.
 */
export function buildBulkBody(events: readonly Pick<PipelineEvent, 'index' | 'id' | 'source'>[]): Buffer {
  const prefixes = new Map<string, Buffer>();
  const prefixOf = new Array<Buffer>(events.length);
  const idJson = new Array<string>(events.length);
  const idBytes = new Int32Array(events.length); // negative: not plain, write as UTF-8
  let size = 0;
  let lastIndex: string | undefined;
  let lastPrefix: Buffer | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Pick<PipelineEvent, 'index' | 'id' | 'source'>;
    let prefix = e.index === lastIndex ? lastPrefix : prefixes.get(e.index);
    if (prefix === undefined) {
      prefix = Buffer.from(`{"create":{"_index":${JSON.stringify(e.index)},"_id":`);
      prefixes.set(e.index, prefix);
    }
    lastIndex = e.index;
    lastPrefix = prefix;
    prefixOf[i] = prefix;
    let n: number;
    if (PLAIN.test(e.id)) {
      idJson[i] = e.id;
      n = e.id.length + 2;
      idBytes[i] = n;
    } else {
      const json = JSON.stringify(e.id);
      idJson[i] = json;
      n = Buffer.byteLength(json);
      idBytes[i] = -n;
    }
    size += prefix.length + n + SUFFIX.length + e.source.length + 1;
  }
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Pick<PipelineEvent, 'index' | 'id' | 'source'>;
    // TypedArray#set and single bytes: Buffer#copy and Buffer#write check their arguments in JS.
    const prefix = prefixOf[i] as Buffer;
    body.set(prefix, at);
    at += prefix.length;
    const n = idBytes[i] as number;
    if (n > 0) {
      body[at++] = 0x22; // "
      at += body.write(idJson[i] as string, at, 'latin1');
      body[at++] = 0x22;
    } else {
      at += body.write(idJson[i] as string, at, 'utf8');
    }
    body[at++] = 0x7d; // }}\n
    body[at++] = 0x7d;
    body[at++] = 0x0a;
    body.set(e.source, at);
    at += e.source.length;
    body[at++] = 0x0a;
  }
  if (at !== size) throw new Error(`bulk body size mismatch: wrote ${at} of ${size} bytes`);
  return body;
}
