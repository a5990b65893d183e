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
  /** Every event's source bytes, back to back; event i is [sourceEnds[i-1], sourceEnds[i]). */
  sources: Uint8Array;
  sourceEnds: Uint32Array;
  /** Every event's id, back to back; event i is [idEnds[i-1], idEnds[i]). */
  ids: string;
  idEnds: Uint32Array;
  indexNames: string[];
  indexRefs: Uint32Array;
  rejected: number;
  errors: EventError[];
}

/** Packs a framed request. */
export function packFrames(framed: FramedRequest): PackedFrames {
  const n = framed.events.length;
  const sourceEnds = new Uint32Array(n);
  const idEnds = new Uint32Array(n);
  const indexRefs = new Uint32Array(n);
  const indexNames: string[] = [];
  const indexRef = new Map<string, number>();
  const idParts: string[] = new Array<string>(n);
  let bytes = 0;
  let idChars = 0;
  let lastIndex = '';
  let lastRef = 0;
  for (let i = 0; i < n; i++) {
    const event = framed.events[i] as EnvelopedEvent;
    bytes += event.source.length;
    sourceEnds[i] = bytes;
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
  const sources = new Uint8Array(bytes);
  let at = 0;
  for (const event of framed.events) {
    sources.set(event.source, at);
    at += event.source.length;
  }
  return { positionKind: framed.positionKind, positions: Int32Array.from(framed.positions), sources, sourceEnds, ids: idParts.join(''), idEnds, indexNames, indexRefs, rejected: framed.rejected, errors: framed.errors };
}

/** The buffers to transfer with a packed request. */
export function transferListOf(p: PackedFrames): ArrayBuffer[] {
  return [p.positions.buffer, p.sources.buffer, p.sourceEnds.buffer, p.idEnds.buffer, p.indexRefs.buffer] as ArrayBuffer[];
}

/** The framed request again; sources are views into the one transferred buffer. */
export function unpackFrames(p: PackedFrames): FramedRequest {
  const n = p.positions.length;
  const all = Buffer.from(p.sources.buffer, p.sources.byteOffset, p.sources.byteLength);
  const events: EnvelopedEvent[] = new Array<EnvelopedEvent>(n);
  let sourceStart = 0;
  let idStart = 0;
  for (let i = 0; i < n; i++) {
    const sourceEnd = p.sourceEnds[i] as number;
    const idEnd = p.idEnds[i] as number;
    events[i] = {
      id: p.ids.slice(idStart, idEnd),
      index: p.indexNames[p.indexRefs[i] as number] as string,
      source: all.subarray(sourceStart, sourceEnd),
    };
    sourceStart = sourceEnd;
    idStart = idEnd;
  }
  return { events, positionKind: p.positionKind, positions: p.positions, rejected: p.rejected, errors: p.errors };
}
