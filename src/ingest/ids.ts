// Time-ordered document ids, given to every event when it is accepted. 26 characters of
// Crockford base32 (like a ULID): 10 for the millisecond time, 8 for a per-process random
// prefix and 8 for a counter, so ids sort by acceptance time and never repeat in a process.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encode(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[v % 32] + out;
    v = Math.floor(v / 32);
  }
  return out;
}

export type IdGenerator = () => string;

export function createIdGenerator(now: () => number = Date.now, random: Buffer = randomBytes(5)): IdGenerator {
  // 5 random bytes = 40 bits = 8 base32 characters.
  const prefix = encode(random.readUIntBE(0, 5), 8);
  let counter = 0;
  let lastTime = 0;
  let lastTimePart = '';
  return () => {
    const t = now();
    if (t !== lastTime) {
      lastTime = t;
      lastTimePart = encode(t, 10);
    }
    counter = (counter + 1) % 0x10000000000; // 40 bits
    return lastTimePart + prefix + encode(counter, 8);
  };
}
