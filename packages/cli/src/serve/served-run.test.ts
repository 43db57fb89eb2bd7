import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MetricStore } from '@smd/runs';
import { downsample, finishDownsample } from '@smd/web';
import { seededRandom, tempDir, writeFixtureRun } from '@smd/test-support/cli';
import { loadRunData } from '../report/run-cache.js';
import { Analyst, ServedRun } from './served-run.js';

const root = tempDir('smd-served-');
const analyst = new Analyst();
after(async () => {
  await analyst.close();
  rmSync(root, { recursive: true, force: true });
});

test('SQL down-sampling picks exactly the points of the JS downsample (NaN, ±Inf, ties, flat stretches, ranges)', () => {
  const rand = seededRandom(3);
  const st = MetricStore.open(join(root, 'ds.sqlite'));
  const lengths = [0, 1, 2, 3, 8, 9, 10, 57, 1000, 4321];
  const series = new Map<string, number[]>();
  for (const n of lengths) {
    const y = Array.from({ length: n }, (_, i) => {
      const u = rand();
      if (u < 0.05) return NaN;
      if (u < 0.07) return u < 0.06 ? Infinity : -Infinity;
      if (u < 0.3) return Math.floor(rand() * 4); // ties within a bucket
      if (i % 97 < 20) return 2.5; // flat stretches (dropFlat)
      return Math.sin(i) * 10 + rand();
    });
    series.set(`s${n}`, y);
    // steps with gaps: row index ≠ step
    for (let i = 0; i < n; i++) st.logScalar(3 * i + (i % 5), `s${n}`, y[i]);
  }
  st.endStep(1e6);
  st.flush();
  try {
    let compared = 0;
    for (const [name, y] of series) {
      for (const cap of [8, 9, 11, 50, 3000]) {
        for (const [from, to] of [
          [0, 1e7],
          [40, 2000],
          [7, 7],
        ]) {
          const full = st.readScalars(name, { fromStep: from, toStep: to });
          const want = downsample(full.steps, full.values, cap);
          const s = st.readScalars(name, { fromStep: from, toStep: to, maxPoints: cap });
          assert.ok(s.steps.length <= Math.max(full.steps.length, 0));
          const got = finishDownsample(s.steps, s.values, s.steps.length, null);
          assert.deepEqual(got, want, `${name} cap ${cap} [${from}, ${to}] of ${y.length}`);
          compared++;
        }
      }
    }
    assert.equal(compared, lengths.length * 15);
    // the SQL hands JS at most cap rows of a 4321-row series
    assert.ok(st.readScalars('s4321', { maxPoints: 50 }).steps.length <= 50);
  } finally {
    st.close();
  }
});

test('smd serve answers at once with SQL-down-sampled series and analysis pending; once ready, the analysis equals the one from all rows', async () => {
  const dir = await writeFixtureRun({ root, name: 'r', steps: 1500, milestones: [700], seed: 9 });
  const want = loadRunData(dir, 300);
  const served = new ServedRun(dir, analyst, 300);
  const first = served.data();
  assert.equal(first.analysis, null);
  assert.equal(first.coarse, undefined);
  assert.equal(first.analysisCursor, -1);
  assert.deepEqual(first.theory, {});
  // every measured series equals the old JS down-sampling exactly; windowed ones wait
  const measured = Object.keys(want.series).filter((k) => !k.endsWith('/delta_window'));
  assert.ok(measured.length >= 8 && measured.length < Object.keys(want.series).length);
  assert.deepEqual(Object.keys(first.series).sort(), measured.sort());
  for (const k of measured) assert.deepEqual(first.series[k], want.series[k], k);
  assert.deepEqual(new Set(first.layers), new Set(want.layers));
  // a poll before the analysis is ready: no theory, nothing to replace
  const pending = served.delta(1400, -1);
  assert.equal(pending.analysis, null);
  assert.equal(pending.theory, null);
  assert.deepEqual(pending.series['s/loss'].x[0], 1401);
  // the worker finishes in the background; then the whole answer equals loadRunData's
  let ready = served.data();
  for (let i = 0; ready.analysis === null && i < 1200; i++) {
    await new Promise((ok) => setTimeout(ok, 50));
    ready = served.data();
  }
  assert.deepEqual(ready, want);
  // a page that had the pending answer gets the analysis and every windowed point in one poll
  const d = served.delta(1499, -1);
  assert.equal(d.analysisCursor, 1499);
  assert.deepEqual(d.analysis, want.analysis);
  assert.deepEqual(d.theory, want.theory);
  for (const k of Object.keys(want.series).filter((x) => x.endsWith('/delta_window')))
    assert.deepEqual(d.series[k], want.series[k], k);
  // and a page that has it gets no theory again
  assert.equal(served.delta(1499, 1499).theory, null);
});
