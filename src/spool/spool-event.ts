// The spool's payload for one pipeline event, as compact binary (pure, no I/O):
//
//   u8 version · u8 flags · f64 acceptedAt · u16 idLen · u16 indexLen · u16 streamLen
//   · id (utf8) · index (utf8) · stream (utf8) · source (raw bytes, to the end)
//
// All numbers little-endian. The source is copied byte for byte: never parsed, never
// re-serialised, so what Elasticsearch receives after a replay is what the client sent.
// flags bit 0: the event is a dead letter (PipelineEvent.kind === 'dead-letter').

export const SPOOL_EVENT_VERSION = 1;
/** Bytes before the strings: version, flags, acceptedAt, three string lengths. */
export const SPOOL_EVENT_HEADER_BYTES = 16;
const MAX_STRING_BYTES = 0xffff;
const FLAG_DEAD_LETTER = 1;
const OFFSET_ACCEPTED_AT = 2;

export interface SpoolEvent {
  readonly id: string;
  readonly index: string;
  readonly stream: string;
  readonly acceptedAt: number;
  readonly source: Buffer;
  readonly kind: 'event' | 'dead-letter';
}

/** What append() takes: a PipelineEvent fits as is; `kind` defaults to 'event'. */
export type SpoolEventInput = Omit<SpoolEvent, 'kind'> & { readonly kind?: SpoolEvent['kind'] };

export class SpoolEventEncodingError extends Error {
  override readonly name = 'SpoolEventEncodingError';
}

/** Bytes encodeSpoolEvent(e) will return, without encoding (to refuse before allocating). */
export function encodedSpoolEventBytes(e: SpoolEventInput): number {
  return SPOOL_EVENT_HEADER_BYTES + Buffer.byteLength(e.id, 'utf8') + Buffer.byteLength(e.index, 'utf8') + Buffer.byteLength(e.stream, 'utf8') + e.source.length;
}

export function encodeSpoolEvent(e: SpoolEventInput): Buffer {
  const idLen = Buffer.byteLength(e.id, 'utf8');
  const indexLen = Buffer.byteLength(e.index, 'utf8');
  const streamLen = Buffer.byteLength(e.stream, 'utf8');
  if (idLen > MAX_STRING_BYTES || indexLen > MAX_STRING_BYTES || streamLen > MAX_STRING_BYTES) {
    throw new SpoolEventEncodingError(`event ${e.id.slice(0, 64)}: id, index and stream must each be at most ${MAX_STRING_BYTES} bytes`);
  }
  const buf = Buffer.allocUnsafe(SPOOL_EVENT_HEADER_BYTES + idLen + indexLen + streamLen + e.source.length);
  buf.writeUInt8(SPOOL_EVENT_VERSION, 0);
  buf.writeUInt8(e.kind === 'dead-letter' ? FLAG_DEAD_LETTER : 0, 1);
  buf.writeDoubleLE(e.acceptedAt, OFFSET_ACCEPTED_AT);
  buf.writeUInt16LE(idLen, 10);
  buf.writeUInt16LE(indexLen, 12);
  buf.writeUInt16LE(streamLen, 14);
  let at = SPOOL_EVENT_HEADER_BYTES;
  at += buf.write(e.id, at, 'utf8');
  at += buf.write(e.index, at, 'utf8');
  at += buf.write(e.stream, at, 'utf8');
  e.source.copy(buf, at);
  return buf;
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
    kind: (payload[1] as number) & FLAG_DEAD_LETTER ? 'dead-letter' : 'event',
  };
}
