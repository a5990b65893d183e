// A FramedRequest packed into a few flat arrays, so a framing worker can hand it to the main
// thread by transfer instead of by copy: every event's source bytes in one buffer, ids in one
// string, index names as a table plus references. Structured clone of the per-event objects
// (thousands of small objects per request) would cost the main thread more than the framing
// it saved. Pure.
import type { EnvelopedEvent } from './envelope.ts';
import type { EventError, FramedRequest, PositionKind } from './frame-request.ts';

export interface PackedFrames {
  positionKind: PositionKind;
  positions: Int32Array;
  /**
   * The framed body itself (handed back, not copied) and the bytes of sources that are not a
   * slice of it (events given an @timestamp, JSON array elements). Event i's source is
   * [sourceStarts[i], sourceEnds[i]) of body followed by extra.
   */
  body: Uint8Array;
  extra: Uint8Array;
  sourceStarts: Uint32Array;
  sourceEnds: Uint32Array;
  /** Every event's id, back to back; event i is [idEnds[i-1], idEnds[i]). */
  ids: string;
  idEnds: Uint32Array;
  indexNames: string[];
  indexRefs: Uint32Array;
  rejected: number;
  rejectedBy: Record<string, number>;
  errors: EventError[];
}

/** Packs a framed request whose unchanged sources are slices of `body`. */
export function packFrames(framed: FramedRequest, body: Uint8Array): PackedFrames {
  const n = framed.events.length;
  const sourceStarts = new Uint32Array(n);
  const sourceEnds = new Uint32Array(n);
  const idEnds = new Uint32Array(n);
  const indexRefs = new Uint32Array(n);
  const indexNames: string[] = [];
  const indexRef = new Map<string, number>();
  const idParts: string[] = new Array<string>(n);
  const extraParts: Buffer[] = [];
  let extraBytes = 0;
  let idChars = 0;
  let lastIndex = '';
  let lastRef = 0;
  for (let i = 0; i < n; i++) {
    const event = framed.events[i] as EnvelopedEvent;
    const src = event.source;
    if (src.buffer === body.buffer && src.byteOffset >= body.byteOffset && src.byteOffset + src.length <= body.byteOffset + body.length) {
      sourceStarts[i] = src.byteOffset - body.byteOffset;
    } else {
      sourceStarts[i] = body.length + extraBytes;
      extraParts.push(src);
      extraBytes += src.length;
    }
    sourceEnds[i] = sourceStarts[i] as number + src.length;
    idParts[i] = event.id;
    idChars += event.id.length;
    idEnds[i] = idChars;
    if (event.index !== lastIndex || i === 0) {
      let ref = indexRef.get(event.index);
      if (ref === undefined) {
        ref = indexNames.length;
        indexNames.push(event.index);
        indexRef.set(event.index, ref);
      }
      lastIndex = event.index;
      lastRef = ref;
    }
    indexRefs[i] = lastRef;
  }
  // A buffer of its own (never a slice of Node's shared pool), so it can be transferred.
  const extra = new Uint8Array(extraBytes);
  let at = 0;
  for (const part of extraParts) {
    extra.set(part, at);
    at += part.length;
  }
  return { positionKind: framed.positionKind, positions: Int32Array.from(framed.positions), body, extra, sourceStarts, sourceEnds, ids: idParts.join(''), idEnds, indexNames, indexRefs, rejected: framed.rejected, rejectedBy: framed.rejectedBy, errors: framed.errors };
}

/** The buffers to transfer with a packed request (the body must own its whole buffer). */
export function transferListOf(p: PackedFrames): ArrayBuffer[] {
  return [p.positions.buffer, p.body.buffer, p.extra.buffer, p.sourceStarts.buffer, p.sourceEnds.buffer, p.idEnds.buffer, p.indexRefs.buffer] as ArrayBuffer[];
}

/** The framed request again; sources are views into the two transferred buffers. */
export function unpackFrames(p: PackedFrames): FramedRequest {
  const n = p.positions.length;
  const body = Buffer.from(p.body.buffer, p.body.byteOffset, p.body.byteLength);
  const extra = Buffer.from(p.extra.buffer, p.extra.byteOffset, p.extra.byteLength);
  const bodyBytes = body.length;
  const events: EnvelopedEvent[] = new Array<EnvelopedEvent>(n);
  let idStart = 0;
  for (let i = 0; i < n; i++) {
    const start = p.sourceStarts[i] as number;
    const end = p.sourceEnds[i] as number;
    const idEnd = p.idEnds[i] as number;
    events[i] = {
      id: p.ids.slice(idStart, idEnd),
      index: p.indexNames[p.indexRefs[i] as number] as string,
      source: start < bodyBytes ? body.subarray(start, end) : extra.subarray(start - bodyBytes, end - bodyBytes),
    };
    idStart = idEnd;
  }
  return { events, positionKind: p.positionKind, positions: p.positions, rejected: p.rejected, rejectedBy: p.rejectedBy, errors: p.errors };
}
