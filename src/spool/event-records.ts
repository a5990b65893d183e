// A batch of events framed as consecutive spool records in one buffer, ready for one write
// (pure, no I/O): each event's payload (spool-event.ts) behind its record header, made with each of
// the batch's accessors called once per event, the index and stream names measured and encoded
// once per run of equal names, and ASCII ids copied byte by byte rather than through
// Buffer#write (events spilled or parked in memory mode, and what cannot be one block record in
// durable mode: block-record.ts).
import { crc32 } from 'node:zlib';
import { MAX_RECORD_PAYLOAD_BYTES, RECORD_HEADER_BYTES, RecordTooLargeError } from './record-framing.ts';
import { MAX_STRING_BYTES, SPOOL_EVENT_HEADER_BYTES, SPOOL_EVENT_VERSION, spoolBatchOf, SpoolEventEncodingError, spoolEventFlags, type SpoolEventBatch, type SpoolEventInput } from './spool-event.ts';

/** The batch's events, measured: what framing needs, gathered in one pass over the accessors. */
export interface MeasuredEvents {
  readonly batch: SpoolEventBatch;
  /** Bytes of the framed records (headers included). */
  readonly bytes: number;
  readonly ids: string[];
  /** utf8 bytes of each id; negative when the id is ASCII (its length, negated). */
  readonly idBytes: Int32Array;
  readonly names: Buffer[];
  readonly sources: Uint8Array[];
}

/** Measures every event of the batch (throws SpoolEventEncodingError or RecordTooLargeError). */
export function measureEvents(batch: SpoolEventBatch): MeasuredEvents {
  const n = batch.length;
  const ids = new Array<string>(n);
  const idBytes = new Int32Array(n);
  const names = new Array<Buffer>(n);
  const sources = new Array<Uint8Array>(n);
  let lastIndex: string | undefined;
  let lastStream: string | undefined;
  let namesBytes: Buffer = Buffer.alloc(0);
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const id = batch.id(i);
    const index = batch.index(i);
    const stream = batch.stream(i);
    if (index !== lastIndex || stream !== lastStream) {
      namesBytes = encodeNames(index, stream);
      lastIndex = index;
      lastStream = stream;
    }
    const ascii = asciiLength(id);
    const idLen = ascii >= 0 ? ascii : Buffer.byteLength(id, 'utf8');
    if (idLen > MAX_STRING_BYTES) throw new SpoolEventEncodingError(`event ${id.slice(0, 64)}: id, index and stream must each be at most ${MAX_STRING_BYTES} bytes`);
    const source = batch.source(i);
    const payload = SPOOL_EVENT_HEADER_BYTES + idLen + namesBytes.length - 4 + source.length;
    if (payload > MAX_RECORD_PAYLOAD_BYTES) throw new RecordTooLargeError(`a spool record holds at most ${MAX_RECORD_PAYLOAD_BYTES} bytes (got ${payload})`);
    ids[i] = id;
    idBytes[i] = ascii >= 0 ? -ascii : idLen;
    names[i] = namesBytes;
    sources[i] = source;
    bytes += RECORD_HEADER_BYTES + payload;
  }
  return { batch, bytes, ids, idBytes, names, sources };
}

/** Frames measured events as consecutive records: [u32 length][u32 crc32][payload] each. */
export function frameMeasuredEvents(m: MeasuredEvents): Buffer {
  const { batch, ids, idBytes, names, sources } = m;
  const out = Buffer.allocUnsafe(m.bytes);
  let at = 0;
  for (let i = 0; i < ids.length; i++) {
    const start = at + RECORD_HEADER_BYTES;
    const id = ids[i] as string;
    const idInfo = idBytes[i] as number;
    const idLen = idInfo < 0 ? -idInfo : idInfo;
    const namesBytes = names[i] as Buffer;
    out[start] = SPOOL_EVENT_VERSION;
    out[start + 1] = spoolEventFlags(batch.kind(i));
    out.writeDoubleLE(batch.acceptedAt(i), start + 2);
    out[start + 10] = idLen & 0xff;
    out[start + 11] = idLen >>> 8;
    // The two name lengths (u16 each) lead namesBytes, followed by both names.
    for (let k = 0; k < 4; k++) out[start + 12 + k] = namesBytes[k] as number;
    let w = start + SPOOL_EVENT_HEADER_BYTES;
    if (idInfo < 0) {
      for (let k = 0; k < idLen; k++) out[w + k] = id.charCodeAt(k);
    } else {
      out.write(id, w, 'utf8');
    }
    w += idLen;
    for (let k = 4; k < namesBytes.length; k++) out[w++] = namesBytes[k] as number;
    const source = sources[i] as Uint8Array;
    out.set(source, w);
    const end = w + source.length;
    out.writeUInt32LE(end - start, at);
    out.writeUInt32LE(crc32(out.subarray(start, end)), at + 4);
    at = end;
  }
  return out;
}

/** One event's payload on its own (version 1, without its record header). */
export function encodeSpoolEvent(e: SpoolEventInput): Buffer {
  return frameMeasuredEvents(measureEvents(spoolBatchOf([e]))).subarray(RECORD_HEADER_BYTES);
}

/** The index and stream fields of a payload: u16 index length, u16 stream length, index, stream. */
function encodeNames(index: string, stream: string): Buffer {
  const indexBytes = Buffer.from(index, 'utf8');
  const streamBytes = Buffer.from(stream, 'utf8');
  if (indexBytes.length > MAX_STRING_BYTES || streamBytes.length > MAX_STRING_BYTES) {
    throw new SpoolEventEncodingError(`index ${index.slice(0, 64)}: id, index and stream must each be at most ${MAX_STRING_BYTES} bytes`);
  }
  const out = Buffer.allocUnsafe(4 + indexBytes.length + streamBytes.length);
  out.writeUInt16LE(indexBytes.length, 0);
  out.writeUInt16LE(streamBytes.length, 2);
  out.set(indexBytes, 4);
  out.set(streamBytes, 4 + indexBytes.length);
  return out;
}

/** The string's length when it is all ASCII, else -1. */
function asciiLength(s: string): number {
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) > 0x7f) return -1;
  return s.length;
}
