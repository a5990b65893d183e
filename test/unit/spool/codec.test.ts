import { describe, expect, it } from 'vitest';
import { formatCheckpoint, parseCheckpoint } from '../../../src/spool/checkpoint.ts';
import { frameRecords, MAX_RECORD_PAYLOAD_BYTES, parseRecordAt, RECORD_HEADER_BYTES, RecordTooLargeError } from '../../../src/spool/record-framing.ts';
import { flip } from './spool-test-support.ts';
import { encodeSpoolEvent, frameMeasuredEvents, measureEvents } from '../../../src/spool/event-records.ts';
import { checkSpoolEvent, decodeSpoolEvent, spoolBatchOf, SpoolEventEncodingError, type SpoolEventInput } from '../../../src/spool/spool-event.ts';

/** Every record of a framed buffer, decoded (fails on anything but whole, verified records). */
function decodeAll(framed: Buffer) {
  const out = [];
  for (let at = 0; at < framed.length;) {
    const r = parseRecordAt(framed, at);
    if (r.kind !== 'record') throw new Error(`record at ${at}: ${JSON.stringify(r)}`);
    out.push(decodeSpoolEvent(r.payload));
    at = r.end;
  }
  return out;
}

describe('spool event encoding', () => {
  it('frames a batch as records that decode to its events, the same bytes as each event framed alone, whatever the ids, names and kinds', () => {
    const events: SpoolEventInput[] = [
      { id: 'plain-id-1', index: 'events-app-2026.01.01', stream: 'app', acceptedAt: 1_767_225_600_123, source: Buffer.from('{"a":1}') },
      { id: 'ïd-😀-2', index: 'events-app-2026.01.01', stream: 'app', acceptedAt: 1_767_225_600_124, source: Buffer.from('{"é":"ü"}'), kind: 'dead-letter' as const },
      { id: '', index: 'événements', stream: 'ström', acceptedAt: 2, source: Buffer.alloc(0) },
      { id: 'op-4', index: 'événements', stream: 'ström', acceptedAt: 3, source: Buffer.from('{"index":{}}\n{"b":2}\n'), kind: 'op' as const },
      { id: 'x5', index: 'other', stream: 'ström', acceptedAt: 4, source: Buffer.from([0x00, 0xff, 0x0a]) },
    ];
    const measured = measureEvents(spoolBatchOf(events));
    const framed = frameMeasuredEvents(measured);
    expect(framed.length).toBe(measured.bytes);
    expect(decodeAll(framed)).toEqual(events.map((e) => ({ kind: 'event', ...e })));
    expect(framed.equals(frameRecords(events.map((e) => encodeSpoolEvent(e))))).toBe(true);
  });

  it('refuses a batch with an id, index or stream over 65535 bytes before framing it', () => {
    const base = { id: 'a', index: 'i', stream: 's', acceptedAt: 1, source: Buffer.alloc(0) };
    expect(() => measureEvents(spoolBatchOf([base, { ...base, id: 'é'.repeat(40_000) }]))).toThrow(SpoolEventEncodingError);
    expect(() => measureEvents(spoolBatchOf([{ ...base, index: 'i'.repeat(70_000) }]))).toThrow(SpoolEventEncodingError);
    expect(() => measureEvents(spoolBatchOf([{ ...base, stream: 's'.repeat(70_000) }]))).toThrow(SpoolEventEncodingError);
  });

  it('round-trips unicode strings and binary-ish source bytes exactly', () => {
    const source = Buffer.concat([Buffer.from('{"msg":"héllo 🌍 \\u0000","n":1.50}'), Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x0d, 0x80])]);
    const e = { id: 'ïd-😀-1', index: 'événements-2026.01.01', stream: 'ström', acceptedAt: 1_767_225_600_123, source, kind: 'event' as const };
    const decoded = decodeSpoolEvent(encodeSpoolEvent(e));
    expect(decoded).toEqual(e);
    expect(Buffer.compare(decoded.source, source)).toBe(0);
  });

  it('keeps the dead-letter kind, defaults to event, and allows an empty source', () => {
    const base = { id: 'a', index: 'dead-letters', stream: 's', acceptedAt: 1, source: Buffer.alloc(0) };
    expect(decodeSpoolEvent(encodeSpoolEvent({ ...base, kind: 'dead-letter' })).kind).toBe('dead-letter');
    expect(decodeSpoolEvent(encodeSpoolEvent(base))).toEqual({ ...base, kind: 'event' });
  });

  it('is compact: a 16-byte header plus the bytes of the strings and the source', () => {
    const e = { id: 'id', index: 'idx', stream: 's', acceptedAt: 1, source: Buffer.from('{}') };
    expect(encodeSpoolEvent(e).length).toBe(16 + 2 + 3 + 1 + 2);
  });

  it('refuses strings longer than 65535 bytes and malformed payloads', () => {
    expect(() => encodeSpoolEvent({ id: 'x'.repeat(70_000), index: 'i', stream: 's', acceptedAt: 1, source: Buffer.alloc(0) })).toThrow(SpoolEventEncodingError);
    expect(checkSpoolEvent(Buffer.alloc(10))).toMatch(/shorter/);
    const bad = encodeSpoolEvent({ id: 'id', index: 'i', stream: 's', acceptedAt: 1, source: Buffer.alloc(0) });
    bad.writeUInt16LE(500, 10);
    expect(checkSpoolEvent(bad)).toMatch(/past the end/);
    expect(() => decodeSpoolEvent(bad)).toThrow(SpoolEventEncodingError);
  });
});

