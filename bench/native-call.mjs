// Per-call cost of the native contract (issue #17): the engine's Kernels calls through
// @smd/native (generated from packages/native/contract/kernel-spec.mjs) against hand-written
// positional adapters like the ones before the contract,
// on buffers small enough that the call, not the work, is what is timed.
//
//   npm run build && SMD_NATIVE_THREADS=1 node bench/native-call.mjs [--old OLD_ADDON.node] [--rounds R]
//
// With --old (an addon built before the contract, e.g. from commit 1307850), B is the old
// adapters on the old addon: the whole before/after per-call difference (TS side and C++ argument
// reading). Without it, B is the same hand-written positional adapters on the current addon
// (the TS side alone). Rounds alternate A B / B A; prints the median ns per call of each and the
// median of the per-round ratios A/B.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { nativeKernels, nativeStatus } from '@smd/native';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const rounds = Number(opt('--rounds', 15));
const oldPath = opt('--old', null);
const status = nativeStatus();
if (!status.loaded) {
  console.error(`native-call: the native addon is not loaded (${status.reason})`);
  process.exit(1);
}
const require = createRequire(import.meta.url);
const current = require(
  fileURLToPath(new URL('../packages/native/build/Release/smd_native.node', import.meta.url)),
);
const addon = oldPath ? require(oldPath) : current;
const oldNames = oldPath !== null; // the old addon's fused batch-norm names

const f32 = (n, v = 0.5) => new Float32Array(n).fill(v);
const isF32 = (d) => d === null || d instanceof Float32Array;

/** Hand-written positional adapters, as native-kernels.ts had them before the contract. */
const old = {
  unary(p) {
    if (!(p.out instanceof Float32Array && p.x instanceof Float32Array)) throw new Error('f64');
    addon.unary(5, p.out, p.x, p.n);
  },
  sgdStep(p) {
    const { param, momentumBuf, grad } = p;
    if (!(param instanceof Float32Array && isF32(momentumBuf) && grad instanceof Float32Array))
      throw new Error('f64');
    addon.sgdStep(
      param,
      momentumBuf,
      grad,
      p.n,
      p.lr,
      p.momentum,
      p.dampening,
      p.weightDecay,
      p.nesterov ? 1 : 0,
      p.firstStep ? 1 : 0,
    );
  },
  batchNormActForwardTrain(p) {
    const { y, mean, varBiased, invStd, x, gamma, beta, residual } = p;
    if (!(
      y instanceof Float32Array &&
      mean instanceof Float32Array &&
      varBiased instanceof Float32Array &&
      invStd instanceof Float32Array &&
      x instanceof Float32Array &&
      isF32(gamma) &&
      isF32(beta) &&
      isF32(residual)
    ))
      throw new Error('f64');
    const order = p.order === 'nChw16c' ? [1, p.hw ?? 0] : [0, 1];
    (oldNames ? addon.batchNormForwardTrainAct : addon.batchNormForwardTrain)(
      y,
      mean,
      varBiased,
      invStd,
      x,
      gamma,
      beta,
      residual,
      p.relu ? 1 : 0,
      p.m,
      p.c,
      p.eps,
      ...order,
      p.reluMask ?? null,
    );
  },
  batchNormActBackward(p) {
    const { dx, dgamma, dbeta, dresidual, y, dy, x, mean, invStd, gamma } = p;
    if (!(
      dx instanceof Float32Array &&
      isF32(dgamma) &&
      isF32(dbeta) &&
      isF32(dresidual) &&
      isF32(y) &&
      dy instanceof Float32Array &&
      x instanceof Float32Array &&
      mean instanceof Float32Array &&
      invStd instanceof Float32Array &&
      isF32(gamma)
    ))
      throw new Error('f64');
    const order = p.order === 'nChw16c' ? [1, p.hw ?? 0] : [0, 1];
    (oldNames ? addon.batchNormBackwardAct : addon.batchNormBackward)(
      dx,
      dgamma,
      dbeta,
      dresidual,
      y,
      dy,
      x,
      mean,
      invStd,
      gamma,
      p.m,
      p.c,
      ...order,
      p.overwriteDx ? 1 : 0,
      p.overwriteDresidual ? 1 : 0,
      p.reluMask ?? null,
    );
  },
};

const m = 32;
const c = 16;
const cases = {
  unary: { op: 'relu', out: f32(64), x: f32(64), n: 64 },
  sgdStep: {
    param: f32(64),
    momentumBuf: f32(64),
    grad: f32(64, 1e-3),
    n: 64,
    lr: 1e-3,
    momentum: 0.9,
    dampening: 0,
    weightDecay: 0,
    nesterov: false,
    firstStep: false,
  },
  batchNormActForwardTrain: {
    y: f32(m * c),
    mean: f32(c),
    varBiased: f32(c),
    invStd: f32(c),
    x: Float32Array.from({ length: m * c }, (_, i) => Math.sin(i)),
    gamma: f32(c, 1),
    beta: f32(c, 0),
    residual: f32(m * c),
    relu: true,
    m,
    c,
    eps: 1e-5,
    order: 'nhwc',
    reluMask: null,
  },
  batchNormActBackward: {
    dx: f32(m * c),
    dgamma: f32(c),
    dbeta: f32(c),
    dresidual: f32(m * c),
    y: f32(m * c),
    dy: f32(m * c, 1e-3),
    x: Float32Array.from({ length: m * c }, (_, i) => Math.cos(i)),
    mean: f32(c, 0),
    invStd: f32(c, 1),
    gamma: f32(c, 1),
    m,
    c,
    order: 'nhwc',
    overwriteDx: true,
    overwriteDresidual: true,
    reluMask: null,
  },
};

/**
 * CPU ns per call of `fn(p)` over `calls` calls: process CPU time (user + system), not wall time,
 * so time spent descheduled on a loaded machine does not count (run with SMD_NATIVE_THREADS=1, so
 * no OpenMP thread spins beside the caller).
 */
function time(fn, p, calls) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn(p);
  const t = process.cpuUsage(t0);
  return ((t.user + t.system) * 1000) / calls;
}
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(
  `native-call: ${status.isa}, ${status.threads} threads, B = ${oldPath ? `old adapters on ${oldPath}` : 'hand-written adapters on the current addon'}, ${rounds} rounds`,
);
console.log(
  'kernel                     A contract ns/call   B positional ns/call   A/B (median of rounds)',
);
for (const [name, p] of Object.entries(cases)) {
  // both plain functions, called from the one call site in time() (equally megamorphic)
  const a = nativeKernels[name];
  const b = old[name];
  const calls = 20000;
  time(a, p, calls); // warm both paths up
  time(b, p, calls);
  const ta = [];
  const tb = [];
  const ratio = [];
  for (let r = 0; r < rounds; r++) {
    let x;
    let y;
    if (r % 2 === 0) {
      x = time(a, p, calls);
      y = time(b, p, calls);
    } else {
      y = time(b, p, calls);
      x = time(a, p, calls);
    }
    ta.push(x);
    tb.push(y);
    ratio.push(x / y);
  }
  console.log(
    `${name.padEnd(27)}${median(ta).toFixed(0).padStart(10)}${median(tb).toFixed(0).padStart(23)}${median(ratio).toFixed(3).padStart(25)}`,
  );
}
