/**
 * The active backend. The TS backend (backends/ts) is the default and the spec. Another backend
 * (e.g. @smd/native) is built with `defineBackend`, which makes every kernel either implemented
 * or explicitly listed as a fallback to the TS kernel: forgetting one is a compile error.
 */
import type { Data } from './dtype.js';
import type { KernelName, Kernels } from './kernels.js';
import { tsKernels } from './backends/ts/index.js';

/** A complete kernel set plus the kernels it borrowed from the TS backend. */
export interface Backend {
  /** e.g. 'ts', 'native' */
  readonly name: string;
  /** every kernel (own or TS fallback) */
  readonly kernels: Kernels;
  /** kernels that run the TS reference implementation (recorded in run manifests) */
  readonly fallbacks: readonly KernelName[];
  /**
   * Storage conv2d gives its float32 outputs: 'channelsLast', or 'channelsBlocked16' (used when
   * Cout is a multiple of 16) for a backend whose convolutions are fastest blocked.
   */
  readonly activationLayout: ActivationLayout;
}

/** Storage orders a backend may prefer for conv2d outputs. */
export type ActivationLayout = 'channelsLast' | 'channelsBlocked16';

/** The reference TypeScript backend. */
export const tsBackend: Backend = Object.freeze({
  name: 'ts',
  kernels: tsKernels,
  fallbacks: [],
  activationLayout: 'channelsLast',
});

/**
 * Build a backend from its own kernels plus an explicit list of kernels taken from TS.
 * `impl` must hold every kernel not named in `fallbacks` (enforced by the type checker).
 */
export function defineBackend<F extends KernelName>(
  name: string,
  impl: Omit<Kernels, F>,
  fallbacks: readonly F[],
  opts: { activationLayout?: ActivationLayout } = {},
): Backend {
  const kernels = { ...tsKernels } as Kernels;
  const own = impl as Partial<Kernels>;
  for (const key of Object.keys(tsKernels) as KernelName[]) {
    if (fallbacks.includes(key as F)) continue;
    const fn = own[key];
    if (typeof fn !== 'function') {
      throw new Error(`backend ${name}: kernel '${key}' is neither implemented nor a fallback`);
    }
    (kernels as unknown as Record<string, unknown>)[key] = fn;
  }
  return Object.freeze({
    name,
    kernels,
    fallbacks: [...fallbacks],
    activationLayout: opts.activationLayout ?? 'channelsLast',
  });
}

let active: Backend = tsBackend;

/** The backend ops currently dispatch to. */
export function getBackend(): Backend {
  return active;
}

/** Make `backend` the active one (returns the previous backend). */
export function setBackend(backend: Backend): Backend {
  const prev = active;
  active = backend;
  return prev;
}

/** Run `fn` with `backend` active, restoring the previous one afterwards. */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const prev = setBackend(backend);
  try {
    return fn();
  } finally {
    setBackend(prev);
  }
}

/**
 * Kernels to use for buffers of this dtype: float64 always runs on the TS backend (gradient
 * checks), float32 on the active backend.
 */
export function kernelsFor(data: Data): Kernels {
  return data instanceof Float64Array ? tsKernels : active.kernels;
}
