/**
 * A small free list of typed-array buffers keyed by dtype and length. Autograd returns gradient
 * buffers it owns once they are consumed; ops draw their outputs from here. Reusing buffers of the
 * recurring per-step sizes avoids re-mapping (page-faulting) large fresh allocations each step.
 * Forward activations that only the autograd graph can reach (nn-internal intermediates, see
 * `releaseAfterBackward`) come back once backward has passed them.
 * Invisible to users: there is no dispose API; unreturned buffers are simply garbage collected.
 */
import { allocData, type Data, type DType } from './dtype.js';

/** Keep at most this many bytes in the free lists. */
const MAX_POOLED_BYTES = 768 * 1024 * 1024;
/** Buffers smaller than this are cheaper to allocate than to track. */
const MIN_POOLED_ELEMENTS = 1024;

const free = new Map<string, Data[]>();
let pooledBytes = 0;
let hits = 0;
let misses = 0;

function key(dtype: DType, n: number): string {
  return `${dtype}:${n}`;
}

/** A zero-filled buffer of n elements (reused when one is free). */
export function acquireZeroed(dtype: DType, n: number): Data {
  return acquire(dtype, n, true);
}

/** A buffer of n elements with arbitrary contents, for outputs a kernel fully overwrites. */
export function acquireBuffer(dtype: DType, n: number): Data {
  return acquire(dtype, n, false);
}

function acquire(dtype: DType, n: number, zero: boolean): Data {
  if (n >= MIN_POOLED_ELEMENTS) {
    const list = free.get(key(dtype, n));
    if (list !== undefined && list.length > 0) {
      const d = list.pop()!;
      pooledBytes -= d.byteLength;
      hits++;
      if (zero) d.fill(0);
      return d;
    }
    misses++;
  }
  return allocData(dtype, n);
}

/** Return a buffer nobody references any more. */
export function releaseBuffer(d: Data): void {
  if (
    d.length < MIN_POOLED_ELEMENTS ||
    d.byteOffset !== 0 ||
    d.length * d.BYTES_PER_ELEMENT !== d.buffer.byteLength
  )
    return;
  if (pooledBytes + d.byteLength > MAX_POOLED_BYTES) return;
  const k = key(d instanceof Float64Array ? 'float64' : 'float32', d.length);
  let list = free.get(k);
  if (list === undefined) {
    list = [];
    free.set(k, list);
  }
  list.push(d);
  pooledBytes += d.byteLength;
}

/** Pool statistics (for benchmarks and tests). */
export function bufferPoolStats(): { pooledBytes: number; hits: number; misses: number } {
  return { pooledBytes, hits, misses };
}

/** Drop every pooled buffer. */
export function clearBufferPool(): void {
  free.clear();
  pooledBytes = 0;
}
