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

/** Every 2-character (10-bit) chunk, so the 8-character counter takes four look-ups. */
const PAIRS: readonly string[] = Array.from({ length: 1024 }, (_, i) => encode(i, 2));

/** encode(value, 8) for 0 <= value < 2^40, by 10-bit chunks. */
function encode40(value: number): string {
  const hi = Math.floor(value / 0x100000);
  const lo = value % 0x100000;
  return (PAIRS[hi >>> 10] as string) + (PAIRS[hi & 1023] as string) + (PAIRS[lo >>> 10] as string) + (PAIRS[lo & 1023] as string);
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
    return lastTimePart + prefix + encode40(counter);
  };
}
