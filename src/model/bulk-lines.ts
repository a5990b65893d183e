// The bulk line format every stage hands on: each event's `create` action line (its index and
// id), then its own bytes. Framing encodes them once per event (in a framing worker where there
// is one); the sink writes whole ranges of them as a bulk body. Pure; the source bytes are copied
// once, never re-encoded.

/**
 * Events encoded as bulk lines, with where each event's parts are: what framing hands the
 * pipeline, transferable between threads (typed arrays, strings, no objects per event).
 */
export interface BulkLines {
  /** Each event's action line, source and newline, back to back. */
  bulk: Uint8Array;
  /** Event i's lines are bulk[lineStarts[i], lineStarts[i + 1]): one entry more than events. */
  lineStarts: Uint32Array;
  /** Event i's source is bulk[sourceStarts[i], lineStarts[i + 1] - 1). */
  sourceStarts: Uint32Array;
  /** Every event's id, back to back: event i's is ids.slice(idEnds[i - 1] ?? 0, idEnds[i]). */
  ids: string;
  idEnds: Uint32Array;
  /** Index names, and event i's as indexNames[indexRefs[i]]. */
  indexNames: string[];
  indexRefs: Uint32Array;
}

export interface BulkEvent {
  readonly index: string;
  readonly id: string;
  readonly source: Uint8Array;
}

/** Printable ASCII without `"` and `\`: JSON.stringify only adds the quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const SUFFIX = '}}\n';

/** The action line for an event, e.g. {"create":{"_index":"i","_id":"x"}} plus newline. */
export function actionLine(index: string, id: string): string {
  return `{"create":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)}}}\n`;
}

/**
 * The same bytes as concatenating actionLine(index, id), source and a newline per event, written
 * into one buffer of its own (never a slice of Node's shared pool, so it can be transferred): the
 * action's constant part is encoded once per index, plain ids are written as latin1 without
 * JSON.stringify, and there are no intermediate buffers.
 */
export function encodeBulkLines(events: readonly BulkEvent[]): BulkLines {
  const n = events.length;
  const prefixRef = new Map<string, number>();
  const prefixRefs = new Uint32Array(n);
  const prefixList: Buffer[] = [];
  const indexNames: string[] = [];
  const idJson = new Array<string>(n);
  const idBytes = new Int32Array(n); // negative: not plain, write as UTF-8
  const idParts = new Array<string>(n);
  const idEnds = new Uint32Array(n);
  let idChars = 0;
  let size = 0;
  let lastIndex: string | undefined;
  let lastRef = 0;
  for (let i = 0; i < n; i++) {
    const e = events[i] as BulkEvent;
    if (e.index !== lastIndex) {
      let ref = prefixRef.get(e.index);
      if (ref === undefined) {
        ref = prefixList.length;
        prefixList.push(Buffer.from(`{"create":{"_index":${JSON.stringify(e.index)},"_id":`));
        indexNames.push(e.index);
        prefixRef.set(e.index, ref);
      }
      lastIndex = e.index;
      lastRef = ref;
    }
    prefixRefs[i] = lastRef;
    let bytes: number;
    if (PLAIN.test(e.id)) {
      idJson[i] = e.id;
      bytes = e.id.length + 2;
      idBytes[i] = bytes;
    } else {
      const json = JSON.stringify(e.id);
      idJson[i] = json;
      bytes = Buffer.byteLength(json);
      idBytes[i] = -bytes;
    }
    idParts[i] = e.id;
    idChars += e.id.length;
    idEnds[i] = idChars;
    size += (prefixList[lastRef] as Buffer).length + bytes + SUFFIX.length + e.source.length + 1;
  }
  const bulk = Buffer.allocUnsafeSlow(size);
  const lineStarts = new Uint32Array(n + 1);
  const sourceStarts = new Uint32Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const e = events[i] as BulkEvent;
    lineStarts[i] = at;
    // TypedArray#set and single bytes: Buffer#copy and Buffer#write check their arguments in JS.
    const prefix = prefixList[prefixRefs[i] as number] as Buffer;
    bulk.set(prefix, at);
    at += prefix.length;
    const bytes = idBytes[i] as number;
    if (bytes > 0) {
      bulk[at++] = 0x22; // "
      // A plain id is printable ASCII: its UTF-16 units are its bytes. Written here rather than
      // with Buffer#write, whose call costs more than copying a 26-character gateway id
      // (bench/README.md, "Events in blocks of bulk lines").
      const id = idJson[i] as string;
      for (let j = 0; j < id.length; j++) bulk[at++] = id.charCodeAt(j);
      bulk[at++] = 0x22;
    } else {
      at += bulk.write(idJson[i] as string, at, 'utf8');
    }
    bulk[at++] = 0x7d; // }}\n
    bulk[at++] = 0x7d;
    bulk[at++] = 0x0a;
    sourceStarts[i] = at;
    bulk.set(e.source, at);
    at += e.source.length;
    bulk[at++] = 0x0a;
  }
  lineStarts[n] = at;
  if (at !== size) throw new Error(`bulk lines size mismatch: wrote ${at} of ${size} bytes`);
  return { bulk, lineStarts, sourceStarts, ids: idParts.join(''), idEnds, indexNames, indexRefs: prefixRefs };
}

