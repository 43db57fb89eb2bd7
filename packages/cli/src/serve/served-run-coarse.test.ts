/**
 * smd serve on runs longer than ServedRun's exactRows (here 500 rows, 100 points a series): the
 * first answer is coarse index samples, the worker's exact down-sampling replaces them, and a
 * growing run is served as a page's polls would append it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createRun, openRun, type MetricQueries, type Run } from '@smd/runs';
import { applyDelta, downsample, appendSeries, type RunData, type XY } from '@smd/web';
import { tempDir, writeFixtureRun } from '@smd/test-support/cli';
import { runOptions } from '@smd/test-support/runs';
import { loadRunData } from '../report/run-cache.js';
import { Analyst, ServedRun } from './served-run.js';

const root = tempDir('smd-served-coarse-');
const analyst = new Analyst();
after(async () => {
  await analyst.close();
  rmSync(root, { recursive: true, force: true });
});

const CAP = 100;
const EXACT_ROWS = 500;
const isMeasured = (k: string): boolean => !k.endsWith('/delta_window');
const measuredOf = (s: Record<string, XY>): Record<string, XY> =>
  Object.fromEntries(Object.entries(s).filter(([k]) => isMeasured(k)));
const copy = <T>(x: T): T => structuredClone(x);

/** Every stored row of the series `key` (s/<name> or p/<param>/<metric>), full resolution. */
function rows(m: MetricQueries, key: string): { steps: Float64Array; values: Float64Array } {
  if (key.startsWith('s/')) return m.readScalars(key.slice(2));
  const [, param, metric] = /^p\/(.+)\/([^/]+)$/.exec(key)!;
  return m.readProbe(param, metric as 'norm');
}

function withStore<T>(dir: string, f: (m: MetricQueries) => T): T {
  const run = openRun(dir);
  try {
    return f(run.metrics);
  } finally {
    run.close();
  }
}

/** Polls data() until the worker's answer covers `step`. */
async function ready(served: ServedRun, step: number): Promise<RunData> {
  for (let i = 0; i < 2400; i++) {
    const d = served.data();
    if (d.analysisCursor === step) return d;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`analysis never reached step ${step}`);
}

test('a long run is answered at once with coarse index samples of the stored rows; the exact down-sampling replaces them (data, and a coarse page’s poll)', async () => {
  const dir = await writeFixtureRun({
    root,
    name: 'long',
    steps: 1500,
    milestones: [700],
    seed: 4,
  });
  const want = loadRunData(dir, CAP);
  const served = new ServedRun(dir, analyst, CAP, EXACT_ROWS);
  const first = served.data();
  assert.equal(first.coarse, true);
  assert.equal(first.analysis, null);
  const keys = Object.keys(measuredOf(want.series)).sort();
  assert.ok(keys.length >= 8);
  assert.deepEqual(Object.keys(first.series).sort(), keys);
  withStore(dir, (m) => {
    for (const k of keys) {
      const all = rows(m, k);
      const at = new Map([...all.steps].map((s, i) => [s, all.values[i]]));
      const xy = first.series[k];
      assert.ok(xy.x.length <= CAP, `${k}: ${xy.x.length} points`);
      // only stored rows
      xy.x.forEach((s, i) => assert.equal(xy.y[i], at.get(s), `${k} at step ${s}`));
    }
    // spread over the whole run: the loss (finite, never flat) keeps nearly every sample
    const loss = first.series['s/loss'].x;
    assert.ok(loss.length >= CAP - 5, `${loss.length} loss points`);
    assert.deepEqual([loss[0], loss[loss.length - 1]], [0, 1499]);
    for (let i = 1; i < loss.length; i++)
      assert.ok(loss[i] - loss[i - 1] <= 2 * (1499 / (CAP - 1)));
  });
  // before the worker answered, a coarse page's poll gets no exact series
  const early = served.delta(1499, -1, true);
  assert.equal(early.exact, null);
  const done = await ready(served, 1499);
  assert.equal(done.coarse, undefined);
  assert.deepEqual(done, want);
  // the coarse page's next poll swaps the exact series in: the page then equals the run
  const page = copy(first);
  const d = served.delta(page.cursor, page.analysisCursor, page.coarse);
  assert.equal(d.coarse, false);
  assert.deepEqual(d.exact, measuredOf(want.series));
  applyDelta(page, d, CAP);
  assert.equal(page.coarse, false);
  assert.deepEqual(page.series, want.series);
  // a poll from far back (more rows than exactRows since its step) is coarse again
  const far = served.delta(0, 1499);
  assert.equal(far.coarse, true);
  assert.equal(far.exact, null);
});

test('a growing run: exact series up to the worker’s step plus the appended rows, as a polling page holds them; coarse while the rows since exceed exactRows', async () => {
  const run: Run = createRun(
    root,
    runOptions({
      name: 'grow',
      config: { optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4 } },
      metrics: { maxPendingRows: 1e6 },
    }),
  );
  run.metrics.declareParams([{ name: 'a.weight', shape: [8], scaleInvariant: true, reason: 't' }]);
  let t = 0;
  const write = (n: number): number => {
    for (const end = t + n; t < end; t++) {
      const v = 0.01 * (1 + 0.3 * Math.sin(t / 7));
      run.metrics.logProbes([
        { step: t, param: 'a.weight', metric: 'delta_rad', value: v },
        { step: t, param: 'a.weight', metric: 'norm', value: 3 + Math.sin(t / 100) },
      ]);
      run.metrics.logScalars(t, { loss: 2 / (1 + t / 100) + 0.1 * Math.cos(t), lr: 0.1 });
      run.metrics.endStep(t);
    }
    run.metrics.flush();
    return t - 1;
  };
  try {
    const served = new ServedRun(run.dir, analyst, CAP, EXACT_ROWS);
    let last = write(1200);
    assert.equal(served.data().coarse, true);
    const page = await ready(served, last);
    assert.equal(page.coarse, undefined);
    assert.deepEqual(page, loadRunData(run.dir, CAP));
    // 300 rows appended (< exactRows): the cached exact series and the new rows down-sampled
    const before = last;
    last = write(300);
    const grown = served.data();
    assert.equal(grown.analysisCursor, before);
    assert.equal(grown.coarse, undefined);
    const expected = withStore(run.dir, (m) =>
      Object.fromEntries(
        Object.entries(measuredOf(page.series)).map(([k, xy]) => {
          const all = rows(m, k);
          const i = all.steps.indexOf(before + 1);
          const tail = downsample(all.steps.subarray(i), all.values.subarray(i), CAP);
          return [k, appendSeries(copy(xy), tail, CAP)];
        }),
      ),
    );
    assert.deepEqual(measuredOf(grown.series), expected);
    // the page that loaded at `before` and polls once holds the same series
    const polled = copy(page);
    applyDelta(polled, served.delta(polled.cursor, polled.analysisCursor, false), CAP);
    assert.deepEqual(measuredOf(polled.series), expected);
    assert.equal(polled.cursor, last);
    const caught = await ready(served, last);
    assert.deepEqual(caught, loadRunData(run.dir, CAP));
    // 700 rows appended (> exactRows): coarse until the worker caught up, then exact again
    last = write(700);
    const behind = served.data();
    assert.equal(behind.coarse, true);
    assert.equal(served.delta(-1, -1, true).exact, null);
    const exact = await ready(served, last);
    assert.equal(exact.coarse, undefined);
    assert.deepEqual(exact, loadRunData(run.dir, CAP));
    const swap = served.delta(last, behind.analysisCursor, true);
    assert.deepEqual(swap.exact, measuredOf(exact.series));
  } finally {
    run.finish();
  }
});
