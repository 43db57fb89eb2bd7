// `smd analyze`'s reader and analysis against torch.load + the same per-tensor sums in PyTorch
// (Debian python3-torch 1.13), on a ResNet-50-shaped SGDM checkpoint (~205 MB), from the page
// cache, interleaved A B A B with medians and the ratio per pair.
//
//   npm run build && node bench/analyze-checkpoint/run.mjs [ROUNDS]
//
// A: smd_side.mjs, in its own process like `smd analyze`: readFileFast + readTrainingCheckpoint
//    + analyzeCheckpoint, timed after its imports, one thread.
// B: torch_side.py: torch.load + float64 ‖w‖², ⟨w, v⟩, ‖v‖² per parameter, timed inside the
//    Python process after `import torch` (torch's default threads on this machine).
// Also reported: smd's read + parse, as GB/s of checkpoint bytes.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

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

function ours() {
  const r = spawnSync(process.execPath, [join(here, 'smd_side.mjs'), ckpt], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split(/\s+/).map(Number);
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
  const [aw, ac, ap] = ours();
  const [bw, bc] = torch();
  parse.push(ap);
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
// Read + parse as GB/s, twice: inside the interleaved rounds (torch's process ran just before and
// its freed memory must be re-backed with huge pages: the kernel's cost, not ours) and in smd-only
// back-to-back processes (what repeated `smd analyze` calls see).
const alone = [];
for (let i = 0; i < rounds; i++) alone.push(ours()[2]);
const gbs = (ms) => (bytes / 1e6 / ms).toFixed(2);
console.log(
  `smd read+parse, interleaved with torch: ${stat(parse)} ms = ${gbs(median(parse))} GB/s; smd alone: ${stat(alone)} ms = ${gbs(median(alone))} GB/s`,
);
