// A block of events as one spool record (payload version 2; pure, no I/O): the block's bulk lines
// and their columns as they are in memory, behind one header, with one CRC-32 over all of it.
// Durable mode writes each request's blocks this way, so appending an event costs neither a copy
// of its bytes nor a checksum call of its own (bench/README.md, "Durable mode"); a block whose
// events do not share one meta is still written one record per event (version 1, spool-event.ts).
//
//   u8 version (2) · u8 flags · f64 acceptedAt · u32 count · u16 streamLen · u16 indexNames
//   · u32 idsBytes · u32 bulkBytes · stream (utf8) · each index name (u16 length, utf8)
//   · ids (utf8) · idEnds, indexRefs, sourceStarts (u32 × count each) · lineStarts (u32 × count+1)
//   · bulk
//
// Little-endian, as version 1; acceptedAt is where version 1 has it. idEnds count UTF-16 code
// units of the ids string, as BulkLines does. Decoded, event i is what version 1 would have held
// for it: its id, index, the block's meta, and its source (an operation's whole bulk lines).
import { crc32 } from 'node:zlib';
import { MAX_RECORD_PAYLOAD_BYTES, RECORD_HEADER_BYTES } from './record-framing.ts';
import { checkSpoolEvent, decodeSpoolEvent, MAX_STRING_BYTES, SpoolEventEncodingError, spoolEventFlags, spoolEventKind, type SpoolBlock, type SpoolEvent } from './spool-event.ts';

export const BLOCK_RECORD_VERSION = 2;
const FIXED_BYTES = 26;
/** The columns are written as the typed arrays hold them, which is little-endian only here. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A block framed as one record: the buffers to write, in order, and their length. */
export interface FramedBlock {
  readonly buffers: Uint8Array[];
  readonly bytes: number;
}

/**
 * The block as one record, or undefined when it cannot be one (a name over 65535 bytes, a record
 * over the size limit, a big-endian machine): the spool then writes its events one record each.
 */