describe('record framing', () => {
  const payloads = [Buffer.alloc(20, 1), Buffer.alloc(40, 2)];
  const framed = frameRecords(payloads);

  it('frames consecutive records that parse back in order', () => {
    const a = parseRecordAt(framed, 0);
    expect(a.kind).toBe('record');
    if (a.kind !== 'record') return;
    expect(a.payload).toEqual(payloads[0]);
    const b = parseRecordAt(framed, a.end);
    expect(b).toEqual({ kind: 'record', payload: payloads[1], end: framed.length });
  });

  it('reports a record cut short as incomplete, with the bytes it needs', () => {
    expect(parseRecordAt(framed.subarray(0, 5), 0)).toEqual({ kind: 'incomplete', needBytes: RECORD_HEADER_BYTES });
    expect(parseRecordAt(framed.subarray(0, 20), 0)).toEqual({ kind: 'incomplete', needBytes: RECORD_HEADER_BYTES + 20 });
  });

  it('detects a flipped payload byte, an absurd length and zero fill', () => {
    const flipped = Buffer.from(framed);
    flip(flipped, RECORD_HEADER_BYTES + 3, 0x10);
    expect(parseRecordAt(flipped, 0)).toMatchObject({ kind: 'corrupt', reason: expect.stringMatching(/checksum/) });
    const huge = Buffer.from(framed);
    huge.writeUInt32LE(0xfffffff0, 0);
    expect(parseRecordAt(huge, 0)).toMatchObject({ kind: 'corrupt', reason: expect.stringMatching(/absurd/) });
    expect(parseRecordAt(Buffer.alloc(64), 0)).toMatchObject({ kind: 'corrupt' });
  });
});

describe('checkpoint format', () => {
  it('round-trips and refuses damaged text', () => {
    const text = formatCheckpoint({ seq: 12, offset: 34567 });
    expect(parseCheckpoint(text)).toEqual({ kind: 'ok', position: { seq: 12, offset: 34567 } });
    expect(parseCheckpoint(text.replace('34567', '34568')).kind).toBe('invalid');
    expect(parseCheckpoint('').kind).toBe('invalid');
  });
});

describe('record size limit', () => {
  it('refuses to frame a payload recovery would call absurd', () => {
    expect(() => frameRecords([Buffer.alloc(MAX_RECORD_PAYLOAD_BYTES + 1)])).toThrow(RecordTooLargeError);
  });
});
