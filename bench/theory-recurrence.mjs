// Bench: speed of the §4 mean-field recurrence (meanFieldTrajectory) — steps per second.
// Run after a build:   node bench/theory-recurrence.mjs [steps]
// or from sources:     node --conditions=source --import tsx bench/theory-recurrence.mjs [steps]
import { meanFieldTrajectory } from '@smd/smd';
import { parseSchedule } from '@smd/engine/schedule';

const steps = Number(process.argv[2] ?? 1_000_000);
const schedule = parseSchedule('multistep:30,60,80:0.1', Math.ceil(steps / 90));
const cases = [
  ['constant lr, SGDM', { lr: 0.1 }],
  ['schedule multistep, SGDM', { schedule, baseLr: 0.1 }],
  ['schedule + rescaleAtDrops', { schedule, baseLr: 0.1, rescaleAtDrops: true }],
  ['lr as a function', { lr: (t) => (t < steps / 2 ? 0.1 : 0.01) }],
];
for (const [name, lrOpts] of cases) {
  const opts = { steps, wd: 1e-4, momentum: 0.9, L: 1, initialNormSq: 1, ...lrOpts };
  meanFieldTrajectory({ ...opts, steps: 1000 }); // warm up the JIT
  let best = Infinity;
  let last;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    last = meanFieldTrajectory(opts);
    best = Math.min(best, performance.now() - t0);
  }
  const sps = (steps / best) * 1000;
  console.log(
    `${name.padEnd(28)} ${steps} steps in ${best.toFixed(1)} ms  (${(sps / 1e6).toFixed(1)} M steps/s)  final Δ=${last.deltaRad[steps - 1].toExponential(4)}`,
  );
}
