/**
 * Where a training step of the engine's reference ResNet goes, per kernel: wraps every native
 * kernel with a timer (through `defineBackend`), runs warm-up then timed steps, prints ms per step
 * per kernel, the kernel total and the step time (the difference is JS-side work: autograd,
 * allocation and zero-filling of fresh buffers, layout copies).
 *
 *   node --conditions=source --import tsx bench/train-throughput/kernel-profile.ts [--variant small] [--steps 4] [--fused]
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
import { nativeKernels, nativeStatus } from '@smd/native';
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
for (const [name, fn] of Object.entries(nativeKernels) as [string, (p: unknown) => void][]) {
  wrapped[name] = (p) => {
    const t = performance.now();
    fn(p);
    times.set(name, (times.get(name) ?? 0) + performance.now() - t);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  };
}
setBackend(defineBackend('native-profiled', wrapped as unknown as Kernels, []));

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
    `${name.padEnd(28)} ${(ms / steps).toFixed(2).padStart(8)} ms  ${counts.get(name)! / steps} calls`,
  );
}
console.log(`${'kernels total'.padEnd(28)} ${(kernelMs / steps).toFixed(2).padStart(8)} ms`);
console.log(`${'step'.padEnd(28)} ${(stepMs / steps).toFixed(2).padStart(8)} ms`);
