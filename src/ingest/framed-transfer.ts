// A FramedRequest handed from a framing worker to the main thread by transfer instead of by copy:
// its events are already columns of bulk lines (a buffer, typed arrays and two strings), so the
// buffers move and only the strings are cloned. Structured clone of per-event objects (thousands
// of small objects per request) would cost the main thread more than the framing it saved. Pure.
import type { BulkLines } from '../model/bulk-lines.ts';
import type { FramedRequest } from './frame-request.ts';

/** The buffers of bulk lines (made by the encoders, each owns its buffer). */
export function linesTransferList(p: BulkLines): ArrayBuffer[] {
  return [p.bulk.buffer, p.lineStarts.buffer, p.sourceStarts.buffer, p.idEnds.buffer, p.indexRefs.buffer] as ArrayBuffer[];
}

/** The buffers to transfer with a framed request (each part's bulk lines own their buffer). */
export function transferListOf(framed: FramedRequest): ArrayBuffer[] {
  const list: ArrayBuffer[] = [framed.positions.buffer as ArrayBuffer];
  for (const p of framed.parts) list.push(...linesTransferList(p));
  return list;
}
