// Bench (diagnostic): the explorer's theory worker (src/explore/theory-worker.ts, bundled as the
// page bundles it) driven by messages in a blank page, one fresh headless Chromium per run: the
// first prediction of the view, then (with --warm-up) the warm-up message the view sends after its
// first searches, 1.5 s idle, then N λ moves (× 1.05 each), the arrays handed back and forth by
// transfer as the page does. Prints every run's per-move computePrediction time (the worker's own
// `ms`): V8's compile of the loops can put a whole run at one of two speeds, so runs are listed,
// not only summarized.
//
//   npm run build && node bench/theory-slider/worker-runs.mjs [--runs 6] [--moves 25] [--warm-up] [--state QUERY]
//
// --state: the view (the explorer's link syntax), default Lion + warmup 5 + cosine at 10⁶ steps.
/* global Worker, Blob -- the function passed to page.evaluate runs in the page */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, option, pageBundle, root } from './common.mjs';

const runs = Number(option('runs') ?? 6);
const moves = Number(option('moves') ?? 25);
const warmUp = process.argv.includes('--warm-up');
const query =
  option('state') ??
  'stepsPerEpoch=10000&epochs=100&opt=lion&lr=0.0001&wd=0.1&decay=cosine&warmup=5&beta2=0.99';
if (!(runs >= 1) || !(moves >= 4)) {
  console.error(
    'usage: node bench/theory-slider/worker-runs.mjs [--runs N] [--moves N ≥ 4] [--warm-up] [--state QUERY]',
  );
  process.exit(2);
}

const workerJs = await pageBundle({
  entryPoints: [join(root, 'packages/web/src/explore/theory-worker.ts')],
  minify: true,
});
const { decodeTheoryState } = await import(
  pathToFileURL(join(root, 'packages/web/dist/explore/theory-state.js')).href
);
const { transferList } = await import(
  pathToFileURL(join(root, 'packages/web/dist/explore/theory-protocol.js')).href
);
const { openBrowser } = await import(
  pathToFileURL(join(root, 'packages/test-support/dist/cli/browser-harness.js')).href
);
const state = decodeTheoryState(query).state;

console.log(
  `theory worker, ${query}, ${runs} fresh browsers, ${moves} moves each, warm-up ${warmUp ? 'on' : 'off'}, ${cpus()[0]?.model ?? '?'}`,
);
const medians = [];
for (let r = 0; r < runs; r++) {
  const session = await openBrowser('file://');
  try {
    await session.page.setContent('<html><body></body></html>');
    // the page's own transfer list (theory-protocol.ts), as a global of the blank page
    await session.page.addScriptTag({ content: `globalThis.transferList = ${transferList}` });
    const ms = await session.page.evaluate(
      async ([workerJs, state, moves, warmUp]) => {
        const transferList = globalThis.transferList;
        const blob = new Blob([workerJs], { type: 'text/javascript' });
        const w = new Worker(URL.createObjectURL(blob));
        let spare = null;
        const ask = (st) =>
          new Promise((done) => {
            w.onmessage = (e) => {
              spare = e.data.prediction;
              done(e.data.ms);
            };
            const reuse = spare;
            spare = null;
            w.postMessage(
              { type: 'predict', id: 1, state: st, search: false, reuse },
              reuse ? transferList(reuse) : [],
            );
          });
        await ask(state);
        if (warmUp) w.postMessage({ type: 'warm-up', state });
        await new Promise((ok) => setTimeout(ok, 1500));
        const out = [];
        for (let i = 1; i <= moves; i++)
          out.push(await ask({ ...state, wd: state.wd * (1 + 0.05 * i) }));
        return out;
      },
      [workerJs, state, moves, warmUp],
    );
    medians.push(median(ms.slice(3)));
    console.log(
      `run ${r + 1}: ${ms.map((v) => v.toFixed(0)).join(' ')} | moves 4–${moves} median ${median(ms.slice(3)).toFixed(1)} ms`,
    );
  } finally {
    await session.close();
  }
}
console.log(`median of the runs' medians: ${median(medians).toFixed(1)} ms`);
