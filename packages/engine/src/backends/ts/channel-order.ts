/**
 * The TS backend's meaning of 'nChw16c' buffers: a kernel called with blocked buffers computes
 * exactly what it computes on their NHWC copies. Each wrapper copies the blocked buffers it names
 * to NHWC, runs the NHWC kernel, and copies the written ones (outputs, accumulated gradients)
 * back. This is the spec a native backend's blocked kernels are checked against; it is not fast.
 */
import type { Data } from '../../dtype.js';
import type { ChannelOrder } from '../../kernels.js';
import { relayoutCopy } from '../../storage-order.js';
import { copyStrided } from './elementwise.js';

/** [N, C, H, W] of one buffer. */
type Dims = readonly [number, number, number, number];

/** `src` (4-D activation of `dims`) copied from one channel order into another. */
function reorder(src: Data, dims: Dims, from: ChannelOrder, to: ChannelOrder, out?: Data): Data {
  const fromLayout = from === 'nChw16c' ? 'channelsBlocked16' : 'channelsLast';
  const toLayout = to === 'nChw16c' ? 'channelsBlocked16' : 'channelsLast';
  const dst = out ?? new (src.constructor as new (n: number) => Data)(src.length);
  copyStrided({ out: dst, x: src, ...relayoutCopy(dims, fromLayout, toLayout) });
  return dst;
}

/** One buffer field of a params record: its dims, its order, and whether the kernel writes it. */
export interface BufferSpec<P> {
  key: keyof P;
  dims: Dims;
  order: ChannelOrder;
  written: boolean;
}

/**
 * Run `kernel` on `p` with every blocked buffer in `specs` replaced by an NHWC copy; written
 * buffers are copied back into their blocked storage afterwards.
 */
export function runOnNhwc<P extends object>(
  kernel: (p: P) => void,
  p: P,
  specs: readonly BufferSpec<P>[],
): void {
  const blocked = specs.filter((s) => s.order === 'nChw16c' && p[s.key] !== null);
  if (blocked.length === 0) {
    kernel(p);
    return;
  }
  const q = { ...p } as Record<string, unknown>;
  for (const s of blocked)
    q[s.key as string] = reorder(p[s.key] as Data, s.dims, 'nChw16c', 'nhwc');
  kernel(q as P);
  for (const s of blocked) {
    if (s.written) reorder(q[s.key as string] as Data, s.dims, 'nhwc', 'nChw16c', p[s.key] as Data);
  }
}
