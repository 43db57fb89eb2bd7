// Bench: the explorer page itself, before and after a change, in one headless Chromium: the site
// `smd explore --out` writes from another built checkout ("before", e.g. a git worktree of main
// after `npm run build`) against this one's, loads interleaved A B B A. Per load: the view loads
// (with its searches and warm-up), then 10 λ moves (× 1.1 … × 2), each the page's own
// `data-live-ms` (computePrediction's time) and, where the page runs it in a worker, `data-wait-ms`
// (request to reply). In the page's own isolate, unlike run.mjs's bare calls, a load's moves could
// all run at one of two speeds, by how V8 happened to compile the loops on that load; so the table
// gives every load's first move and median of moves 4–10, and the medians over loads. Last, the
// longest main-thread task (PerformanceObserver "longtask") from the first move until the view
// is done again with its searches: how long the page stops answering input.
//
//   npm run build && node bench/theory-slider/page-ab.mjs --before-root DIR [--loads 8] [--state QUERY]
//
// --state: the view (the explorer's link syntax), default Lion + warmup 5 + cosine.
/* global window, PerformanceObserver -- the functions passed to page.evaluate run in the page */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, option, root } from './common.mjs';

const beforeRoot = option('before-root');
const loads = Number(option('loads') ?? 8);
const state = option('state') ?? 'opt=lion&lr=0.0001&wd=0.1&decay=cosine&warmup=5&beta2=0.99';
if (!beforeRoot || !(loads >= 1)) {
  console.error(
    'usage: node bench/theory-slider/page-ab.mjs --before-root DIR [--loads N] [--state QUERY]',
  );
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'smd-page-ab-'));
const sites = {};
for (const [name, dir] of [
  ['before', beforeRoot],
  ['after', root],
]) {
  const out = join(work, name);
  const r = spawnSync(
    process.execPath,
    [join(dir, 'packages/cli/dist/main.js'), 'explore', '--out', out],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) {
    console.error(`${dir}: smd explore --out failed (is it built?): ${r.stderr.split('\n')[0]}`);
    process.exit(1);
  }
  sites[name] = pathToFileURL(join(out, 'index.html')).href;
}

const { openBrowser } = await import(
  pathToFileURL(join(root, 'packages/test-support/dist/cli/browser-harness.js')).href
);
const session = await openBrowser('file://');
const page = session.page;
await page.addInitScript(() => {
  window.__long = [];
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
});
const res = { before: [], after: [] };
try {
  for (let r = 0; r < loads; r++) {
    for (const which of r % 2 ? ['after', 'before'] : ['before', 'after']) {
      await page.goto('about:blank');
      await page.goto(`${sites[which]}#theory?stepsPerEpoch=10000&epochs=100&${state}`);
      await page.waitForSelector('#theory[data-state="done"]', { timeout: 120_000 });
      await page.waitForTimeout(1000); // the warm-up runs after the load's searches
      const wd0 = Number(await page.inputValue('#f-wd'));
      const t0 = await page.evaluate(() => performance.now());
      const ms = [];
      const wait = [];
      for (let i = 1; i <= 10; i++) {
        const wd = String(+(wd0 * (1 + 0.1 * i)).toPrecision(6));
        await page.fill('#f-wd', wd);
        await page.waitForSelector(`#theory[data-query*="wd=${wd}"]`, { timeout: 120_000 });
        ms.push(Number(await page.getAttribute('#theory', 'data-live-ms')));
        wait.push(Number((await page.getAttribute('#theory', 'data-wait-ms')) ?? NaN));
      }
      await page.waitForSelector('#theory[data-state="done"]', { timeout: 120_000 });
      const long = await page.evaluate(
        (t) => Math.max(0, ...window.__long.filter(([s]) => s >= t).map(([, d]) => d)),
        t0,
      );
      res[which].push({
        first: ms[0],
        later: median(ms.slice(3)),
        wait: median(wait.slice(3)),
        long,
      });
    }
  }
} finally {
  await session.close();
  rmSync(work, { recursive: true, force: true });
}

console.log(
  `explorer page (${state}), 10⁶ steps, ${loads} loads each interleaved, ${cpus()[0]?.model ?? '?'}, before = ${beforeRoot}`,
);
console.log(
  '| | first move, median (ms) | moves 4–10, median | request to reply, moves 4–10 | longest main-thread task, median | each load: first / moves 4–10 |',
);
console.log('|---|---|---|---|---|---|');
for (const which of ['before', 'after']) {
  const xs = res[which];
  const each = xs.map((x) => `${x.first.toFixed(0)}/${x.later.toFixed(0)}`).join(', ');
  console.log(
    `| ${which} | ${median(xs.map((x) => x.first)).toFixed(1)} | ${median(xs.map((x) => x.later)).toFixed(1)} | ${xs.some((x) => x.wait >= 0) ? median(xs.map((x) => x.wait)).toFixed(1) : '–'} | ${median(xs.map((x) => x.long)).toFixed(0)} | ${each} |`,
  );
}
