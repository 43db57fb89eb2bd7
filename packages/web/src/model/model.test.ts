import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deltaStarExact } from '@smd/smd';
import { allLayersFigure, layerFigure, reportFigures } from './figures.js';
import { layerAlert, summarizeLayer } from './layer-summary.js';
import {
  deltaStarPerStep,
  lastLrChange,
  lrPerStep,
  predictLayer,
  predictRunDelta,
} from './predictions.js';
import { applyDelta, type LayerRow, type RunData, type RunHyper } from './run-data.js';
import { appendSeries, downsample, dropFlat, trailingMean } from './series.js';

test('downsample keeps spikes, endpoints and the cap; flat stretches collapse', () => {
  const n = 100_000;
  const x = Float64Array.from({ length: n }, (_, i) => i);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 300));
  y[77_777] = 9;
  const d = downsample(x, y, 2000);
  assert.ok(d.x.length <= 2000 && d.x.length > 1900, String(d.x.length));
  assert.equal(d.x[0], 0);
  assert.equal(d.x.at(-1), n - 1);
  assert.ok(d.y.includes(9) && d.x.includes(77_777));
  assert.deepEqual(dropFlat({ x: [0, 1, 2, 3, 4], y: [1, 1, 1, 2, 2] }), {
    x: [0, 2, 3, 4],
    y: [1, 1, 2, 2],
  });
  const s = appendSeries({ x: [0, 1], y: [5, 6] }, { x: [1, 2, 3], y: [0, 7, 8] });
  assert.deepEqual(s, { x: [0, 1, 2, 3], y: [5, 6, 7, 8] });
});

test('trailingMean averages the last w finite values', () => {
  const m = trailingMean([1, 2, 3, NaN, 5, 6], 3);
  assert.deepEqual(Array.from(m), [1, 1.5, 2, 2.5, 4, 5.5]);
});

test('predictions: run-wide Δ starts at Δ* and drops to ≈ Δ*_old/k after η ÷ 10', () => {
  const lr = lrPerStep(20_000, [0, 10_000], [0.1, 0.01], NaN);
  assert.equal(lr[9_999], 0.1);
  assert.equal(lr[10_000], 0.01);
  const h = { wd: 5e-4, momentum: 0.9, rescaleAtDrops: false };
  const d = predictRunDelta(lr, h)!;
  const dsOld = deltaStarExact({ lr: 0.1, wd: 5e-4, momentum: 0.9 });
  assert.ok(Math.abs(d[0] / dsOld - 1) < 1e-6);
  assert.ok(Math.abs(d[10_000] / (dsOld / 10) - 1) < 0.05, String(d[10_000]));
  assert.ok(
    d[19_999] > d[10_001] && d[19_999] < deltaStarExact({ lr: 0.01, wd: 5e-4, momentum: 0.9 }),
  );
  assert.equal(
    deltaStarPerStep(lr, h)[15_000],
    deltaStarExact({ lr: 0.01, wd: 5e-4, momentum: 0.9 }),
  );
  assert.deepEqual(lastLrChange(lr), { step: 10_000, factor: 10 });
  // With the rescaling trick Δ sits at the new Δ* right after the drop (within a few %).
  const r = predictRunDelta(lr, { ...h, rescaleAtDrops: true })!;
  assert.ok(Math.abs(r[10_500] / deltaStarExact({ lr: 0.01, wd: 5e-4, momentum: 0.9 }) - 1) < 0.05);
  const p = predictLayer(lr, h, [0], [3], [0, 5000], [1, 0.5])!;
  assert.equal(p.norm[0], 3);
  assert.equal(predictLayer(lr, { ...h, wd: 0 }, [0], [3], [0], [1]), null);
});

const hyper: RunHyper = { lr: 0.01, wd: 5e-4, momentum: 0.9, optimizer: 'sgd', predictable: true };

