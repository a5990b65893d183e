// Frames a decoded request body into enveloped events: NDJSON line by line as chunks arrive, or
// a JSON document holding one event or an array of them. Per-event problems are collected
// (all counted, the first N kept); request-level problems throw a BodyError.
import { isUtf8 } from 'node:buffer';
import { BodyError } from './body-decoder.ts';
import { encodeBulkLines, type BulkLines } from '../model/bulk-lines.ts';
import { envelopeLine, type EnvelopedEvent, type EnvelopeResult } from './envelope.ts';
import { forEachJsonValue, JsonStructureError, JsonValueTooLargeError } from './json-array-framer.ts';
import { LineTooLargeError, NdjsonFramer } from './ndjson-framer.ts';
import type { StreamContext } from './stream-context.ts';

export type BodyFormat = 'ndjson' | 'json';

/** Where an event was in the request: its NDJSON line (1-based) or JSON array element (0-based). */
export type Position = { line: number } | { element: number };

export interface EventError {
  line?: number;
  element?: number;
  code: string;
  detail: string;
}

/** What a position number means: an NDJSON line (1-based) or a JSON array element (0-based). */
export type PositionKind = 'line' | 'element';

/**
 * The accepted events of a request, encoded as bulk lines in one or more parts (a body framed in
 * parallel gives one per part), with their positions in the request (same order), and the rest
 * counted.
 */
export interface FramedRequest {
  parts: BulkLines[];
  /** Events in all parts. */
  accepted: number;
  positionKind: PositionKind;
  positions: Int32Array;
  rejected: number;
  /** Rejected events by reason (all of them; `errors` lists only the first few). */
  rejectedBy: Record<string, number>;
  errors: EventError[];
}

/** Where accepted event i was in the request. */
export function positionOf(framed: FramedRequest, i: number): Position {
  const at = framed.positions[i] as number;
  return framed.positionKind === 'line' ? { line: at } : { element: at };
}

export interface FrameLimits {
  maxDecompressedBytes: number;
  maxLineBytes: number;
  maxEventsPerRequest: number;
  maxReportedErrors: number;
}

/** The format of a Content-Type, or undefined when it is not one the gateway takes. */
export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl') return 'ndjson';
  if (type === 'application/json') return 'json';
  return undefined;
}

class Collector {
  private readonly events: EnvelopedEvent[] = [];
  private readonly positions: number[] = [];
  private rejected = 0;
  private readonly rejectedBy: Record<string, number> = {};
  private readonly errors: EventError[] = [];
  private readonly limits: FrameLimits;
  private readonly positionKind: PositionKind;
  constructor(limits: FrameLimits, positionKind: PositionKind) {
    this.limits = limits;
    this.positionKind = positionKind;
  }

  add(position: Position, result: EnvelopeResult): void {
    if (this.events.length + this.rejected >= this.limits.maxEventsPerRequest) throw tooManyEvents(this.limits);
    if (result.ok) {
      // NDJSON lines are held to the limit by the framer; array elements only exist once parsed.
      if ('element' in position && result.event.source.length > this.limits.maxLineBytes) throw eventTooLarge(position, this.limits.maxLineBytes);
      this.events.push(result.event);
      this.positions.push('line' in position ? position.line : position.element);
      return;
    }
    this.rejected++;
    this.rejectedBy[result.code] = (this.rejectedBy[result.code] ?? 0) + 1;
    if (this.errors.length < this.limits.maxReportedErrors) this.errors.push({ ...position, code: result.code, detail: result.detail });
  }

  /** The request framed: accepted events encoded as bulk lines (one part). */
  finish(): FramedRequest {
    const parts = this.events.length === 0 ? [] : [encodeBulkLines(this.events)];
    return { parts, accepted: this.events.length, positionKind: this.positionKind, positions: Int32Array.from(this.positions), rejected: this.rejected, rejectedBy: this.rejectedBy, errors: this.errors };
  }
}

export function tooManyEvents(limits: FrameLimits): BodyError {
  return new BodyError(413, 'too-many-events', 'Too many events', `a request may carry at most ${limits.maxEventsPerRequest} events`);
}

function eventTooLarge(position: Position, limit: number): BodyError {
  const where = 'line' in position ? `line ${position.line}` : `element ${position.element}`;
  return new BodyError(413, 'event-too-large', 'Event too large', `${where} is larger than ${limit} bytes`, { ...position });
}

