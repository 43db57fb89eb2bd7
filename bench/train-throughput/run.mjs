#!/usr/bin/env node
// Interleaved training-throughput benchmark driver: PyTorch (torch-bench.py) vs smd on the native
// backend (engine-bench.ts), run A B A B … so machine noise hits both alike; prints each run and
// the medians and ratio as JSON. Both sides get the same glibc malloc settings (keep freed memory
// mapped; without them PyTorch spends about half its time in page faults).
//
//   node bench/train-throughput/run.mjs [--variant ref|small] [--norm batch|group|layer]
//        [--rounds 5] [--steps 20] [--warmup 5] [--torch-formats channels_last,contiguous]
//        [--torch-python /usr/bin/python3] [--omp-wait-policy passive|active|default|spin10k] [--fused 0|1]
// --norm: BatchNorm2d, GroupNorm(min(32, C)) or GroupNorm(1, C) after every conv, on both sides.
// --torch-formats: PyTorch's memory formats, each its own side of the rotation (default
// channels_last only); the ratio is against the faster one's median (PyTorch-best). PyTorch's
// GroupNorm is faster in NCHW, its BatchNorm channels-last, so give both for group/layer.
// --fused 1 runs our side through the fused BN(+residual)+ReLU forward (see fused-forward.ts).
// OMP_WAIT_POLICY is set alike for both sides (default here: passive; 'default' leaves it unset,
// and tells @smd/native not to set its short GOMP_SPINCOUNT, so both run libgomp's own default).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const opts = {
  variant: 'ref',
  norm: 'batch',
  'torch-formats': 'channels_last',
  rounds: 5,
  steps: 20,
  warmup: 5,
  'torch-python': '/usr/bin/python3',
  'omp-wait-policy': 'passive',
  fused: 0,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, '');
  if (!(k in opts) || argv[i + 1] === undefined) {
    console.error(`run.mjs: unknown option or missing value: ${argv[i]} (see the file comment)`);
    process.exit(2);
  }
  opts[k] = typeof opts[k] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
}

const env = {
  ...process.env,
  MALLOC_MMAP_THRESHOLD_: '33554432',
  MALLOC_TRIM_THRESHOLD_: '100000000000',
  MALLOC_TOP_PAD_: '1000000000',
};
if (!['passive', 'active', 'default', 'spin10k'].includes(opts['omp-wait-policy'])) {
  console.error(
    `run.mjs: --omp-wait-policy expects passive, active, default or spin10k, got ${opts['omp-wait-policy']}`,
  );
  process.exit(2);
}
delete env.GOMP_SPINCOUNT;
if (opts['omp-wait-policy'] === 'default') {
  delete env.OMP_WAIT_POLICY;
  env.SMD_NATIVE_OMP_DEFAULT = '1';
} else if (opts['omp-wait-policy'] === 'spin10k') {
  // What @smd/native sets by itself when the user chose nothing, given to both sides.
  delete env.OMP_WAIT_POLICY;
  env.GOMP_SPINCOUNT = '10000';
} else env.OMP_WAIT_POLICY = opts['omp-wait-policy'];
if (!['batch', 'group', 'layer'].includes(opts.norm)) {
  console.error(`run.mjs: --norm expects batch, group or layer, got ${opts.norm}`);
  process.exit(2);
}
const formats = opts['torch-formats'].split(',');
if (formats.length === 0 || formats.some((f) => f !== 'channels_last' && f !== 'contiguous')) {
  console.error(
    `run.mjs: --torch-formats expects channels_last and/or contiguous, got ${opts['torch-formats']}`,
  );
  process.exit(2);
}
const common = [
  '--variant',
  opts.variant,
  '--norm',
  opts.norm,
  '--steps',
  String(opts.steps),
  '--warmup',
  String(opts.warmup),
];
/** One PyTorch side per memory format, then ours. */
const sides = Object.fromEntries([
  ...formats.map((f) => [
    `pytorch-${f === 'channels_last' ? 'cl' : 'nchw'}`,
    [
      opts['torch-python'],
      [
        join(here, 'torch-bench.py'),
        ...common,
        '--threads',
        '2',
        ...(f === 'contiguous' ? ['--no-channels-last'] : []),
      ],
    ],
  ]),
  [
    'smd',
    [
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        join(here, 'engine-bench.ts'),
        ...common,
        '--fused',
        String(opts.fused),
      ],
    ],
  ],
]);
const names = Object.keys(sides);

function runOnce(side) {
  const [cmd, args] = sides[side];
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0)
    throw new Error(`${side} failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`);
  const line = r.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

const results = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < opts.rounds; r++) {
  // rotate the order so that no side always runs first
  const order = names.map((_, i) => names[(i + r) % names.length]);
  for (const side of order) {
    const res = runOnce(side);
    results[side].push(res.imagesPerSec);
    console.log(
      `round ${r + 1} ${side.padEnd(12)} ${res.imagesPerSec.toFixed(1)} images/s  (median step ${median(res.stepMs).toFixed(1)} ms, last loss ${res.loss.at(-1)})`,
    );
  }
}
const round1 = (v) => Math.round(v * 10) / 10;
const medians = Object.fromEntries(names.map((n) => [n, median(results[n])]));
const torchSides = names.filter((n) => n !== 'smd');
const best = torchSides.reduce((a, b) => (medians[b] > medians[a] ? b : a));
const mp = medians[best];
const ms = medians.smd;
console.log(
  JSON.stringify({
    date: new Date().toISOString(),
    variant: opts.variant,
    norm: opts.norm,
    rounds: opts.rounds,
    steps: opts.steps,
    pytorchBest: best,
    pytorchMedian: round1(mp),
    smdMedian: round1(ms),
    ratio: Math.round((ms / mp) * 1000) / 1000,
    ompWaitPolicy: opts['omp-wait-policy'],
    fused: opts.fused === 1,
    medians: Object.fromEntries(names.map((n) => [n, round1(medians[n])])),
    ...Object.fromEntries(names.map((n) => [n, results[n].map(round1)])),
  }),
);