test('summarizeLayer uses compareSmd; layerAlert names the likely cause', () => {
  const ds = deltaStarExact({ lr: 0.01, wd: 5e-4, momentum: 0.9 });
  const n = 400;
  const arr = (v: number): number[] => new Array(n).fill(v);
  const row = summarizeLayer(
    { name: 'a', shape: [4], scaleInvariant: true, reason: 'bn' },
    'a',
    {
      delta: arr(ds * 1.01),
      norm: arr(2),
      radialCos: arr(0),
      lWindow: arr(1),
      unitGrad: arr(1).map((v, i) => v + (i % 2 ? 0.1 : -0.1)),
      deltaStar: arr(ds),
      wStar: arr(2),
    },
    ds,
    {
      hyper,
      windowSamples: 200,
      windowSteps: 200,
      stepsSinceLrChange: 100_000,
      lrDropFactor: undefined,
    },
  );
  assert.equal(row.verdict, 'equilibrium', row.summary);
  assert.ok(Math.abs(row.deltaRatio - 1.01) < 1e-9);
  assert.deepEqual(
    row.assumptions.map((x) => [x.id, x.holds]),
    [
      ['lower-bound-l', true],
      ['smoothness', true],
    ],
  );
  assert.equal(layerAlert(row, 5, hyper), null);
  const off: LayerRow = {
    ...row,
    deltaWindow: ds * 0.5,
    stepsSinceLrChange: 100,
    relaxationSteps: 5000,
  };
  const a = layerAlert(off, 7, hyper)!;
  assert.equal(a.step, 7);
  assert.match(a.message, /50% below the prediction/);
  assert.match(a.cause, /still relaxing after the lr change 100 steps ago/);
  const high = layerAlert(
    { ...row, deltaWindow: ds * 1.5, stepsSinceLrChange: 1e5, relaxationSteps: 10 },
    7,
    hyper,
  )!;
  assert.match(high.cause, /L_t jumped/);
  const radial = layerAlert({ ...row, scaleInvariant: null, radialCos: 0.4 }, 7, hyper)!;
  assert.match(radial.cause, /not scale-invariant/);
  assert.equal(layerAlert({ ...row, scaleInvariant: false, radialCos: 0.4 }, 7, hyper), null);
});

function tinyRun(): RunData {
  const xy = (y: number[]): { x: number[]; y: number[] } => ({ x: y.map((_, i) => i), y });
  return {
    id: 'r1',
    name: 'tiny',
    createdAt: '2026-01-01T00:00:00Z',
    status: 'running',
    backend: 'ts',
    facts: {},
    hyper,
    cursor: 2,
    every: 1,
    windowSteps: 200,
    params: [
      { name: 'a', shape: [2], scaleInvariant: true, reason: '' },
      { name: 'fc', shape: [2], scaleInvariant: false, reason: '' },
    ],
    layers: ['a', 'fc'],
    series: {
      'p/a/delta_rad': xy([1e-3, 2e-3, 3e-3]),
      'p/a/delta_window': xy([1e-3, 1.5e-3, 2e-3]),
      'p/fc/delta_window': xy([1, 1, 1]),
      'p/a/h_tilde': xy([1, 1, 1]),
      's/loss': xy([3, 2, 1]),
    },
    theory: { 't/*/delta_mf': xy([1e-3, 1e-3, 1e-3]) },
    events: [{ step: 1, seq: 0, kind: 'lr_drop', message: 'lr 0.1 -> 0.010000000000000002' }],
    table: [],
    assumptions: [],
    alerts: [],
  };
}

test('figures pick the right series, theory lines and markers; deltas append', () => {
  const run = tinyRun();
  const a = layerFigure(run, 'a');
  assert.deepEqual(
    a.panels.map((p) => p.lines.map((l) => l.name)),
    [['h̃_t per step'], [], ['Δ_t per step', 'Δ_t windowed']],
  );
  assert.deepEqual(a.markers, [{ x: 1, label: 'lr 0.1 -> 0.01' }]);
  // Plain SGD: the first panel is ‖g̃_t‖² (h̃ only for SGDM).
  const sgd = { ...run, hyper: { ...hyper, momentum: 0 } };
  sgd.series = { ...run.series, 'p/a/unit_grad_sq_norm': { x: [0, 1], y: [1, 2] } };
  assert.deepEqual(
    layerFigure(sgd, 'a').panels[0].lines.map((l) => l.name),
    ['‖g̃_t‖² per step'],
  );
  assert.match(layerFigure(sgd, 'a').subtitle[0], /^tiny — SGD, η = 0\.01, λ = 0\.0005$/);
  const b = allLayersFigure(run);
  assert.deepEqual(
    b.panels[0].lines.map((l) => [l.name, l.role]),
    [
      ['a', 'windowed'],
      ['mean-field Δ_t', 'theory'],
    ],
  );
  assert.deepEqual(
    reportFigures([run, run]).map((f) => f.id),
    ['layer', 'all-layers', 'rescale', 'runs'],
  );
  applyDelta(run, {
    id: 'r1',
    from: 2,
    cursor: 3,
    rewound: false,
    status: 'finished',
    hyper,
    layers: ['a', 'fc'],
    series: { 's/loss': { x: [2, 3], y: [9, 0.5] } },
    theory: {},
    events: [],
    table: [],
    assumptions: [],
    alerts: [],
  });
  assert.deepEqual(run.series['s/loss'], { x: [0, 1, 2, 3], y: [3, 2, 1, 0.5] });
  assert.equal(run.cursor, 3);
  assert.equal(run.status, 'finished');
});
