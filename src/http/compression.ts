import zlib from "node:zlib";

export type Encoding = "br" | "gzip" | "deflate";

export interface CompressionOptions {
  enabled: boolean;
  gzip_level: number;
  brotli_quality: number;
  max_compressed_readers: number;
}

/**
 * Picks the transport encoding for an SSE reader from `Accept-Encoding` (API.md §3): br, then
 * gzip, then deflate, skipping any the client marks `q=0`. Returns undefined for identity.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const offered = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name = "", ...params] = part.trim().split(";");
    const q = params
      .map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1])
      .find((value) => value !== undefined);
    offered.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const wildcard = offered.get("*");
  for (const encoding of ["br", "gzip", "deflate"] as const) {
    const q = offered.get(encoding) ?? wildcard;
    if (q !== undefined && q > 0) return encoding;
  }
  return undefined;
}

/**
 * Memory per compressed reader (README, Decisions): an 8 KiB deflate window instead of 32 KiB
 * (zlib's state is 4× the window plus the hash: ~235 → ~135 KiB RSS per idle gzip reader, for
 * ~6 % more bytes on event streams and less CPU), a 64 KiB brotli window instead of 4 MiB (the
 * same bytes on event streams, ~30 % less CPU; brotli's hash tables stay), and 4 KiB output
 * chunks instead of 16 KiB (a flushed batch rarely compresses to more).
 */
const DEFLATE_WINDOW_BITS = 13;
const BROTLI_WINDOW_BITS = 16;
const CHUNK_BYTES = 4096;

/**
 * A compressor for one reader at the cheap settings API.md §3 asks for (gzip level 1, brotli
 * quality ≤ 4); the writer flushes it after every write so no event waits in its buffer.
 */
export function createCompressor(
  encoding: Encoding,
  options: CompressionOptions,
): zlib.Gzip | zlib.Deflate | zlib.BrotliCompress {
  switch (encoding) {
    case "br":
      return zlib.createBrotliCompress({
        chunkSize: CHUNK_BYTES,
        params: {
          [zlib.constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
          [zlib.constants.BROTLI_PARAM_QUALITY]: options.brotli_quality,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        },
      });
    case "gzip":
      return zlib.createGzip(deflateOptions(options));
    case "deflate":
      return zlib.createDeflate(deflateOptions(options));
  }
}

function deflateOptions(options: CompressionOptions): zlib.ZlibOptions {
  return { level: options.gzip_level, windowBits: DEFLATE_WINDOW_BITS, chunkSize: CHUNK_BYTES };
}

/** The flush kind that makes everything written so far decodable without ending the stream. */
export function flushKind(encoding: Encoding): number {
  return encoding === "br" ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.Z_SYNC_FLUSH;
}
