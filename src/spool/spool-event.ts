// The spool's payload for one pipeline event, as compact binary (pure, no I/O):
//
//   u8 version · u8 flags · f64 acceptedAt · u16 idLen · u16 indexLen · u16 streamLen
//   · id (utf8) · index (utf8) · stream (utf8) · source (raw bytes, to the end)
//
// All numbers little-endian. The source is copied byte for byte: never parsed, never
// re-serialised, so what Elasticsearch receives after a replay is what the client sent.
// flags bit 0: the event is a dead letter (kind 'dead-letter'); bit 1: an Elasticsearch bulk
// operation (kind 'op'), whose source is its whole bulk lines (action line, then its source).

export const SPOOL_EVENT_VERSION = 1;
/** Bytes before the strings: version, flags, acceptedAt, three string lengths. */
export const SPOOL_EVENT_HEADER_BYTES = 16;
/** The most bytes each of id, index and stream may take (their lengths are u16). */
export const MAX_STRING_BYTES = 0xffff;
const FLAG_DEAD_LETTER = 1;
const FLAG_OP = 2;
const OFFSET_ACCEPTED_AT = 2;

export interface SpoolEvent {
  readonly id: string;
  readonly index: string;
  readonly stream: string;
  readonly acceptedAt: number;
  readonly source: Buffer;
  readonly kind: 'event' | 'dead-letter' | 'op';
}

/** An event to append; `kind` defaults to 'event'. */
export type SpoolEventInput = Omit<SpoolEvent, 'source' | 'kind'> & { readonly source: Uint8Array; readonly kind?: SpoolEvent['kind'] };

/**
 * What append() takes: events read by position, so the pipeline's blocks need no object per
 * event (a park of a full queue at once would otherwise make ~100k of them at the same time).
 */
export interface SpoolEventBatch {
  readonly length: number;
  id(i: number): string;
  index(i: number): string;
  stream(i: number): string;
  acceptedAt(i: number): number;
  kind(i: number): SpoolEvent['kind'];
  source(i: number): Uint8Array;
}

/** A batch over event objects. */
export function spoolBatchOf(events: readonly SpoolEventInput[]): SpoolEventBatch {
  const at = (i: number) => events[i] as SpoolEventInput;
  return {
    length: events.length,
    id: (i) => at(i).id,
    index: (i) => at(i).index,
    stream: (i) => at(i).stream,
    acceptedAt: (i) => at(i).acceptedAt,
    kind: (i) => at(i).kind ?? 'event',
    source: (i) => at(i).source,
  };
}

export class SpoolEventEncodingError extends Error {
  override readonly name = 'SpoolEventEncodingError';
}

/** Bytes event i's payload takes (to refuse before allocating, and to frame it). */
export function encodedSpoolEventBytes(b: SpoolEventBatch, i: number): number {
  return SPOOL_EVENT_HEADER_BYTES + Buffer.byteLength(b.id(i), 'utf8') + Buffer.byteLength(b.index(i), 'utf8') + Buffer.byteLength(b.stream(i), 'utf8') + b.source(i).length;
}

/** Writes event i's payload into `out` at `at` (room for encodedSpoolEventBytes(b, i) bytes); returns its length. */
export function encodeSpoolEventInto(b: SpoolEventBatch, i: number, out: Buffer, at: number): number {
  const id = b.id(i);
  const index = b.index(i);
  const stream = b.stream(i);
  const source = b.source(i);
  const idLen = Buffer.byteLength(id, 'utf8');
  const indexLen = Buffer.byteLength(index, 'utf8');
  const streamLen = Buffer.byteLength(stream, 'utf8');
  if (idLen > MAX_STRING_BYTES || indexLen > MAX_STRING_BYTES || streamLen > MAX_STRING_BYTES) {
    throw new SpoolEventEncodingError(`event ${id.slice(0, 64)}: id, index and stream must each be at most ${MAX_STRING_BYTES} bytes`);
  }
  out[at] = SPOOL_EVENT_VERSION;
  out[at + 1] = spoolEventFlags(b.kind(i));
  out.writeDoubleLE(b.acceptedAt(i), at + OFFSET_ACCEPTED_AT);
  out.writeUInt16LE(idLen, at + 10);
  out.writeUInt16LE(indexLen, at + 12);
  out.writeUInt16LE(streamLen, at + 14);
  let w = at + SPOOL_EVENT_HEADER_BYTES;
  w += out.write(id, w, 'utf8');
  w += out.write(index, w, 'utf8');
  w += out.write(stream, w, 'utf8');
  out.set(source, w);
  return w + source.length - at;
}

/** The flags byte of an event of this kind. */
export function spoolEventFlags(kind: SpoolEvent['kind']): number {
  return kind === 'dead-letter' ? FLAG_DEAD_LETTER : kind === 'op' ? FLAG_OP : 0;
}

/** One event's payload on its own. */
export function encodeSpoolEvent(e: SpoolEventInput): Buffer {
  const one = spoolBatchOf([e]);
  const out = Buffer.allocUnsafe(encodedSpoolEventBytes(one, 0));
  encodeSpoolEventInto(one, 0, out, 0);
  return out;
}

/** Why a payload is not a valid spool event, or undefined when it is (no allocation). */
export function checkSpoolEvent(payload: Buffer): string | undefined {
  if (payload.length < SPOOL_EVENT_HEADER_BYTES) return `payload of ${payload.length} bytes is shorter than the ${SPOOL_EVENT_HEADER_BYTES}-byte event header`;
  if (payload[0] !== SPOOL_EVENT_VERSION) return `unknown event version ${payload[0]}`;
  const strings = payload.readUInt16LE(10) + payload.readUInt16LE(12) + payload.readUInt16LE(14);
  if (SPOOL_EVENT_HEADER_BYTES + strings > payload.length) return 'string lengths run past the end of the payload';
  return undefined;
}

/** The acceptedAt of an encoded event, read from its header only. */
export function spoolEventAcceptedAt(payload: Buffer): number {
  return payload.readDoubleLE(OFFSET_ACCEPTED_AT);
}

/**
 * Decodes a payload made by encodeSpoolEvent. `source` is a view into `payload` (no copy).
 * Throws SpoolEventEncodingError on a payload that checkSpoolEvent refuses.
 */
export function decodeSpoolEvent(payload: Buffer): SpoolEvent {
  const problem = checkSpoolEvent(payload);
  if (problem !== undefined) throw new SpoolEventEncodingError(problem);
  const idLen = payload.readUInt16LE(10);
  const indexLen = payload.readUInt16LE(12);
  const streamLen = payload.readUInt16LE(14);
  let at = SPOOL_EVENT_HEADER_BYTES;
  const id = payload.toString('utf8', at, (at += idLen));
  const index = payload.toString('utf8', at, (at += indexLen));
  const stream = payload.toString('utf8', at, (at += streamLen));
  return {
    id,
    index,
    stream,
    acceptedAt: payload.readDoubleLE(OFFSET_ACCEPTED_AT),
    source: payload.subarray(at),
    kind: (payload[1] as number) & FLAG_DEAD_LETTER ? 'dead-letter' : (payload[1] as number) & FLAG_OP ? 'op' : 'event',
  };
}
