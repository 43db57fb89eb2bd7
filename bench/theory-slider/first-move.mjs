// Bench: the explorer theory view's first slider moves after the page loaded, in headless
// Chromium (the explorer tests' own page and harness), 10⁶ steps (100 epochs × 10,000 steps):
// three λ moves (×2, ×3, ×4) right after the load finished, and three after an idle pause (about what a person
// needs to reach a slider), interleaved A B A B. Each number is the page's own `data-live-ms`
// (computePrediction on the slider path). Prints the medians per move.
//
//   npm run build && node bench/theory-slider/first-move.mjs [--reps 3] [--pause 3000] [--state QUERY]
//
// --state adds view state to the URL (the explorer's own link syntax), e.g.
// 'opt=lion&lr=0.0001&wd=0.1&decay=cosine&warmup=5'.
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const reps = opt('reps', 3);
const pause = opt('pause', 3000);
// extra theory state for the URL, e.g. 'opt=lion&lr=0.0001&wd=0.1&decay=cosine&warmup=5'
const si = argv.indexOf('--state');
const extraState = si >= 0 ? `&${argv[si + 1]}` : '';
if (!(reps >= 1 && pause >= 0)) {
  console.error('usage: node bench/theory-slider/first-move.mjs [--reps N] [--pause MS]');
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
      for (const wd of [2, 3, 4].map((f) => String(wd0 * f))) {
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
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `theory view${extraState ? ` (${extraState.slice(1)})` : ''}, 10⁶ steps, first three slider moves after load, ${reps} loads each`,
);
console.log('| idle pause before the first move | move 1 (ms) | move 2 | move 3 | every load |');
console.log('|---|---|---|---|---|');
for (const wait of [0, pause]) {
  const rows = runs[wait];
  const med = [0, 1, 2].map((i) => median(rows.map((m) => m[i])).toFixed(1));
  const all = rows.map((m) => m.map((x) => x.toFixed(0)).join('/')).join(', ');
  console.log(`| ${wait} ms | ${med.join(' | ')} | ${all} |`);
}
