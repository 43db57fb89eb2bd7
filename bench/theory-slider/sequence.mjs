// Bench: the explorer theory view's slider path over a whole visit, before and after a change, in
// headless Chromium. run.mjs times warmed-up calls in one page; this replays what the page does
// after a load, in a fresh browser per run: the first prediction with its searches, the warm-up
// (web explore/theory-warm-up.ts: the view's schedule at 10⁵ steps with λ × 10 and × 30), then
// --moves λ moves of 5% each, timed. How fast V8 leaves the loops can depend on what ran before
// them (a loop compiled before one of its branches ran), so one run can sit at twice the time of
// another with the same code; each run is a fresh browser, runs go A B B A, and the table gives
// every run's median move besides the medians over runs.
//
//   node bench/theory-slider/sequence.mjs --before <git ref> [--runs 4] [--moves 25]
//
// Views, 100 epochs × 10,000 steps: the default (the paper's ImageNet schedule, SGDM); AdamW and
// Lion under warmup 5 + cosine (a new η every step, where the loops do the most).
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAfterBundles, median, option, root, SLIDER_CASES } from './common.mjs';

const before = option('before');
const runs = Number(option('runs') ?? 4);
const moves = Number(option('moves') ?? 25);
if (!before || !(runs >= 1) || !(moves >= 4)) {
  console.error(
    'usage: node bench/theory-slider/sequence.mjs --before <git ref> [--runs N] [--moves N ≥ 4]',
  );
  process.exit(2);
}
const bundles = await beforeAfterBundles(root, before);
const { openBrowser } = await import(
  pathToFileURL(join(root, 'packages/test-support/dist/cli/browser-harness.js')).href
);

const views = SLIDER_CASES.filter(([name]) =>
  ['default (SGDM', 'AdamW, warmup', 'Lion, warmup'].some((v) => name.startsWith(v)),
);

/** Runs in the page: load, warm-up, then the timed moves; returns each move's ms. */
function visit(lib, schedule, extra, moves) {
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
  const input = (wd, stepsPerEpoch, totalSteps) => ({
    ...base,
    ...extra,
    wd,
    schedule,
    scheduleSpec: lib.parseSchedule(schedule, stepsPerEpoch, totalSteps),
    stepsPerEpoch,
    totalSteps,
  });
  const wd = extra.wd ?? base.wd;
  let last = lib.computePrediction(input(wd, spe, total)); // the load, with its searches
  for (const f of [10, 30]) {
    // theory-warm-up.ts: 10⁵ steps, steps per epoch scaled to keep the epochs
    try {
      lib.computePrediction(input(wd * f, Math.round((spe * 1e5) / total), 1e5), {
        maxSearchSteps: 0,
      });
    } catch {
      // λ × 30 rejected (ηλ ≥ 1), as the page ignores it
    }
  }
  const ms = [];
  for (let i = 0; i < moves; i++) {
    const t0 = performance.now();
    last = lib.computePrediction(input(wd * (1 + 0.05 * (i + 1)), spe, total), {
      maxSearchSteps: 0,
      reuse: last,
    });
    ms.push(performance.now() - t0);
  }
  return ms;
}

const rows = [];
for (const [name, schedule, extra] of views) {
  const res = { before: [], after: [] };
  for (let r = 0; r < runs; r++) {
    for (const which of r % 2 ? ['after', 'before'] : ['before', 'after']) {
      const b = await openBrowser('about:blank');
      try {
        await b.page.goto('about:blank');
        await b.page.addScriptTag({ content: bundles[which] });
        const ms = await b.page.evaluate(
          `(${visit.toString()})(globalThis.smd_${which}, ${JSON.stringify(schedule)}, ${JSON.stringify(extra)}, ${moves})`,
        );
        // a run: its first move, and the median of the moves after the third
        res[which].push({ first: ms[0], steady: median(ms.slice(3)) });
      } finally {
        await b.close();
      }
    }
  }
  rows.push({ name, ...res });
}

console.log(
  `theory view, a visit per fresh headless Chromium (load with searches, warm-up, ${moves} λ moves), 10⁶ steps, ${cpus()[0]?.model ?? '?'}, ${runs} runs each, before = ${before}`,
);
console.log(
  '| view | before: median move (ms) | after | before / after | before: each run, first / median | after: each run |',
);
console.log('|---|---|---|---|---|---|');
const each = (xs) => xs.map((x) => `${x.first.toFixed(0)}/${x.steady.toFixed(0)}`).join(', ');
for (const { name, before: b, after: a } of rows) {
  const mb = median(b.map((x) => x.steady));
  const ma = median(a.map((x) => x.steady));
  console.log(
    `| ${name} | ${mb.toFixed(1)} | ${ma.toFixed(1)} | ${(mb / ma).toFixed(2)}× | ${each(b)} | ${each(a)} |`,
  );
}
