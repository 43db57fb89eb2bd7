/**
 * Gzip detection and browser-safe decompression. Node callers should prefer node:zlib's
 * gunzipSync (synchronous, faster); browsers and any runtime with the standard
 * DecompressionStream (Node >= 18, all current browsers) can use `gunzip` here.
 */

/** True when `bytes` starts with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

// Minimal structural type: this package compiles without DOM typings.
interface DecompressionStreamCtor {
  new (format: 'gzip'): { readable: unknown; writable: unknown };
}

/**
 * Decompress gzip bytes with the standard DecompressionStream. `file` names the input in the
 * one-line error thrown for corrupt or truncated data.
 */
export async function gunzip(bytes: Uint8Array, file = '<bytes>'): Promise<Uint8Array> {
  const Ctor = (globalThis as { DecompressionStream?: DecompressionStreamCtor })
    .DecompressionStream;
  if (Ctor === undefined) {
    throw new Error(`gunzip ${file}: this runtime has no DecompressionStream`);
  }
  if (!isGzip(bytes)) throw new Error(`gunzip ${file}: not gzip data (magic is not 0x1f 0x8b)`);
  const ds = new Ctor('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  // Write and read concurrently (the stream applies back-pressure); Promise.all handles both
  // rejections, so a corrupt stream cannot leave an unhandled one behind.
  const chunks: Uint8Array[] = [];
  let total = 0;
  const read = async (): Promise<void> => {
    const reader = ds.readable.getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      chunks.push(r.value);
      total += r.value.length;
    }
  };
  const write = async (): Promise<void> => {
    const writer = ds.writable.getWriter();
    await writer.write(bytes);
    await writer.close();
  };
  try {
    await Promise.all([read(), write()]);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`gunzip ${file}: corrupt or truncated gzip data (${msg.split('\n')[0]})`);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

interface ReadableWritablePair<W, R> {
  writable: {
    getWriter(): { write(chunk: W): Promise<void>; close(): Promise<void> };
  };
  readable: {
    getReader(): { read(): Promise<{ done: true; value?: undefined } | { done: false; value: R }> };
  };
}
