/**
 * Our side of the training-throughput benchmark: the reference ResNet (or the small 16/32/64
 * variant; `--norm group|layer` for GroupNorm(min(32, C)) / GroupNorm(1, C)) built with
 * @smd/engine's nn, trained on a fixed random batch with SGD (momentum 0.9,
 * lr 0.1, weight decay 5e-4), batch 128, float32, on the native backend (or TS with
 * --backend ts). Prints one JSON line like torch-bench.py. nn's ResNet itself runs BatchNorm2d
 * and GroupNorm fused with the ReLU and the residual add (`forwardAct`) and recycles its internal
 * activations after backward. `--fused 1` runs the same modules through this bench's own fused
 * forward (fused-forward.ts: the fused op without activation recycling), kept for comparison with
 * the entries in RESULTS.md taken before nn fused.
 *
 *   node --conditions=source --import tsx bench/train-throughput/engine-bench.ts --variant ref
 */
import { crossEntropy, resnet, Rng, setBackend, SGD, Tensor, type NormKind } from '@smd/engine';
import { nativeBackend, nativeStatus } from '@smd/native';
import { forwardFused } from './fused-forward.js';

interface Args {
  variant: 'ref' | 'small';
  norm: NormKind;
  batch: number;
  warmup: number;
  steps: number;
  backend: 'native' | 'ts';
  fused: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    variant: 'ref',
    norm: 'batch',
    batch: 128,
    warmup: 5,
    steps: 20,
    backend: 'native',
    fused: false,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`engine-bench: ${k} needs a value`);
    if (k === '--variant' && (v === 'ref' || v === 'small')) a.variant = v;
    else if (k === '--backend' && (v === 'native' || v === 'ts')) a.backend = v;
    else if (k === '--norm' && (v === 'batch' || v === 'group' || v === 'layer')) a.norm = v;
    else if (k === '--fused' && (v === '0' || v === '1')) a.fused = v === '1';
    else if (k === '--batch' || k === '--warmup' || k === '--steps') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`engine-bench: ${k} expects an integer >= 1, got ${v}`);
      a[k.slice(2) as 'batch' | 'warmup' | 'steps'] = n;
    } else throw new Error(`engine-bench: unknown option ${k} ${v} (see the file comment)`);
  }
  return a;
}

const args = parseArgs(process.argv.slice(2));
if (args.backend === 'native') {
  const b = nativeBackend();
  if (!b) throw new Error(`engine-bench: native backend unavailable: ${nativeStatus().reason}`);
  setBackend(b);
}
const widths: [number, number, number] = args.variant === 'ref' ? [32, 64, 128] : [16, 32, 64];
const rng = new Rng(0);
const model = resnet({ widths, rng, norm: args.norm });
model.train();
const opt = new SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
const x = Tensor.randn([args.batch, 1, 28, 28], rng);
const labels = new Int32Array(args.batch);
for (let i = 0; i < args.batch; i++) labels[i] = rng.int(10);

const stepMs: number[] = [];
const losses: number[] = [];
const rssMB: number[] = []; // resident set after each timed step: steady state must not grow
for (let i = 0; i < args.warmup + args.steps; i++) {
  const t0 = performance.now();
  opt.zeroGrad();
  const logits = args.fused ? forwardFused(model, x) : model.forward(x);
  const loss = crossEntropy(logits, labels);
  loss.backward();
  opt.step();
  const lv = loss.item();
  const dt = performance.now() - t0;
  if (i >= args.warmup) {
    stepMs.push(Math.round(dt * 1000) / 1000);
    losses.push(Math.round(lv * 1e5) / 1e5);
    rssMB.push(Math.round(process.memoryUsage().rss / 1e5) / 10);
  }
}
const total = stepMs.reduce((s, v) => s + v, 0) / 1000;
const st = nativeStatus();
console.log(
  JSON.stringify({
    side: 'smd',
    variant: args.variant,
    norm: args.norm,
    batch: args.batch,
    backend: args.backend,
    fused: args.fused,
    threads: st.threads,
    isa: st.isa,
    imagesPerSec: (args.batch * args.steps) / total,
    stepMs,
    loss: losses,
    // resident set (MB) after the first timed step and at each tenth of the run
    rssMB: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(
      (i) => rssMB[Math.min(rssMB.length - 1, Math.floor((i * rssMB.length) / 10))],
    ),
  }),
);
