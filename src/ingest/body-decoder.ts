// Request bodies as a stream of decoded chunks, with the size limits enforced as bytes arrive:
// the body as sent (maxBodyBytes) and after decompression (maxDecompressedBytes).
import { Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';

export class BodyError extends Error {
  readonly status: number;
  readonly slug: string;
  readonly title: string;
  /** Extra members for the problem body, e.g. the offending line. */
  readonly extensions: Record<string, unknown>;
  constructor(status: number, slug: string, title: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'BodyError';
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.extensions = extensions;
  }
}

export interface BodyLimits {
  maxBodyBytes: number;
  maxDecompressedBytes: number;
}

export const SUPPORTED_ENCODINGS = ['identity', 'gzip', 'x-gzip', 'deflate'] as const;

function decompressor(encoding: string): zlib.Gunzip | zlib.Inflate | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    default:
      return undefined;
  }
}

async function* limited(source: AsyncIterable<Buffer>, limit: number, error: () => BodyError): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > limit) throw error();
    yield chunk;
  }
}

/** Checks the Content-Encoding; returns a BodyError to answer with, or undefined. */
export function checkEncoding(encoding: string | undefined): BodyError | undefined {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if ((SUPPORTED_ENCODINGS as readonly string[]).includes(enc)) return undefined;
  return new BodyError(415, 'unsupported-encoding', 'Unsupported Content-Encoding', `Content-Encoding "${encoding}" is not supported; use one of ${SUPPORTED_ENCODINGS.join(', ')}`);
}

export function decodedChunks(payload: Readable, encoding: string | undefined, limits: BodyLimits): AsyncIterable<Buffer> {
  const tooLarge = () => new BodyError(413, 'body-too-large', 'Request body too large', `the request body is larger than ${limits.maxBodyBytes} bytes`);
  const raw = limited(payload, limits.maxBodyBytes, tooLarge);
  const inflate = decompressor((encoding ?? 'identity').trim().toLowerCase());
  if (inflate === undefined) return raw;
  const tooLargeDecoded = () => new BodyError(413, 'body-too-large', 'Decompressed body too large', `the decompressed request body is larger than ${limits.maxDecompressedBytes} bytes`);
  const decoded = pipeline(Readable.from(raw), inflate, () => {});
  return (async function* () {
    try {
      yield* limited(decoded, limits.maxDecompressedBytes, tooLargeDecoded);
    } catch (err) {
      if (err instanceof BodyError) throw err;
      throw new BodyError(400, 'invalid-encoding', 'Body could not be decompressed', `the body is not valid ${encoding} data: ${(err as Error).message}`);
    } finally {
      decoded.destroy();
    }
  })();
}
