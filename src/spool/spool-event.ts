// The spool's payload for one pipeline event, as compact binary (pure, no I/O): version 1 of
// a record's payload (version 2, a whole block in one record, is block-record.ts):
//
//   u8 version · u8 flags · f64 acceptedAt · u16 idLen · u16 indexLen · u16 streamLen
//   · id (utf8) · index (utf8) · stream (utf8) · source (raw bytes, to the end)
//
// All numbers little-endian. The source is copied byte for byte: never parsed, never
// re-serialised, so what Elasticsearch receives after a replay is what the client sent.
// flags bit 0: the event is a dead letter (kind 'dead-letter'); bit 1: an Elasticsearch bulk
// operation (kind 'op'), whose source is its whole bulk lines (action line, then its source).
import type { BulkLines } from '../model/bulk-lines.ts';
import type { EventMeta } from '../model/event-block.ts';

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
  /** The same events as blocks of bulk lines that share one meta each, when they are: one record per block. */
  readonly blocks?: readonly SpoolBlock[];
}

/** Events of bulk lines that share one meta (written as one record: block-record.ts). */
export interface SpoolBlock {
  readonly lines: BulkLines;
  readonly meta: EventMeta;
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

/** The flags byte of an event of this kind. */
export function spoolEventFlags(kind: SpoolEvent['kind']): number {
  return kind === 'dead-letter' ? FLAG_DEAD_LETTER : kind === 'op' ? FLAG_OP : 0;
}

/** The kind of an event with this flags byte. */
export function spoolEventKind(flags: number): SpoolEvent['kind'] {
  return flags & FLAG_DEAD_LETTER ? 'dead-letter' : flags & FLAG_OP ? 'op' : 'event';
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
    kind: spoolEventKind(payload[1] as number),
  };
}
