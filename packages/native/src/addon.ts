/**
 * Loads the compiled addon (build/Release/smd_native.node) once. A missing or broken build is not
 * an error: `loadAddon()` returns the reason instead, and the engine keeps its TS backend.
 */
import { createRequire } from 'node:module';
import type { ChannelOrder, Conv2dGeometry } from '@smd/engine';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type F32 = Float32Array;
type F32OrNull = Float32Array | null;

/** True for Float32Array or null (the buffers the addon accepts). */
export function isF32(d: unknown): d is Float32Array | null {
  return d === null || d instanceof Float32Array;
}

/** The raw functions the C++ addon exports (positional arguments, Float32Array buffers). */
export interface NativeAddon {
  status(): { threads: number; isa: string; onednn: string };
  setThreads(n: number): void;
  clearCache(): void;
  /** the whole file, in memory backed by huge pages (file-read.cc); throws with the path on error */
  readFileHuge(path: string): ArrayBuffer;
  // conv geometry: N,C,H,W, OC,KH,KW, OH,OW, sh,sw, ph,pw, dh,dw, groups
  conv2dForward(y: F32, x: F32, w: F32, bias: F32OrNull, ...geom: number[]): void;
  conv2dBackwardData(dx: F32, dy: F32, w: F32, accumulate: number, ...geom: number[]): void;
  conv2dBackwardWeights(
    dw: F32,
    dbias: F32OrNull,
    x: F32,
    dy: F32,
    accumulate: number,
    ...geom: number[]
  ): void;
  convImpl(kind: 'forward' | 'backwardData' | 'backwardWeights', ...geom: number[]): string;
  batchNormForwardTrain(
    y: F32,
    mean: F32,
    varBiased: F32,
    invStd: F32,
    x: F32,
    gamma: F32OrNull,
    beta: F32OrNull,
    m: number,
    c: number,
    eps: number,
    order: number,
    hw: number,
  ): void;
  batchNormForwardTrainAct(
    y: F32,
    mean: F32,
    varBiased: F32,
    invStd: F32,
    x: F32,
    gamma: F32OrNull,
    beta: F32OrNull,
    residual: F32OrNull,
    relu: number,
    m: number,
    c: number,
    eps: number,
    order: number,
    hw: number,
    reluMask: Uint32Array | null,
  ): void;
  batchNormForwardEval(
    y: F32,
    x: F32,
    mean: F32,
    variance: F32,
    gamma: F32OrNull,
    beta: F32OrNull,
    m: number,
    c: number,
    eps: number,
    order: number,
    hw: number,
  ): void;
  batchNormBackward(
    dx: F32,
    dgamma: F32OrNull,
    dbeta: F32OrNull,
    dy: F32,
    x: F32,
    mean: F32,
    invStd: F32,
    gamma: F32OrNull,
    m: number,
    c: number,
    order: number,
    hw: number,
  ): void;
  batchNormBackwardAct(
    dx: F32,
    dgamma: F32OrNull,
    dbeta: F32OrNull,
    dresidual: F32OrNull,
    y: F32OrNull,
    dy: F32,
    x: F32,
    mean: F32,
    invStd: F32,
    gamma: F32OrNull,
    m: number,
    c: number,
    order: number,
    hw: number,
    overwriteDx: number,
    overwriteDresidual: number,
    reluMask: Uint32Array | null,
  ): void;
  // group norm sizes: n, c, hw, groups; order 0 NHWC, 1 nChw16c
  groupNormForward(
    y: F32,
    mean: F32,
    invStd: F32,
    x: F32,
    gamma: F32OrNull,
    beta: F32OrNull,
    residual: F32OrNull,
    relu: number,
    n: number,
    c: number,
    hw: number,
    groups: number,
    eps: number,
    order: number,
    reluMask: Uint32Array | null,
  ): void;
  groupNormBackward(
    dx: F32,
    dgamma: F32OrNull,
    dbeta: F32OrNull,
    dresidual: F32OrNull,
    y: F32OrNull,
    dy: F32,
    x: F32,
    mean: F32,
    invStd: F32,
    gamma: F32OrNull,
    n: number,
    c: number,
    hw: number,
    groups: number,
    order: number,
    overwriteDx: number,
    overwriteDresidual: number,
    reluMask: Uint32Array | null,
  ): void;
  binary(
    op: number,
    out: F32,
    a: F32,
    b: F32,
    shape: readonly number[],
    outStrides: readonly number[],
    aStrides: readonly number[],
    bStrides: readonly number[],
  ): void;
  unary(op: number, out: F32, x: F32, n: number): void;
  scalar(op: number, out: F32, x: F32, s: number, n: number): void;
  reluBackward(dx: F32, dy: F32, y: F32, n: number): void;
  sumAxis(out: F32, x: F32, outer: number, mid: number, inner: number): void;
  copyStrided(out: F32, x: F32, shape: readonly number[], xStrides: readonly number[]): void;
  matmul(
    out: F32,
    a: F32,
    b: F32,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    aBatchStride: number,
    bBatchStride: number,
    accumulate: number,
  ): void;
  // pool geometry: n,c,h,w, outH,outW, kH,kW, strideH,strideW, padH,padW
  maxPool2dForward(y: F32, argmax: Int32Array, x: F32, ...geom: number[]): void;
  maxPool2dBackward(dx: F32, dy: F32, argmax: Int32Array, ...geom: number[]): void;
  avgPool2dForward(y: F32, x: F32, ...geom: number[]): void;
  avgPool2dBackward(dx: F32, dy: F32, ...geom: number[]): void;
  adaptiveAvgPool2d(
    backward: number,
    out: F32,
    x: F32,
    n: number,
    c: number,
    h: number,
    w: number,
    outH: number,
    outW: number,
    order: number,
  ): void;
  logSoftmaxForward(y: F32, x: F32, rows: number, cols: number): void;
  logSoftmaxBackward(dx: F32, dy: F32, y: F32, rows: number, cols: number): void;
  crossEntropyForward(
    losses: F32,
    logProb: F32,
    logits: F32,
    labels: Int32Array,
    rows: number,
    cols: number,
    labelSmoothing: number,
  ): void;
  crossEntropyBackward(
    dlogits: F32,
    logProb: F32,
    labels: Int32Array,
    rows: number,
    cols: number,
    labelSmoothing: number,
    scale: number,
  ): void;
  sgdStep(
    param: F32,
    momentumBuf: F32OrNull,
    grad: F32,
    n: number,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: number,
    firstStep: number,
  ): void;
  adamStep(
    param: F32,
    expAvg: F32,
    expAvgSq: F32,
    grad: F32,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: number,
    step: number,
  ): void;
}

