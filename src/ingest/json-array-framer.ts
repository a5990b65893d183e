// Finds the top-level values of a JSON body without parsing it: the elements of an array, or the
// one value when the body is not an array. Each is then parsed on its own, so memory follows the
// largest element (held to the event size limit), not the whole body (bench/README.md, "Events
// in blocks of bulk lines"), and an element's exact bytes can go to Elasticsearch as they
// came. Only the structure between elements is checked here (brackets, strings, commas); each
// element's own syntax is JSON.parse's business. Pure.

export class JsonStructureError extends Error {
  override readonly name = 'JsonStructureError';
}

export class JsonValueTooLargeError extends Error {
  override readonly name = 'JsonValueTooLargeError';
  readonly element: number;
  readonly limit: number;
  constructor(element: number, limit: number) {
    super(`element ${element} is larger than ${limit} bytes`);
    this.element = element;
    this.limit = limit;
  }
}

/** Called per value: its bytes are [start, end); multiline when they hold a line break. */
export type OnJsonValue = (start: number, end: number, element: number, multiline: boolean) => void;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const LF = 0x0a;
const CR = 0x0d;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === LF || c === CR;
}

function skipSpace(body: Uint8Array, i: number): number {
  while (i < body.length && isSpace(body[i])) i++;
  return i;
}

/** Index after the string that opens at i (its quote). */
function stringEnd(body: Buffer, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = body.indexOf(QUOTE, from);
    if (q === -1) throw new JsonStructureError(`the string at byte ${i} is not closed`);
    let backslashes = 0;
    for (let k = q - 1; k > i && body[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Where the value starting at i ends, and whether it spans lines. */
function valueEnd(body: Buffer, i: number): { end: number; multiline: boolean } {
  const c = body[i];
  if (c === QUOTE) return { end: stringEnd(body, i), multiline: false };
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    let multiline = false;
    for (let j = i; j < body.length; j++) {
      const b = body[j];
      if (b === QUOTE) {
        j = stringEnd(body, j) - 1;
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        depth++;
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        if (--depth === 0) return { end: j + 1, multiline };
      } else if (b === LF || b === CR) {
        multiline = true;
      }
    }
    throw new JsonStructureError(`the value at byte ${i} is not closed`);
  }
  let j = i;
  while (j < body.length && body[j] !== COMMA && body[j] !== CLOSE_ARRAY && !isSpace(body[j])) j++;
  if (j === i) throw new JsonStructureError(`unexpected "${String.fromCharCode(c ?? 0)}" at byte ${i}`);
  return { end: j, multiline: false };
}

/**
 * Calls onValue for each element of a body holding a JSON array, or once (element 0) for a body
 * holding any other value; throws JsonStructureError when the array's structure is broken and
 * JsonValueTooLargeError for a value over maxValueBytes (before it is parsed).
 */
export function forEachJsonValue(body: Buffer, maxValueBytes: number, onValue: OnJsonValue): void {
  let i = skipSpace(body, 0);
  if (i === body.length) throw new JsonStructureError('the body is empty');
  if (body[i] !== OPEN_ARRAY) {
    let end = body.length;
    while (end > i && isSpace(body[end - 1])) end--;
    if (end - i > maxValueBytes) throw new JsonValueTooLargeError(0, maxValueBytes);
    onValue(i, end, 0, body.subarray(i, end).includes(LF) || body.subarray(i, end).includes(CR));
    return;
  }
  i = skipSpace(body, i + 1);
  let element = 0;
  let expectValue = body[i] !== CLOSE_ARRAY;
  while (expectValue) {
    if (i >= body.length) throw new JsonStructureError('the array is not closed');
    const { end, multiline } = valueEnd(body, i);
    if (end - i > maxValueBytes) throw new JsonValueTooLargeError(element, maxValueBytes);
    onValue(i, end, element++, multiline);
    i = skipSpace(body, end);
    if (i >= body.length) throw new JsonStructureError('the array is not closed');
    if (body[i] === COMMA) {
      i = skipSpace(body, i + 1);
      if (body[i] === CLOSE_ARRAY) throw new JsonStructureError(`a comma is followed by "]" at byte ${i}`);
    } else if (body[i] === CLOSE_ARRAY) {
      expectValue = false;
    } else {
      throw new JsonStructureError(`expected "," or "]" at byte ${i}`);
    }
  }
  if (skipSpace(body, i + 1) !== body.length) throw new JsonStructureError(`unexpected data after the array at byte ${skipSpace(body, i + 1)}`);
}
