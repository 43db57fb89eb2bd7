/**
 * Share of one engine training step (16/32/64 ResNet on 1×28×28 inputs, native backend) spent in
 * `optimizer.step()` for each optimizer of `smd train`: the whole step (zeroGrad, forward,
 * backward, step) and the step call alone are timed per iteration; optimizers take turns in
 * rounds (A B C … A B C …) so machine noise hits them alike; medians over rounds. Each optimizer
 * trains its own copy of the same initial model with the hyper-parameters of docs/optimizers.md.
 *
 *   SMD_NATIVE_THREADS=1 node --conditions=source --import tsx \
 *     bench/train-throughput/optimizer-share.ts [--batch 32] [--rounds 7] [--steps 5]
 */
import {
  AdamP,
  AdamW,
  crossEntropy,
  Lion,
  resnet,
  Rng,
  RVAdamW,
  RVLion,
  RVSGDM,
  setBackend,
  SGD,
  SGDP,
  Tensor,
  type NamedParam,
  type Optimizer,
} from '@smd/engine';
import { nativeBackend, nativeStatus, setNativeThreads } from '@smd/native';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : dflt;
  if (!(Number.isInteger(v) && v > 0))
    throw new Error(`optimizer-share: --${name} expects an integer >= 1`);
  return v;
};
const batch = flag('batch', 32);
const rounds = flag('rounds', 7);
const steps = flag('steps', 5);
if (!nativeStatus().loaded)
  throw new Error(`optimizer-share: native backend unavailable: ${nativeStatus().reason}`);
setBackend(nativeBackend()!);
const threads = Number(process.env.SMD_NATIVE_THREADS ?? 0);
if (threads > 0) setNativeThreads(threads);

type Make = (p: NamedParam[]) => Optimizer<object>;
/** name, the backend kernels its step runs (all native on this backend), constructor */
const OPTIMIZERS: [string, string, Make][] = [
  ['sgdm', 'sgdStep', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, weightDecay: 5e-3 })],
  ['adamw', 'adamStep', (p) => new AdamW(p, { lr: 5e-3, weightDecay: 1 })],
  ['lion', 'lionStep', (p) => new Lion(p, { lr: 5e-4, weightDecay: 10 })],
  [
    'sgdp',
    'sgdpStep',
    (p) => new SGDP(p, { lr: 0.05, momentum: 0.9, weightDecay: 5e-3, wdRatio: 1 }),
  ],
  ['adamp', 'adampStep', (p) => new AdamP(p, { lr: 5e-3, weightDecay: 1, wdRatio: 0.5 })],
  [
    'rv-sgdm',
    'sgdStep + rotationalStep',
    (p) => new RVSGDM(p, { lr: 0.05, momentum: 0.9, weightDecay: 5e-3 }),
  ],
  ['rv-adamw', 'adamStep + rotationalStep', (p) => new RVAdamW(p, { lr: 2e-3, weightDecay: 1 })],
  ['rv-lion', 'lionStep + rotationalStep', (p) => new RVLion(p, { lr: 5e-4, weightDecay: 10 })],
];

const dataRng = new Rng(1);
const x = Tensor.randn([batch, 1, 28, 28], dataRng);
const labels = new Int32Array(batch).map(() => dataRng.int(10));
const runs = OPTIMIZERS.map(([name, kernels, make]) => {
  const model = resnet({ widths: [16, 32, 64], rng: new Rng(0) });
  model.train();
  return {
    name,
    kernels,
    model,
    opt: make(model.namedParameters()),
    step: [] as number[],
    upd: [] as number[],
  };
});

/** One training step; returns [whole step ms, optimizer.step() ms]. */
function trainStep(r: (typeof runs)[number]): [number, number] {
  const t0 = performance.now();
  r.opt.zeroGrad();
  const loss = crossEntropy(r.model.forward(x), labels);
  loss.backward();
  const t1 = performance.now();
  r.opt.step();
  const t2 = performance.now();
  loss.item();
  return [performance.now() - t0, t2 - t1];
}

for (const r of runs) for (let i = 0; i < 3; i++) trainStep(r); // warm-up: buffers, JIT
for (let k = 0; k < rounds; k++) {
  for (const r of runs) {
    let s = 0;
    let u = 0;
    for (let i = 0; i < steps; i++) {
      const [a, b] = trainStep(r);
      s += a;
      u += b;
    }
    r.step.push(s / steps);
    r.upd.push(u / steps);
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `16/32/64 ResNet, batch ${batch}, native backend, threads ${threads || 'default'}; ` +
    `${rounds} rounds × ${steps} steps, medians of per-round means`,
);
console.log(
  '| optimizer | update (native kernels) | step (ms) | optimizer.step() (ms) | share of the step |',
);
console.log('|---|---|---|---|---|');
for (const r of runs) {
  const s = median(r.step);
  const u = median(r.upd);
  console.log(
    `| ${r.name} | ${r.kernels} | ${s.toFixed(2)} | ${u.toFixed(3)} | ${((100 * u) / s).toFixed(1)}% |`,
  );
}
