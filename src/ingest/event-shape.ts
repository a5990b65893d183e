// The event limits (GATEWAY_MAX_EVENT_DEPTH, GATEWAY_MAX_EVENT_FIELDS, GATEWAY_MAX_STRING_BYTES):
// the verdict on a measured shape, and the measuring pass for events the scanner
// (json-object-scanner.ts, which measures as it scans) does not take — before JSON.parse builds
// a 100,000-deep or 100,000-member object. Pure.
import type { EventLimits } from '../config/config.ts';

export type ShapeFailure = { ok: false; code: 'too_deep' | 'too_many_fields' | 'string_too_long'; detail: string };

export function shapeFailure(depth: number, fields: number, longestString: number, limits: EventLimits): ShapeFailure | undefined {
  if (depth > limits.maxEventDepth) return { ok: false, code: 'too_deep', detail: `the event nests objects and arrays deeper than ${limits.maxEventDepth} levels` };
  if (fields > limits.maxEventFields) return { ok: false, code: 'too_many_fields', detail: `the event has more than ${limits.maxEventFields} fields (object members at every level)` };
  if (longestString > limits.maxStringBytes) return { ok: false, code: 'string_too_long', detail: `the event holds a string (or field name) longer than ${limits.maxStringBytes} bytes` };
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Measures the JSON text `b` as the scanner would (a string's bytes between its quotes, escapes
 * as written; depth counted in objects and arrays, the outermost being 1; every `:` outside
 * a string one member) and answers as shapeFailure does. The whole text is measured (it is no
 * longer than GATEWAY_MAX_LINE_BYTES), so the verdict does not depend on where in the event the
 * limits are passed. Text that is not JSON is measured all the same: JSON.parse says what is
 * wrong with it afterwards.
 */
export function measureShape(b: Uint8Array, limits: EventLimits): ShapeFailure | undefined {
  const n = b.length;
  let depth = 0;
  let deepest = 0;
  let fields = 0;
  let longest = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    if (c === QUOTE) {
      const from = ++i;
      while (i < n && b[i] !== QUOTE) i += b[i] === BACKSLASH ? 2 : 1;
      if (i - from > longest) longest = i - from;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x3a) {
      fields++;
    }
  }
  return shapeFailure(deepest, fields, longest, limits);
}
