/**
 * @smd/native: the oneDNN/OpenMP Node-API backend implementing the engine's Kernels.
 *
 * Optional by design: when the addon did not build or load, `nativeStatus()` says why,
 * `nativeBackend()` returns null and `nativeKernels` is the TS reference set.
 */
import {
  defineBackend,
  tsKernels,
  type ActivationLayout,
  type Backend,
  type ChannelOrder,
  type Conv2dGeometry,
  type Kernels,
} from '@smd/engine';
import { readFileSync } from 'node:fs';
import { loadAddon } from './addon.js';
import { convImplOf, createNativeKernels } from './addon-calls.js';

export type { NativeAddon } from './addon.js';

/** Package name. */
export const NATIVE_PACKAGE = '@smd/native';

/** What the native backend is doing on this machine. */
export interface NativeStatus {
  /** true when the compiled addon loaded */
  loaded: boolean;
  /** why it did not load (absent when loaded) */
  reason?: string;
  /** OpenMP threads its kernels use (0 when not loaded) */
  threads: number;
  /** instruction set oneDNN dispatches to, e.g. 'avx512_core' ('none' when not loaded) */
  isa: string;
  /** oneDNN version, e.g. '2.6.3' (absent when not loaded) */
  onednn?: string;
  /**
   * How idle OpenMP threads wait: OMP_WAIT_POLICY when set, else `spin N` for GOMP_SPINCOUNT
   * (10000 unless the user set it), else 'default' (libgomp's own)
   */
  waitPolicy?: string;
}

const load = loadAddon();

/** Loaded-or-not status of the addon (for `smd doctor` and run manifests). */
export function nativeStatus(): NativeStatus {
  if (!load.addon) return { loaded: false, reason: load.reason, threads: 0, isa: 'none' };
  const s = load.addon.status();
  return {
    loaded: true,
    threads: s.threads,
    isa: s.isa,
    onednn: s.onednn,
    waitPolicy:
      process.env.OMP_WAIT_POLICY ??
      (process.env.GOMP_SPINCOUNT ? `spin ${process.env.GOMP_SPINCOUNT}` : 'default'),
  };
}

/**
 * A whole file's bytes: through the addon's huge-page reader when it loaded (3–4 GB/s from the
 * page cache on our VMs, where fs.readFileSync's 4 KiB first-touch faults hold it to ~0.3 GB/s;
 * see cc/file-read.cc), else fs.readFileSync. Errors name the path.
 */
export function readFileFast(path: string): Uint8Array {
  if (load.addon) return new Uint8Array(load.addon.readFileHuge(path));
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Every kernel, native when the addon loaded, else the TS reference kernels. */
export const nativeKernels: Kernels = load.addon ? createNativeKernels(load.addon) : tsKernels;

/**
 * Which kernels run native code: every kernel of `Kernels` is native when the addon loaded
 * (calls it cannot win route to TS at call time, see createNativeKernels); all are TS otherwise.
 */
export function nativeKernelCoverage(): { native: string[]; ts: string[] } {
  const names = Object.keys(tsKernels).sort();
  const isNative = (k: string): boolean =>
    (nativeKernels as unknown as Record<string, unknown>)[k] !==
    (tsKernels as unknown as Record<string, unknown>)[k];
  return { native: names.filter(isNative), ts: names.filter((k) => !isNative(k)) };
}

let backend: Backend | null = null;

let nhwcBackend: Backend | null = null;

/**
 * The native backend for `setBackend`, or null when the addon is unavailable (see nativeStatus).
 * No kernel is a declared TS fallback; `binary` and `copyStrided` run TS for calls under 4096
 * elements, and any Float64Array call runs TS. Conv outputs are stored blocked (nChw16c) when
 * their channel count allows, which lets oneDNN use Winograd; `activationLayout: 'channelsLast'`
 * gives the NHWC variant (for comparisons).
 */
export function nativeBackend(opts: { activationLayout?: ActivationLayout } = {}): Backend | null {
  if (!load.addon) return null;
  if (opts.activationLayout === 'channelsLast') {
    nhwcBackend ??= defineBackend('native', nativeKernels, [], {
      activationLayout: 'channelsLast',
    });
    return nhwcBackend;
  }
  backend ??= defineBackend('native', nativeKernels, [], { activationLayout: 'channelsBlocked16' });
  return backend;
}

/** Set the OpenMP thread count of native kernels (throws when the addon is not loaded). */
export function setNativeThreads(n: number): void {
  if (!load.addon) throw new Error(`native backend not loaded: ${load.reason}`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`threads: expected an integer >= 1, got ${n}`);
  load.addon.setThreads(n);
}

/**
 * Name of the oneDNN implementation chosen for a convolution (e.g. 'brgconv:avx512_core'), to
 * diagnose slow paths such as 'gemm:ref'. Null when the addon is not loaded.
 */
export function nativeConvImplementation(
  kind: 'forward' | 'backwardData' | 'backwardWeights',
  g: Conv2dGeometry,
  xOrder: ChannelOrder = 'nhwc',
  yOrder: ChannelOrder = 'nhwc',
): string | null {
  if (!load.addon) return null;
  return convImplOf(load.addon, { kind, geom: g, xOrder, yOrder });
}
