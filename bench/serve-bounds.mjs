// The dashboard on a 10⁶-step run: response size and time of every API route stay bounded
// (series of ≤ 20,000 rows down-sampled in SQL, longer ones index-sampled ("coarse") until the
// worker thread's exact down-sampling and analysis are ready). Writes a run with N steps
// (default 10⁶) of two probed layers (Δ, ‖w‖) plus loss and lr, starts `smd serve`'s server on
// it, and times the listing, the whole-run JSON and live polls, 5 times each (medians; the first
// answers are coarse with "analysis pending"), then how long the worker takes to bring the
// exact series and the analysis (polling /data once a second), then the same routes again.
//
//   npm run build && node bench/serve-bounds.mjs [N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRun } from '@smd/runs';
import { startDashboard } from '../packages/cli/dist/serve/server.js';

const N = Number(process.argv[2] ?? 1_000_000);
const root = mkdtempSync(`${tmpdir()}/smd-serve-bounds-`);
const run = createRun(root, {
  name: 'long',
  config: { optimizer: 'sgdm', lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
  seed: 1,
  backend: 'ts',
  fallbacks: [],
  versions: {},
  machine: {
    hostname: 'h',
    platform: 'linux',
    arch: 'x64',
    cpus: 1,
    cpuModel: 'c',
    totalMemBytes: 0,
    node: 'v20',
  },
  metrics: { maxPendingRows: 500_000 },
});
const layers = ['a.weight', 'b.weight'];
run.metrics.declareParams(
  layers.map((name) => ({ name, shape: [8], scaleInvariant: true, reason: 'bench' })),
);
let t0 = performance.now();
for (let t = 0; t < N; t++) {
  for (const param of layers) {
    run.metrics.logProbes([
      { step: t, param, metric: 'delta_rad', value: 0.0045 * (1 + 0.1 * Math.sin(t)) },
      { step: t, param, metric: 'norm', value: 3 + Math.sin(t / 5000) },
    ]);
  }
  run.metrics.logScalars(t, { loss: 2 / (1 + t / 1000), lr: 0.1 });
  run.metrics.endStep(t);
}
const id = run.dir.slice(run.dir.lastIndexOf('/') + 1);
run.finish();
console.log(`wrote ${N} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const dash = await startDashboard({ root, host: '127.0.0.1', port: 0 });
const { fetch } = globalThis;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const tServe = performance.now();
const routes = [
  '/api/runs',
  `/api/runs/${id}/data`,
  `/api/runs/${id}/since?step=${N - 100}`,
  `/api/runs/${id}/since?step=-1`,
  `/api/runs/${id}/since?step=${N - 100}&analysis=-1&coarse=1`,
];
/** Times every route 5 times: a markdown table row each, with the answer's coarse flag. */
async function timeRoutes() {
  console.log('| route | response bytes | coarse | median ms (5) | first ms |');
  console.log('|---|---|---|---|---|');
  for (const path of routes) {
    const ms = [];
    let bytes = 0;
    let coarse = '';
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      const r = await fetch(dash.url + path.slice(1));
      const body = await r.text();
      ms.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      bytes = body.length;
      const j = JSON.parse(body);
      if (i === 0)
        coarse = j.runs ? '' : String(j.coarse ?? false) + (j.exact ? ' (exact sent)' : '');
    }
    const route = path.replace(id, '<id>');
    console.log(
      `| ${route} | ${bytes} | ${coarse} | ${median(ms).toFixed(0)} | ${ms[0].toFixed(0)} |`,
    );
  }
}
try {
  await timeRoutes();
  for (;;) {
    const r = await fetch(`${dash.url}api/runs/${id}/data`);
    const j = JSON.parse(await r.text());
    if (j.analysis !== null && !j.coarse) {
      const s = ((performance.now() - tServe) / 1000).toFixed(1);
      console.log(`exact series and analysis on the page ${s} s after the first request; then:`);
      break;
    }
    await new Promise((ok) => setTimeout(ok, 1000));
  }
  await timeRoutes();
} finally {
  await dash.close();
  rmSync(root, { recursive: true, force: true });
}