/** Events [from, to) of some bulk lines. */
export interface BulkRange {
  readonly lines: BulkLines;
  readonly from: number;
  readonly to: number;
}

/** An event or, with `lines`, an Elasticsearch bulk operation as it goes out (see encodeLinesOf). */
export interface BulkLinesInput extends BulkEvent {
  /**
   * An operation of the Elasticsearch-compatible API: its action line and, unless it is a delete,
   * its source line, each with its newline; written as it is instead of a create of `source`.
   */
  readonly lines?: Uint8Array;
}

/**
 * Bulk lines of events and operations together (a spool replay holding operations): rare, so
 * plainly — each event's create lines made on their own, then everything copied once. Events
 * alone go through encodeBulkLines.
 */
export function encodeLinesOf(inputs: readonly BulkLinesInput[]): BulkLines {
  const n = inputs.length;
  const parts = inputs.map((e) => e.lines ?? Buffer.concat([Buffer.from(actionLine(e.index, e.id)), e.source, Buffer.from('\n')]));
  const lineStarts = new Uint32Array(n + 1);
  const sourceStarts = new Uint32Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const part = parts[i] as Uint8Array;
    lineStarts[i] = at;
    // The source follows the action line; a delete has none (its source is empty, at the end).
    const newline = part.indexOf(0x0a);
    sourceStarts[i] = at + (newline < 0 || newline === part.length - 1 ? part.length : newline + 1);
    at += part.length;
  }
  lineStarts[n] = at;
  const bulk = Buffer.allocUnsafeSlow(at);
  let w = 0;
  for (const part of parts) {
    bulk.set(part, w);
    w += part.length;
  }
  const input = (i: number) => inputs[i] as BulkLinesInput;
  return { bulk, lineStarts, sourceStarts, ...idIndexColumns(n, (i) => input(i).id, (i) => input(i).index) };
}

/** The id and index columns of n events, event i's id and index given by the functions. */
export function idIndexColumns(n: number, id: (i: number) => string, index: (i: number) => string): Pick<BulkLines, 'ids' | 'idEnds' | 'indexNames' | 'indexRefs'> {
  const idEnds = new Uint32Array(n);
  const indexRefs = new Uint32Array(n);
  const indexNames: string[] = [];
  const indexRef = new Map<string, number>();
  const ids = new Array<string>(n);
  let idChars = 0;
  for (let i = 0; i < n; i++) {
    const own = id(i);
    ids[i] = own;
    idChars += own.length;
    idEnds[i] = idChars;
    const name = index(i);
    let ref = indexRef.get(name);
    if (ref === undefined) {
      ref = indexNames.length;
      indexNames.push(name);
      indexRef.set(name, ref);
    }
    indexRefs[i] = ref;
  }
  return { ids: ids.join(''), idEnds, indexNames, indexRefs };
}
