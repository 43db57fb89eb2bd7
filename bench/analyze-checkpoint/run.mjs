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
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const ckpt = readParse();
  const { analysis } = analyzeCheckpoint(ckpt, ckpt.step, null);
  const t1 = performance.now();
  const c = process.cpuUsage(c0);
  if (
    analysis.tensors.length !== 161 ||
    !analysis.tensors.every((t) => t.deltaHow.startsWith('exact'))
  ) {
    throw new Error('analysis incomplete');
  }
  return [t1 - t0, (c.user + c.system) / 1000];
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
  return r.stdout.trim().split(/\s+/).map(Number);
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const stat = (xs) =>
  `median ${median(xs).toFixed(0)} (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;

ours();
torch(); // warm-up: page cache, JIT
const wall = { smd: [], torch: [], ratio: [] };
const cpu = { smd: [], torch: [], ratio: [] };
const parse = [];
for (let i = 0; i < rounds; i++) {
  const [aw, ac] = ours();
  const [bw, bc] = torch();
  parse.push(parseOnly());
  wall.smd.push(aw);
  wall.torch.push(bw);
  wall.ratio.push(bw / aw);
  cpu.smd.push(ac);
  cpu.torch.push(bc);
  cpu.ratio.push(bc / ac);
  console.log(
    `round ${i + 1}: wall smd ${aw.toFixed(0)} ms, torch ${bw.toFixed(0)} ms (×${(bw / aw).toFixed(2)}); cpu smd ${ac.toFixed(0)} ms, torch ${bc.toFixed(0)} ms (×${(bc / ac).toFixed(2)})`,
  );
}
const r2 = (xs) =>
  `median ${median(xs).toFixed(2)} (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`;
console.log(
  `checkpoint ${(bytes / 1e6).toFixed(1)} MB; ${rounds} rounds; ${cpus()[0].model}, ${cpus().length} cpus`,
);
console.log(
  `wall ms  smd ${stat(wall.smd)}; torch ${stat(wall.torch)}; torch/smd ${r2(wall.ratio)}`,
);
console.log(`cpu ms   smd ${stat(cpu.smd)}; torch ${stat(cpu.torch)}; torch/smd ${r2(cpu.ratio)}`);
console.log(
  `smd read+parse alone: ${stat(parse)} ms = ${(bytes / 1e6 / median(parse)).toFixed(2)} GB/s`,
);
