/**
 * Convolution throughput of the native backend on the 15 conv layers of the reference ResNet
 * (32/64/128, or `--variant small`: 16/32/64; batch 128, 28×28×1 input): forward, backward-data (not for the stem, whose input needs no
 * gradient) and backward-weights, through the engine's Kernels with preallocated buffers.
 * Prints per-direction ms per step and GFLOP/s, and the share of the CPU's fp32 peak.
 * `--order blocked` (default; what the native backend runs: nChw16c activations, Winograd for
 * the 3×3 stride-1 layers by its shape rule) or `--order nhwc` (channels-last, direct only).
 * With Winograd the GFLOP/s are effective: direct-convolution FLOPs over time.
 *
 *   node --conditions=source --import tsx bench/train-throughput/conv-gflops.ts [--variant small] [--reps 10] [--peak 435] [--order nhwc]
 */
import { conv2dGeometry, type Conv2dGeometry } from '@smd/engine';
import { nativeKernels, nativeStatus } from '@smd/native';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(argv[i + 1]);
  if (!(v > 0))
    throw new Error(`conv-gflops: --${name} expects a positive number, got ${argv[i + 1]}`);
  return v;
};
const reps = opt('reps', 10);
const orderArg = argv.includes('--order') ? argv[argv.indexOf('--order') + 1] : 'blocked';
if (orderArg !== 'blocked' && orderArg !== 'nhwc')
  throw new Error(`conv-gflops: --order expects blocked or nhwc, got ${orderArg}`);
const blocked = orderArg === 'blocked';
const variant = argv.includes('--variant') ? argv[argv.indexOf('--variant') + 1] : 'ref';
if (variant !== 'ref' && variant !== 'small')
  throw new Error(`conv-gflops: --variant expects ref or small, got ${variant}`);
const [c1, c2, c3] = variant === 'ref' ? [32, 64, 128] : [16, 32, 64];
const peak = opt('peak', 435);
const st = nativeStatus();
if (!st.loaded) throw new Error(`conv-gflops: native backend unavailable: ${st.reason}`);

const N = 128;
const layers: { name: string; g: Conv2dGeometry; stem?: boolean }[] = [];
const add = (
  name: string,
  cin: number,
  hw: number,
  cout: number,
  k: number,
  s: number,
  stem = false,
) =>
  layers.push({
    name,
    g: conv2dGeometry([N, cin, hw, hw], [cout, cin, k, k], { stride: s, padding: k === 3 ? 1 : 0 }),
    stem,
  });
add(`stem 1→${c1} @28`, 1, 28, c1, 3, 1, true);
for (let i = 0; i < 4; i++) add(`layer1 ${c1}→${c1} @28 #${i}`, c1, 28, c1, 3, 1);
add(`layer2.0.conv1 ${c1}→${c2} s2`, c1, 28, c2, 3, 2);
add('layer2.0.down 1×1 s2', c1, 28, c2, 1, 2);
for (let i = 0; i < 3; i++) add(`layer2 ${c2}→${c2} @14 #${i}`, c2, 14, c2, 3, 1);
add(`layer3.0.conv1 ${c2}→${c3} s2`, c2, 14, c3, 3, 2);
add('layer3.0.down 1×1 s2', c2, 14, c3, 1, 2);
for (let i = 0; i < 3; i++) add(`layer3 ${c3}→${c3} @7 #${i}`, c3, 7, c3, 3, 1);

const flops = (g: Conv2dGeometry) =>
  2 * g.n * g.outH * g.outW * g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
const bufs = layers.map(({ g }) => ({
  x: rand(g.n * g.h * g.w * g.cIn),
  w: rand(g.cOut * g.cIn * g.kH * g.kW),
  y: new Float32Array(g.n * g.outH * g.outW * g.cOut),
  dy: rand(g.n * g.outH * g.outW * g.cOut),
  dx: new Float32Array(g.n * g.h * g.w * g.cIn),
  dw: new Float32Array(g.cOut * g.cIn * g.kH * g.kW),
}));

const total = { fwd: 0, bwdData: 0, bwdWeight: 0 };
const work = { fwd: 0, bwdData: 0, bwdWeight: 0 };
for (let r = -1; r < reps; r++) {
  layers.forEach(({ g, stem }, i) => {
    const b = bufs[i];
    const o = {
      xOrder: blocked && g.cIn % 16 === 0 ? ('nChw16c' as const) : ('nhwc' as const),
      yOrder: blocked ? ('nChw16c' as const) : ('nhwc' as const),
    };
    let t = performance.now();
    nativeKernels.conv2dForward({ y: b.y, x: b.x, weight: b.w, bias: null, geom: g, ...o });
    const tf = performance.now() - t;
    let tb = 0;
    if (!stem) {
      t = performance.now();
      nativeKernels.conv2dBackwardInput({
        dx: b.dx,
        dy: b.dy,
        weight: b.w,
        geom: g,
        ...o,
        overwriteDx: true,
      });
      tb = performance.now() - t;
    }
    b.dw.fill(0);
    t = performance.now();
    nativeKernels.conv2dBackwardWeight({
      dweight: b.dw,
      dbias: null,
      dy: b.dy,
      x: b.x,
      geom: g,
      ...o,
    });
    const tw = performance.now() - t;
    if (r >= 0) {
      total.fwd += tf;
      total.bwdData += tb;
      total.bwdWeight += tw;
      work.fwd += flops(g);
      work.bwdData += stem ? 0 : flops(g);
      work.bwdWeight += flops(g);
    }
  });
}
const out: Record<string, unknown> = {
  variant,
  order: orderArg,
  threads: st.threads,
  isa: st.isa,
  reps,
  peakGflops: peak,
};
let allMs = 0;
let allFlop = 0;
for (const k of ['fwd', 'bwdData', 'bwdWeight'] as const) {
  const ms = total[k] / reps;
  const gf = work[k] / (total[k] / 1000) / 1e9;
  out[k] = {
    msPerStep: +ms.toFixed(1),
    gflops: +gf.toFixed(0),
    peakShare: +(gf / peak).toFixed(2),
  };
  allMs += ms;
  allFlop += work[k] / reps;
}
out.all = { msPerStep: +allMs.toFixed(1), gflops: +(allFlop / (allMs / 1000) / 1e9).toFixed(0) };
console.log(JSON.stringify(out));
