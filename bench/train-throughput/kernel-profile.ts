/**
 * Where a training step of the engine's reference ResNet goes, per kernel: wraps every native
 * kernel with a timer (through `defineBackend`), runs warm-up then timed steps, prints ms per step
 * per kernel, the kernel total and the step time (the difference is JS-side work: autograd,
 * allocation and zero-filling of fresh buffers, layout copies).
 *
 *   node --conditions=source --import tsx bench/train-throughput/kernel-profile.ts [--variant small] [--steps 4] [--fused] [--nhwc] [--by-shape]
 */
import {
  crossEntropy,
  defineBackend,
  resnet,
  Rng,
  setBackend,
  SGD,
  Tensor,
  type Kernels,
} from '@smd/engine';
import { nativeBackend, nativeKernels, nativeStatus } from '@smd/native';
import { forwardFused } from './fused-forward.js';

const argv = process.argv.slice(2);
const variant = argv.includes('--variant') ? argv[argv.indexOf('--variant') + 1] : 'ref';
if (variant !== 'ref' && variant !== 'small')
  throw new Error(`kernel-profile: --variant expects ref or small`);
const fused = argv.includes('--fused');
const steps = argv.includes('--steps') ? Number(argv[argv.indexOf('--steps') + 1]) : 4;
if (!(Number.isInteger(steps) && steps > 0))
  throw new Error('kernel-profile: --steps expects an integer >= 1');
if (!nativeStatus().loaded)
  throw new Error(`kernel-profile: native backend unavailable: ${nativeStatus().reason}`);

const times = new Map<string, number>();
const counts = new Map<string, number>();
const wrapped: Record<string, (p: unknown) => void> = {};
const byShape = argv.includes('--by-shape');
/** Row label: the kernel, plus its conv geometry or batch-norm view with --by-shape. */
function label(name: string, p: unknown): string {
  if (!byShape) return name;
  const q = p as { geom?: { cIn: number; h: number; cOut: number; kH: number; strideH: number } };
  const bn = p as { m?: number; c?: number };
  if (q.geom) {
    const g = q.geom;
    return `${name} ${g.cIn}@${g.h}->${g.cOut} k${g.kH} s${g.strideH}`;
  }
  return bn.m !== undefined && bn.c !== undefined ? `${name} c${bn.c} m${bn.m}` : name;
}
for (const [name, fn] of Object.entries(nativeKernels) as [string, (p: unknown) => void][]) {
  wrapped[name] = (p) => {
    const t = performance.now();
    fn(p);
    const key = label(name, p);
    times.set(key, (times.get(key) ?? 0) + performance.now() - t);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
}
// The native backend's own activation layout (blocked) unless --nhwc asks for channels-last.
const activationLayout = argv.includes('--nhwc')
  ? 'channelsLast'
  : nativeBackend()!.activationLayout;
setBackend(
  defineBackend('native-profiled', wrapped as unknown as Kernels, [], { activationLayout }),
);

const rng = new Rng(0);
const model = resnet({ widths: variant === 'ref' ? [32, 64, 128] : [16, 32, 64], rng });
model.train();
const opt = new SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
const x = Tensor.randn([128, 1, 28, 28], rng);
const labels = new Int32Array(128).map(() => rng.int(10));
let stepMs = 0;
for (let i = 0; i < 2 + steps; i++) {
  if (i === 2) {
    times.clear();
    counts.clear();
    stepMs = 0;
  }
  const t0 = performance.now();
  opt.zeroGrad();
  const loss = crossEntropy(fused ? forwardFused(model, x) : model.forward(x), labels);
  loss.backward();
  opt.step();
  loss.item();
  stepMs += performance.now() - t0;
}
let kernelMs = 0;
const rows = [...times.entries()].sort((a, b) => b[1] - a[1]);
for (const [name, ms] of rows) {
  kernelMs += ms;
  console.log(
    `${name.padEnd(byShape ? 52 : 28)} ${(ms / steps).toFixed(2).padStart(8)} ms  ${counts.get(name)! / steps} calls`,
  );
}
console.log(`${'kernels total'.padEnd(28)} ${(kernelMs / steps).toFixed(2).padStart(8)} ms`);
console.log(`${'step'.padEnd(28)} ${(stepMs / steps).toFixed(2).padStart(8)} ms`);
