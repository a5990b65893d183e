// Request bodies as a stream of decoded chunks, with the limits enforced as bytes arrive: the
// body as sent (maxBodyBytes), after decompression (maxDecompressedBytes, and at most
// maxDecompressionRatio times what was sent: bombs), and its arrival time (bodyTimeoutMs: slow
// drips).
import { Readable, pipeline, type Transform } from 'node:stream';
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
  maxDecompressionRatio: number;
  /** The body must have arrived within this long of its first read (408 otherwise). */
  bodyTimeoutMs: number;
}

export const SUPPORTED_ENCODINGS = ['identity', 'gzip', 'x-gzip', 'deflate', 'br', 'zstd'] as const;

/** Decompressed bytes always allowed, whatever the ratio: a tiny body may hold a few KB of events. */
const RATIO_FREE_BYTES = 1024 * 1024;

function decompressor(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd':
      return zlib.createZstdDecompress();
    default:
      return undefined;
  }
}

/**
 * The source's chunks until `ms` have passed, then a 408 BodyError. The source (the request) is
 * left as it is on time-out, not destroyed: destroying a request destroys its socket, and the
 * 408 could not be written.
 */
async function* withDeadline(source: AsyncIterable<Buffer>, ms: number): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyError(408, 'request-timeout', 'Request timeout', `the request body did not arrive within ${ms} ms; nothing was accepted`)), ms);
  });
  expired.catch(() => {}); // the race below reports it
  let timedOut = false;
  try {
    for (;;) {
      let step: IteratorResult<Buffer>;
      try {
        step = await Promise.race([it.next(), expired]);
      } catch (err) {
        timedOut = err instanceof BodyError && err.status === 408;
        throw err;
      }
      if (step.done === true) return;
      yield step.value;
    }
  } finally {
    clearTimeout(timer);
    if (!timedOut) await it.return?.();
  }
}

async function* limited(source: AsyncIterable<Buffer>, limit: number, error: () => BodyError, onBytes?: (total: number) => void): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > limit) throw error();
    onBytes?.(total);
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
  let sent = 0;
  const raw = limited(withDeadline(payload, limits.bodyTimeoutMs), limits.maxBodyBytes, tooLarge, (total) => { sent = total; });
  const inflate = decompressor((encoding ?? 'identity').trim().toLowerCase());
  if (inflate === undefined) return raw;
  const tooLargeDecoded = () => new BodyError(413, 'body-too-large', 'Decompressed body too large', `the decompressed request body is larger than ${limits.maxDecompressedBytes} bytes`);
  const ratio = limits.maxDecompressionRatio;
  const bomb = () => new BodyError(413, 'decompression-ratio', 'Body decompresses too far', `the request body decompresses to more than ${ratio} times its compressed size; nothing was accepted`);
  // Checked against the compressed bytes read so far, which are never fewer than those inflated.
  const checkRatio = (total: number) => { if (total > RATIO_FREE_BYTES && total > sent * ratio) throw bomb(); };
  const decoded = pipeline(Readable.from(raw), inflate, () => {});
  return (async function* () {
    try {
      yield* limited(decoded, limits.maxDecompressedBytes, tooLargeDecoded, checkRatio);
    } catch (err) {
      if (err instanceof BodyError) throw err;
      throw new BodyError(400, 'invalid-encoding', 'Body could not be decompressed', `the body is not valid ${encoding} data: ${(err as Error).message}`);
    } finally {
      decoded.destroy();
    }
  })();
}