/** Result of loading: the addon, or why it is unavailable. */
export interface AddonLoad {
  addon: NativeAddon | null;
  reason?: string;
}

/** Package root (this file sits in src/ or dist/, one level below it). */
function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}

let cached: AddonLoad | null = null;

/**
 * Load the addon once; SMD_NATIVE=0 disables it (the TS backend then runs). With
 * SMD_REQUIRE_NATIVE=1 (set by CI's `.ci/run`) an addon that did not load is an error instead:
 * this throws one line naming the reason, so importing `@smd/native` fails and so does every test
 * file that imports it — CI cannot go green on the TS fallback.
 */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const load = tryLoad();
  if (!load.addon && process.env.SMD_REQUIRE_NATIVE === '1') {
    throw new Error(
      `@smd/native: SMD_REQUIRE_NATIVE=1 but the native addon is unavailable: ${load.reason}`,
    );
  }
  cached = load;
  return cached;
}

function tryLoad(): AddonLoad {
  if (process.env.SMD_NATIVE === '0') return { addon: null, reason: 'disabled by SMD_NATIVE=0' };
  const root = packageRoot();
  const file = join(root, 'build', 'Release', 'smd_native.node');
  const failed = join(root, 'build', 'BUILD_FAILED.txt');
  if (!existsSync(file)) {
    const why = existsSync(failed)
      ? readFileSync(failed, 'utf8').trim()
      : 'addon not built (run `npm rebuild -w @smd/native`)';
    return { addon: null, reason: why };
  }
  // libgomp reads its settings once, when the addon pulls it in. Unless the user chose
  // (OMP_WAIT_POLICY or GOMP_SPINCOUNT; SMD_NATIVE_OMP_DEFAULT=1 keeps libgomp's own default),
  // idle threads spin 10,000 iterations before sleeping. Measured on the small ResNet
  // (bench/RESULTS.md): idle machine 2,540 img/s vs 2,245 sleeping at once (passive) and 2,630
  // with libgomp's long default spin; with two busy processes beside it 1,243 vs 894 passive and
  // 652 default — long spinning is what made kernels up to 10× slower on a loaded machine.
  const env = process.env;
  if (
    env.SMD_NATIVE_OMP_DEFAULT !== '1' &&
    env.OMP_WAIT_POLICY === undefined &&
    env.GOMP_SPINCOUNT === undefined
  ) {
    env.GOMP_SPINCOUNT = '10000';
  }
  try {
    const require = createRequire(import.meta.url);
    return { addon: require(file) as NativeAddon };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { addon: null, reason: `loading ${file} failed: ${msg}` };
  }
}

/**
 * Conv geometry in the addon's positional order: N,C,H,W, OC,KH,KW, OH,OW, sh,sw, ph,pw, dh,dw,
 * groups, then the storage orders of x and y (0 NHWC, 1 nChw16c).
 */
export function convGeomArgs(
  g: Conv2dGeometry,
  xOrder: ChannelOrder = 'nhwc',
  yOrder: ChannelOrder = 'nhwc',
): number[] {
  return [
    g.n,
    g.cIn,
    g.h,
    g.w,
    g.cOut,
    g.kH,
    g.kW,
    g.outH,
    g.outW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    g.groups,
    xOrder === 'nChw16c' ? 1 : 0,
    yOrder === 'nChw16c' ? 1 : 0,
  ];
}
