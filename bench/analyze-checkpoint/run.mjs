// `smd analyze`'s reader and analysis against torch.load + the same per-tensor sums in PyTorch
// (Debian python3-torch 1.13), on a ResNet-50-shaped SGDM checkpoint (~205 MB), from the page
// cache, interleaved A B A B with medians and the ratio per pair.
//
//   npm run build && node bench/analyze-checkpoint/run.mjs [ROUNDS]
//
// A: in this process, readFileSync + readTrainingCheckpoint (zip, restricted unpickler, tensor
//    views) + analyzeCheckpoint (names → scale invariance, exact last step from the momentum
//    buffer, radial test and mean-field estimates for all 161 parameter tensors), one thread.
// B: torch_side.py: torch.load + float64 ‖w‖², ⟨w, v⟩, ‖v‖² per parameter, timed inside the
//    Python process after `import torch` (torch's default threads on this machine).
// Also reported: read + parse alone, as GB/s of checkpoint bytes.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readTrainingCheckpoint } from '@smd/formats';
import { analyzeCheckpoint } from '@smd/runs';

const here = dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.argv[2] ?? 7);
const ckpt = process.env.CKPT ?? '/tmp/smd-bench-resnet50-sgdm.pt';
const threads = String(cpus().length);
if (!existsSync(ckpt)) {
  const r = spawnSync('/usr/bin/python3', [join(here, 'make_resnet50_checkpoint.py'), ckpt], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(1);
}
const bytes = statSync(ckpt).size;

function readParse() {
  const buf = readFileSync(ckpt);
  return readTrainingCheckpoint(
    new Map([['ckpt.pt', new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)]]),
    'ckpt.pt',
  );
}
function ours() {
  const t0 = performance.now();
  const c = readParse();
  const { analysis } = analyzeCheckpoint(c, c.step, null);
  const t1 = performance.now();
  if (
    analysis.tensors.length !== 161 ||
    !analysis.tensors.every((t) => Number.isFinite(t.deltaRad))
  ) {
    throw new Error('analysis incomplete');
  }
  return t1 - t0;
}
function parseOnly() {
  const t0 = performance.now();
  readParse();
  return performance.now() - t0;
}
function torch() {
  const r = spawnSync('/usr/bin/python3', [join(here, 'torch_side.py'), ckpt, threads], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

ours();
torch(); // warm-up: page cache, JIT
const a = [],
  b = [],
  p = [],
  ratio = [];
for (let i = 0; i < rounds; i++) {
  const ta = ours();
  const tb = torch();
  p.push(parseOnly());
  a.push(ta);
  b.push(tb);
  ratio.push(tb / ta);
  console.log(
    `round ${i + 1}: smd ${ta.toFixed(0)} ms, torch ${tb.toFixed(0)} ms, ratio ${(tb / ta).toFixed(2)}`,
  );
}
console.log(
  `checkpoint ${(bytes / 1e6).toFixed(1)} MB, ${rounds} rounds, ${cpus()[0].model}, ${cpus().length} cpus`,
);
console.log(
  `smd read+parse+analyze: median ${median(a).toFixed(0)} ms (min ${Math.min(...a).toFixed(0)}, max ${Math.max(...a).toFixed(0)})`,
);
console.log(
  `torch.load + sums:      median ${median(b).toFixed(0)} ms (min ${Math.min(...b).toFixed(0)}, max ${Math.max(...b).toFixed(0)})`,
);
console.log(
  `ratio torch/smd per pair: median ${median(ratio).toFixed(2)} (min ${Math.min(...ratio).toFixed(2)}, max ${Math.max(...ratio).toFixed(2)})`,
);
console.log(
  `smd read+parse alone: median ${median(p).toFixed(0)} ms = ${(bytes / 1e6 / median(p)).toFixed(2)} GB/s`,
);
