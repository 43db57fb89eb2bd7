// smd side of bench/analyze-checkpoint/run.mjs, in its own process as `smd analyze` runs (and as
// torch_side.py does): modules are imported before the clock starts; then the file is read as
// collect.ts reads it (readFileFast), parsed (zip, restricted unpickler, tensor views) and
// analyzed (analyzeCheckpoint: names → scale invariance, exact last step from the momentum
// buffer, radial test and mean-field estimates for all 161 parameter tensors), one thread.
// Prints: wall ms, CPU ms, read+parse ms.   node smd_side.mjs CKPT
import { readTrainingCheckpoint } from '@smd/formats';
import { readFileFast } from '@smd/native';
import { analyzeCheckpoint } from '@smd/runs';

const file = process.argv[2];
const c0 = process.cpuUsage();
const t0 = performance.now();
const ckpt = readTrainingCheckpoint(new Map([['ckpt.pt', readFileFast(file)]]), 'ckpt.pt');
const t1 = performance.now();
const { analysis } = analyzeCheckpoint(ckpt, ckpt.step, null);
const t2 = performance.now();
const c = process.cpuUsage(c0);
if (
  analysis.tensors.length !== 161 ||
  !analysis.tensors.every((t) => t.deltaHow.startsWith('exact'))
)
  throw new Error('analysis incomplete');
console.log(
  `${(t2 - t0).toFixed(1)} ${((c.user + c.system) / 1000).toFixed(1)} ${(t1 - t0).toFixed(1)}`,
);
