import { describe, expect, it } from 'vitest';
import { IntakeGate, IntakeTimeoutError } from '../../src/ingest/intake-gate.ts';

async function* chunksOf(...sizes: number[]) {
  for (const n of sizes) yield Buffer.alloc(n);
}

async function drain(it: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const c of it) n += c.length;
  return n;
}

describe('IntakeGate', () => {
  it('lets the oldest request go on past the bound, holds a younger one until room is made', async () => {
    const gate = new IntakeGate(100, 5_000);
    const first = gate.open();
    expect(await drain(first.chunks(chunksOf(80, 80)))).toBe(160); // oldest: never waits
    expect(gate.bytesInUse).toBe(160);
    const second = gate.open();
    let read = 0;
    const reading = (async () => { for await (const c of second.chunks(chunksOf(10, 10))) read += c.length; })();
    await new Promise((r) => setTimeout(r, 50));
    expect(read).toBe(0); // waiting: nothing read from its socket
    first.close();
    await reading;
    expect(read).toBe(20);
    second.close();
    expect(gate.bytesInUse).toBe(0);
  });

  it('gives up after the wait bound', async () => {
    const gate = new IntakeGate(100, 50);
    const first = gate.open();
    await drain(first.chunks(chunksOf(100)));
    const second = gate.open();
    await expect(drain(second.chunks(chunksOf(1)))).rejects.toBeInstanceOf(IntakeTimeoutError);
    second.close();
    first.close();
    expect(gate.bytesInUse).toBe(0);
  });
});
