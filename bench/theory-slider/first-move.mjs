// Bench: the explorer theory view's first slider moves after the page loaded, in headless
// Chromium (the explorer tests' own page and harness), 10⁶ steps (100 epochs × 10,000 steps):
// --moves λ moves (×2, ×3, ×4, then ×4.1, ×4.2, …; default 3) right after the load finished, and as many after an
// idle pause (about what a person needs to reach a slider), interleaved A B A B. Each number is
// the page's own `data-live-ms` (computePrediction on the slider path). Prints the medians per
// move; with more than 3 moves also each load's median of moves 4 and later (how fast V8 left the
// loops for that load).
//
//   npm run build && node bench/theory-slider/first-move.mjs [--reps 3] [--pause 3000] [--moves 3] [--state QUERY]
//
// --state adds view state to the URL (the explorer's own link syntax), e.g.
// 'opt=lion&lr=0.0001&wd=0.1&decay=cosine&warmup=5'.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, option, root } from './common.mjs';

const reps = Number(option('reps') ?? 3);
const pause = Number(option('pause') ?? 3000);
const moves = Number(option('moves') ?? 3);
// extra theory state for the URL, e.g. 'opt=lion&lr=0.0001&wd=0.1&decay=cosine&warmup=5'
const state = option('state');
const extraState = state !== undefined ? `&${state}` : '';
if (!(reps >= 1 && pause >= 0 && moves >= 1)) {
  console.error(
    'usage: node bench/theory-slider/first-move.mjs [--reps N] [--pause MS] [--moves N] [--state QUERY]',
  );
  process.exit(2);
}
const { openExploreSite } = await import(
  pathToFileURL(join(root, 'packages/test-support/dist/cli/browser-harness.js')).href
);
const site = await openExploreSite('smd-first-move-');
const page = site.session.page;
const runs = { 0: [], [pause]: [] };
try {
  for (let r = 0; r < reps; r++) {
    for (const wait of [0, pause]) {
      await page.goto('about:blank');
      await page.goto(`${site.url}#theory?stepsPerEpoch=10000&epochs=100${extraState}`);
      await page.waitForSelector('#theory[data-state="done"]', { timeout: 120_000 });
      if (wait) await page.waitForTimeout(wait);
      const ms = [];
      const wd0 = Number(await page.inputValue('#f-wd'));
      for (let i = 1; i <= moves; i++) {
        const wd = String(wd0 * (i <= 3 ? i + 1 : 4 + 0.1 * (i - 3)));
        await page.fill('#f-wd', wd);
        await page.waitForSelector(`#theory[data-query*="wd=${wd}"]`, { timeout: 120_000 });
        ms.push(Number(await page.getAttribute('#theory', 'data-live-ms')));
      }
      runs[wait].push(ms);
    }
  }
} finally {
  await site.session.close();
}
console.log(
  `theory view${extraState ? ` (${extraState.slice(1)})` : ''}, 10⁶ steps, ${moves} slider moves after load, ${reps} loads each`,
);
const shown = Math.min(moves, 3);
const later = moves > 3 ? ' | moves 4+ (median per load) | their median' : '';
const heads = Array.from({ length: shown }, (_, i) => (i ? `move ${i + 1}` : 'move 1 (ms)'));
console.log(`| idle pause before the first move | ${heads.join(' | ')} | every load${later} |`);
console.log(`|---|${'---|'.repeat(shown + (later ? 3 : 1))}`);
for (const wait of [0, pause]) {
  const rows = runs[wait];
  const med = rows[0].slice(0, shown).map((_, i) => median(rows.map((m) => m[i])).toFixed(1));
  const all = rows
    .map((m) =>
      m
        .slice(0, shown)
        .map((x) => x.toFixed(0))
        .join('/'),
    )
    .join(', ');
  const steady = rows.map((m) => median(m.slice(3)));
  const tail = later
    ? ` | ${steady.map((x) => x.toFixed(0)).join(', ')} | ${median(steady).toFixed(1)}`
    : '';
  console.log(`| ${wait} ms | ${med.join(' | ')} | ${all}${tail} |`);
}