/** The id for an event without one, derived from the request's Idempotency-Key and its position. */
function idFor(key: string | undefined, position: Position): string | undefined {
  if (key === undefined) return undefined;
  return 'line' in position ? `${key}:l${position.line}` : `${key}:e${position.element}`;
}

/** NDJSON framing fed chunk by chunk (synchronous: the caller owns the reading). */
export class NdjsonFraming {
  private readonly collect: Collector;
  private readonly framer: NdjsonFramer;

  /** @param utf8Checked  every chunk to come is known to be valid UTF-8 (see envelopeLine) */
  constructor(ctx: StreamContext, limits: FrameLimits, idempotencyKey?: string, firstLine = 1, utf8Checked = false) {
    const collect = new Collector(limits, 'line');
    this.collect = collect;
    this.framer = new NdjsonFramer(limits.maxLineBytes, (line, n) => {
      const position = { line: n };
      collect.add(position, envelopeLine(line, ctx, idFor(idempotencyKey, position), true, utf8Checked));
    }, firstLine);
  }

  push(chunk: Buffer): void {
    this.guard(() => this.framer.push(chunk));
  }

  end(): FramedRequest {
    this.guard(() => this.framer.end());
    return this.collect.finish();
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      if (err instanceof LineTooLargeError) throw eventTooLarge({ line: err.line }, err.limit);
      throw err;
    }
  }
}

/**
 * Frames a whole JSON body (one event or an array of them). Each element is found without parsing
 * the body and parsed on its own (json-array-framer.ts); an element on one line keeps its exact
 * bytes, one spread over lines (a pretty-printed array) is re-serialised, since a bulk body is
 * one line per document. The body must be valid JSON as a whole: a broken element is a 400 for
 * the request, as is broken structure.
 */
export function frameJsonBytes(body: Buffer, ctx: StreamContext, limits: FrameLimits, idempotencyKey?: string): FramedRequest {
  const malformed = (message: string) => new BodyError(400, 'malformed-json', 'Malformed JSON', `the body is not valid JSON: ${message}`);
  const collect = new Collector(limits, 'element');
  const utf8Checked = isUtf8(body);
  try {
    forEachJsonValue(body, limits.maxLineBytes, (start, end, element, multiline) => {
      const position = { element };
      const result = envelopeLine(body.subarray(start, end), ctx, idFor(idempotencyKey, position), !multiline, utf8Checked);
      if (!result.ok && result.code === 'invalid_json') throw malformed(`element ${element}: ${result.detail}`);
      collect.add(position, result);
    });
  } catch (err) {
    if (err instanceof JsonStructureError) throw malformed(err.message);
    if (err instanceof JsonValueTooLargeError) throw eventTooLarge({ element: err.element }, err.limit);
    throw err;
  }
  return collect.finish();
}

/**
 * Frames a whole body of either format at once (what a framing worker does). An NDJSON body may
 * be one part of a larger one, cut after a newline, whose first line is `firstLine`.
 */
export function frameBody(format: BodyFormat, body: Buffer, ctx: StreamContext, limits: FrameLimits, idempotencyKey?: string, firstLine = 1): FramedRequest {
  if (format === 'json') return frameJsonBytes(body, ctx, limits, idempotencyKey);
  // One UTF-8 check of the whole body instead of one per line; a body that fails it is checked
  // line by line, so only its bad lines are rejected.
  const framing = new NdjsonFraming(ctx, limits, idempotencyKey, firstLine, isUtf8(body));
  framing.push(body);
  return framing.end();
}

/** NDJSON framed line by line as chunks arrive. */
export async function frameNdjson(chunks: AsyncIterable<Buffer>, ctx: StreamContext, limits: FrameLimits, idempotencyKey?: string): Promise<FramedRequest> {
  const framing = new NdjsonFraming(ctx, limits, idempotencyKey);
  for await (const chunk of chunks) framing.push(chunk);
  return framing.end();
}

export async function frameJson(chunks: AsyncIterable<Buffer>, ctx: StreamContext, limits: FrameLimits, idempotencyKey?: string): Promise<FramedRequest> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return frameJsonBytes(Buffer.concat(parts), ctx, limits, idempotencyKey);
}
