// Bench: the explorer theory view's slider path — computePrediction without the searches (both
// trajectories, the per-step Δ* and ‖w*‖, the phase outcomes) for 10⁶ steps — before and after a
// change, in one process, interleaved A B B A, medians and the ratio before / after. "Before" is
// the sources of packages/engine and packages/smd at a git ref, "after" the working tree's; both
// are bundled by esbuild the same way the explorer page is (so Node and Chromium run the same code).
//
//   node bench/theory-slider/run.mjs --before <git ref> [--reps 15] [--browser | --cpu]
//
// --browser runs the same interleaved loop inside headless Chromium (Debian's, launched as the
// explorer tests launch it) instead of Node. --cpu (Node) times each call by the process's CPU
// time instead of the wall clock: steadier on a machine shared with other jobs. Cases, 100 epochs ×
// 10,000 steps: the view's default (the paper's ImageNet schedule, SGDM); SGDM, AdamW and Lion
// under warmup + cosine (a new η every step); AdamW and Lion multistep. A --before older than
// 8528f00 takes about a minute per Lion + cosine call.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runInThisContext } from 'node:vm';
import { beforeAfterBundles, option, root, SLIDER_CASES } from './common.mjs';

const before = option('before');
const reps = Number(option('reps') ?? 15);
const inBrowser = process.argv.includes('--browser');
const cpuClock = process.argv.includes('--cpu');
if (!before || !(reps >= 1)) {
  console.error(
    'usage: node bench/theory-slider/run.mjs --before <git ref> [--reps N] [--browser | --cpu]',
  );
  process.exit(2);
}

const bundles = await beforeAfterBundles(root, before);

/** Runs in Node or in the page: interleaved timing of both bundles' computePrediction. */
function measure(reps, clock, cases) {
  const libs = { before: globalThis.smd_before, after: globalThis.smd_after };
  const spe = 10_000;
  const total = 1_000_000;
  const base = {
    lr: 0.1,
    wd: 1e-4,
    momentum: 0.9,
    L: 1,
    w0: null,
    tolerance: 0.05,
    rescale: false,
  };
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const inputOf = (lib, schedule, extra, r) => ({
    ...base,
    ...extra,
    schedule,
    scheduleSpec: lib.parseSchedule(schedule, spe, total),
    stepsPerEpoch: spe,
    totalSteps: total,
    wd: (extra.wd ?? base.wd) * (1 + 0.01 * (r + 1)), // a slider move per repetition
  });
  // every case twice in both bundles before any timing: without it the first case timed ran up
  // to 1.5× slower in whichever bundle the page loaded first, identical code or not
  for (const [, schedule, extra] of cases)
    for (const lib of Object.values(libs))
      for (const r of [-3, -2])
        lib.computePrediction(inputOf(lib, schedule, extra, r), { maxSearchSteps: 0 });
  const rows = [];
  for (const [name, schedule, extra] of cases) {
    const ms = { before: [], after: [] };
    const check = {};
    const last = {};
    for (let r = -1; r < reps; r++) {
      // A B, then B A: whichever runs second in a pair is not always the same bundle
      for (const which of r % 2 ? ['after', 'before'] : ['before', 'after']) {
        const lib = libs[which];
        const input = inputOf(lib, schedule, extra, r);
        const t0 = clock();
        // as the view calls it: the previous prediction's arrays are reused (ignored before)
        const p = lib.computePrediction(input, { maxSearchSteps: 0, reuse: last[which] });
        const dt = clock() - t0;
        if (r >= 0) ms[which].push(dt); // r = −1 warms up
        check[which] = p.phases.map((ph) => ph.outcome.deltaEndPct);
        last[which] = p;
      }
    }
    // largest relative difference of the phase outcomes (Δ_end/Δ*) before vs after
    const diff = Math.max(
      ...check.before.map((v, i) =>
        Number.isNaN(v) && Number.isNaN(check.after[i]) ? 0 : Math.abs(v / check.after[i] - 1),
      ),
    );
    const ratios = ms.before.map((b, i) => b / ms.after[i]);
    rows.push({
      name,
      before: median(ms.before),
      after: median(ms.after),
      ratio: median(ratios),
      diff,
    });
  }
  return rows;
}

let rows;
if (inBrowser) {
  const { openBrowser } = await import(
    pathToFileURL(join(root, 'packages/test-support/dist/cli/browser-harness.js')).href
  );
  const b = await openBrowser('about:blank');
  try {
    await b.page.goto('about:blank');
    for (const code of Object.values(bundles)) await b.page.addScriptTag({ content: code });
    rows = await b.page.evaluate(
      `(${measure.toString()})(${reps}, () => performance.now(), ${JSON.stringify(SLIDER_CASES)})`,
    );
  } finally {
    await b.close();
  }
} else {
  for (const code of Object.values(bundles)) runInThisContext(code); // defines smd_before, smd_after
  rows = measure(
    reps,
    cpuClock
      ? () => {
          const u = process.cpuUsage();
          return (u.user + u.system) / 1000;
        }
      : () => performance.now(),
    SLIDER_CASES,
  );
}

const env = inBrowser ? 'headless Chromium' : `Node ${process.version}`;
console.log(
  `theory view slider path, 10⁶ steps, ${env}${cpuClock && !inBrowser ? ' (CPU time)' : ''}, ${cpus()[0]?.model ?? '?'}, ${reps} interleaved pairs, before = ${before}`,
);
console.log(
  '| case | before (median ms) | after (median ms) | before / after | phase outcomes, largest relative difference |',
);
console.log('|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.before.toFixed(1)} | ${r.after.toFixed(1)} | ${r.ratio.toFixed(2)}× | ${r.diff.toExponential(1)} |`,
  );
