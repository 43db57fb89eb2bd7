// Write throughput of the run metric store (packages/runs/src/metric-store.ts): a fake trainer
// logging 20 probed layers × 11 probe metrics + 4 scalars per step, committed once per step
// (and once per 10 steps), with and without a live reader polling since() next to it.
//
//   node --conditions=source --import tsx bench/metric-store.mjs      (from source)
//   npm run build && node bench/metric-store.mjs                      (from dist)
//
// Prints steps/s, rows/s and µs per step for each setting, and the file size per step.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricStore, PROBE_METRICS, START_CURSOR } from '@smd/runs';

const STEPS = Number(process.env.STEPS ?? 5000);
const LAYERS = 20;
const params = Array.from({ length: LAYERS }, (_, i) => `layers.${i >> 2}.${i & 3}.conv.weight`);

function bench(label, { batchSteps, reader }) {
  const dir = mkdtempSync(join(tmpdir(), 'smd-bench-'));
  const path = join(dir, 'metrics.sqlite');
  const store = MetricStore.open(path, { batchSteps, maxLatencyMs: 1e9 });
  const r = reader ? MetricStore.open(path, { readonly: true }) : null;
  let cursor = START_CURSOR;
  let seen = 0;
  let rows = 0;
  const t0 = performance.now();
  for (let step = 1; step <= STEPS; step++) {
    store.logScalars(step, { loss: 1 / step, lr: 0.1, accuracy: 0.5, images_per_s: 1000 });
    for (const param of params) {
      for (const metric of PROBE_METRICS)
        store.logProbe({ step, param, metric, value: step * 1e-3 });
    }
    rows += 4 + LAYERS * PROBE_METRICS.length;
    store.endStep(step);
    if (r && step % 50 === 0) {
      const d = r.since(cursor);
      seen += d.probes.length + d.scalars.length;
      cursor = d.cursor;
    }
  }
  store.flush();
  const ms = performance.now() - t0;
  const bytes = statSync(path).size + statSync(path + '-wal').size;
  store.close();
  r?.close();
  rmSync(dir, { recursive: true });
  console.log(
    `${label.padEnd(46)} ${(STEPS / (ms / 1000)).toFixed(0).padStart(7)} steps/s ` +
      `${((rows / ms) * 1000).toFixed(0).padStart(9)} rows/s ${((ms * 1000) / STEPS).toFixed(0).padStart(6)} µs/step ` +
      `${(bytes / STEPS).toFixed(0).padStart(6)} B/step${r ? ` (reader saw ${seen} rows)` : ''}`,
  );
}

console.log(
  `${STEPS} steps, ${LAYERS} layers × ${PROBE_METRICS.length} metrics + 4 scalars = ${4 + LAYERS * PROBE_METRICS.length} rows/step`,
);
bench('commit every step', { batchSteps: 1, reader: false });
bench('commit every 10 steps', { batchSteps: 10, reader: false });
bench('commit every step, live reader polling', { batchSteps: 1, reader: true });
bench('commit every 10 steps, live reader polling', { batchSteps: 10, reader: true });
