// Request bodies decoded under their limits: every accepted Content-Encoding (gzip, deflate, br,
// zstd), the decompression-ratio cut-off for bombs, and the deadline for bodies that drip.
import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyError, checkEncoding, decodedChunks } from '../../src/ingest/body-decoder.ts';

const LIMITS = { maxBodyBytes: 1 << 20, maxDecompressedBytes: 64 << 20, maxDecompressionRatio: 100, bodyTimeoutMs: 60_000 };

async function decode(body: Readable, encoding: string | undefined, limits = LIMITS): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of decodedChunks(body, encoding, limits)) parts.push(c);
  return Buffer.concat(parts);
}

async function refusal(body: Readable, encoding: string | undefined, limits = LIMITS): Promise<BodyError> {
  try {
    await decode(body, encoding, limits);
  } catch (err) {
    if (err instanceof BodyError) return err;
    throw err;
  }
  throw new Error('decoded without a refusal');
}

const EVENTS = Buffer.from('{"a":1}\n{"b":"ünï"}\n'.repeat(50));
const COMPRESS: Record<string, (b: Buffer) => Buffer> = {
  gzip: zlib.gzipSync,
  'x-gzip': zlib.gzipSync,
  deflate: zlib.deflateSync,
  br: zlib.brotliCompressSync,
  zstd: zlib.zstdCompressSync,
};

// 16 MiB of spaces, compressed fast: hundreds of times smaller.
const SPACES = Buffer.alloc(16 << 20, 0x20);
const BOMBS: Record<string, Buffer> = {
  gzip: zlib.gzipSync(SPACES, { level: 1 }),
  br: zlib.brotliCompressSync(SPACES, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }),
  zstd: zlib.zstdCompressSync(SPACES),
};

describe('decodedChunks', () => {
  it.each(Object.keys(COMPRESS))('decodes %s', async (encoding) => {
    expect(checkEncoding(encoding)).toBeUndefined();
    const compressed = (COMPRESS[encoding] as (b: Buffer) => Buffer)(EVENTS);
    expect(await decode(Readable.from([compressed]), encoding)).toEqual(EVENTS);
  });

  it.each(['gzip', 'br', 'zstd'])('cuts a %s bomb off at the ratio, long before the decompressed limit', async (encoding) => {
    const bomb = BOMBS[encoding] as Buffer;
    expect(bomb.length * 200).toBeLessThan(16 << 20); // far past the ratio (100)
    const err = await refusal(Readable.from([bomb]), encoding, { ...LIMITS, maxDecompressedBytes: 1 << 30 });
    expect(err).toMatchObject({ status: 413, slug: 'decompression-ratio' });
  });

  it('lets a small body decompress past the ratio up to the first MiB', async () => {
    const airy = Buffer.from(`${' '.repeat(500_000)}{"a":1}\n`);
    expect(await decode(Readable.from([zlib.gzipSync(airy)]), 'gzip')).toEqual(airy);
  });

  it('answers 408 when the body has not arrived in time, leaving the source undestroyed', async () => {
    const drip = new PassThrough();
    drip.write('{"a":');
    const err = await refusal(drip, undefined, { ...LIMITS, bodyTimeoutMs: 50 });
    expect(err).toMatchObject({ status: 408, slug: 'request-timeout' });
    expect(drip.destroyed).toBe(false); // destroying a request destroys its socket: no 408 could be written
    drip.destroy();
  });

  it('refuses unknown encodings with 415', () => {
    expect(checkEncoding('compress')).toMatchObject({ status: 415, slug: 'unsupported-encoding' });
  });
});