export function frameBlockRecord(block: SpoolBlock): FramedBlock | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const { lines, meta } = block;
  const n = lines.idEnds.length;
  if (n === 0) return undefined;
  const stream = Buffer.from(meta.stream, 'utf8');
  const names = lines.indexNames.map((name) => Buffer.from(name, 'utf8'));
  if (stream.length > MAX_STRING_BYTES || names.length > 0xffff || names.some((b) => b.length > MAX_STRING_BYTES)) return undefined;
  const idsBytes = Buffer.byteLength(lines.ids, 'utf8');
  const bulkBytes = lines.lineStarts[n] as number;
  let namesBytes = 0;
  for (const b of names) namesBytes += 2 + b.length;
  const headBytes = FIXED_BYTES + stream.length + namesBytes + idsBytes;
  const payload = headBytes + 4 * (4 * n + 1) + bulkBytes;
  if (payload > MAX_RECORD_PAYLOAD_BYTES) return undefined;
  const head = Buffer.allocUnsafe(RECORD_HEADER_BYTES + headBytes);
  let at = RECORD_HEADER_BYTES;
  head[at] = BLOCK_RECORD_VERSION;
  head[at + 1] = spoolEventFlags(meta.kind);
  head.writeDoubleLE(meta.acceptedAt, at + 2);
  head.writeUInt32LE(n, at + 10);
  head.writeUInt16LE(stream.length, at + 14);
  head.writeUInt16LE(names.length, at + 16);
  head.writeUInt32LE(idsBytes, at + 18);
  head.writeUInt32LE(bulkBytes, at + 22);
  at += FIXED_BYTES;
  head.set(stream, at);
  at += stream.length;
  for (const b of names) {
    head.writeUInt16LE(b.length, at);
    head.set(b, at + 2);
    at += 2 + b.length;
  }
  head.write(lines.ids, at, 'utf8');
  const columns = [lines.idEnds, lines.indexRefs.subarray(0, n), lines.sourceStarts.subarray(0, n), lines.lineStarts.subarray(0, n + 1)].map((c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  const buffers = [head, ...columns, lines.bulk.subarray(0, bulkBytes)];
  let crc = crc32(head.subarray(RECORD_HEADER_BYTES));
  for (let k = 1; k < buffers.length; k++) crc = crc32(buffers[k] as Uint8Array, crc);
  head.writeUInt32LE(payload, 0);
  head.writeUInt32LE(crc, 4);
  return { buffers, bytes: RECORD_HEADER_BYTES + payload };
}

/** Why a version-2 payload is not a valid block, or undefined when it is (no allocation). */
export function checkBlockRecord(payload: Buffer): string | undefined {
  if (payload.length < FIXED_BYTES) return `payload of ${payload.length} bytes is shorter than the ${FIXED_BYTES}-byte block header`;
  const n = payload.readUInt32LE(10);
  let at = FIXED_BYTES + payload.readUInt16LE(14);
  const names = payload.readUInt16LE(16);
  if (n === 0) return 'a block of no events';
  for (let k = 0; k < names; k++) {
    if (at + 2 > payload.length) return 'index names run past the end of the payload';
    at += 2 + payload.readUInt16LE(at);
  }
  const columns = at + payload.readUInt32LE(18);
  const bulkBytes = payload.readUInt32LE(22);
  const expected = columns + 4 * (4 * n + 1) + bulkBytes;
  if (expected !== payload.length) return `block of ${n} events should take ${expected} bytes, not ${payload.length}`;
  if (payload.readUInt32LE(columns + 4 * 4 * n) !== bulkBytes) return 'the last event does not end where the bulk lines do';
  return undefined;
}

/** The events a version-2 payload holds. */
export function blockRecordEvents(payload: Buffer): number {
  return payload.readUInt32LE(10);
}

/**
 * Decodes a version-2 payload into its events; sources are views into `payload` (no copy).
 * Throws SpoolEventEncodingError on a payload that checkBlockRecord refuses.
 */
export function decodeBlockRecord(payload: Buffer): SpoolEvent[] {
  const problem = checkBlockRecord(payload);
  if (problem !== undefined) throw new SpoolEventEncodingError(problem);
  const n = payload.readUInt32LE(10);
  const kind = spoolEventKind(payload[1] as number);
  const acceptedAt = payload.readDoubleLE(2);
  let at = FIXED_BYTES;
  const stream = payload.toString('utf8', at, (at += payload.readUInt16LE(14)));
  const names: string[] = [];
  for (let k = payload.readUInt16LE(16); k > 0; k--) {
    const len = payload.readUInt16LE(at);
    names.push(payload.toString('utf8', at + 2, (at += 2 + len)));
  }
  const ids = payload.toString('utf8', at, (at += payload.readUInt32LE(18)));
  const column = (i: number, k: number) => payload.readUInt32LE(at + 4 * (i * n + k));
  const bulk = payload.subarray(at + 4 * (4 * n + 1));
  const events: SpoolEvent[] = [];
  for (let i = 0; i < n; i++) {
    const lineEnd = column(3, i + 1);
    events.push({
      id: ids.slice(i === 0 ? 0 : column(0, i - 1), column(0, i)),
      index: names[column(1, i)] as string,
      stream,
      acceptedAt,
      kind,
      source: kind === 'op' ? bulk.subarray(column(3, i), lineEnd) : bulk.subarray(column(2, i), lineEnd - 1),
    });
  }
  return events;
}

/** Why a record's payload (either version) is not valid, or undefined when it is. */
export function checkSpoolPayload(payload: Buffer): string | undefined {
  return payload[0] === BLOCK_RECORD_VERSION ? checkBlockRecord(payload) : checkSpoolEvent(payload);
}

/** The events a valid payload (either version) holds. */
export function spoolPayloadEvents(payload: Buffer): number {
  return payload[0] === BLOCK_RECORD_VERSION ? blockRecordEvents(payload) : 1;
}

/** A valid payload's events (either version); sources are views into `payload`. */
export function decodeSpoolPayload(payload: Buffer): SpoolEvent[] {
  return payload[0] === BLOCK_RECORD_VERSION ? decodeBlockRecord(payload) : [decodeSpoolEvent(payload)];
}
