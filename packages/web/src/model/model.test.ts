import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '@smd/smd';
import { allLayersFigure, layerFigure, reportFigures } from './figures.js';
import { applyDelta, type RunAnalysisView, type RunData } from './run-data.js';
import { filterRuns, runListEntry, sortRuns, type RunListEntry } from './run-list.js';
import { appendSeries, downsample, dropFlat } from './series.js';

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

const config = parseRunConfig({
  optimizer: 'sgd',
  lr: 0.1,
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: 'multistep:1:0.1',
});

const analysis: RunAnalysisView = {
  mode: 'live',
  table: [],
  verdicts: {
    predictable: true,
    tau: 500,
    medianDeltaRatio: 0.8,
    medianPredictedError: 0.01,
    worstPredictedError: 0.02,
    medianStarError: 0.2,
    worstStarError: 0.3,
    explainedSpread: 0.99,
    worstWindow: null,
  },
  assumptions: [],
  alerts: [],
};

function tinyRun(): RunData {
  const xy = (y: number[]): { x: number[]; y: number[] } => ({ x: y.map((_, i) => i), y });
  return {
    id: 'r1',
    name: 'tiny',
    createdAt: '2026-01-01T00:00:00Z',
    status: 'running',
    backend: 'ts',
    facts: {},
    config,
    lr: 0.01,
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
    analysis,
    analysisCursor: 2,
  };
}

test('figures pick the right series, theory lines and markers; deltas append', () => {
  const run = tinyRun();
  const a = layerFigure(run, 'a');
  assert.deepEqual(
    a.panels.map((p) => p.lines.map((l) => l.name)),
    [['h̃_t per step'], [], ['Δ_t per step', 'Δ_t windowed RMS']],
  );
  assert.deepEqual(a.markers, [{ x: 1, label: 'lr 0.1 -> 0.01' }]);
  // Plain SGD: the first panel is ‖g̃_t‖² (h̃ only for SGDM).
  const sgd = { ...run, config: { ...config, momentum: 0 } };
  sgd.series = { ...run.series, 'p/a/unit_grad_sq_norm': { x: [0, 1], y: [1, 2] } };
  assert.deepEqual(
    layerFigure(sgd, 'a').panels[0].lines.map((l) => l.name),
    ['‖g̃_t‖² per step'],
  );
  // The header states the schedule, not only the current η.
  assert.match(
    layerFigure(sgd, 'a').subtitle[0],
    /^tiny — SGD, η = 0\.01 \(multistep:1:0\.1 from 0\.1\), λ = 0\.0005$/,
  );
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
    lr: 0.01,
    layers: ['a', 'fc'],
    series: { 's/loss': { x: [2, 3], y: [9, 0.5] } },
    theory: {},
    events: [],
    analysis: { ...analysis, mode: 'offline' },
    analysisCursor: 3,
    coarse: false,
    exact: null,
  });
  assert.equal(run.analysis?.mode, 'offline');
  assert.equal(run.analysisCursor, 3);
  assert.deepEqual(run.series['s/loss'], { x: [0, 1, 2, 3], y: [3, 2, 1, 0.5] });
  assert.equal(run.cursor, 3);
  assert.equal(run.status, 'finished');
  assert.equal(run.coarse, undefined);
  // coarse points make the page coarse; exact series then replace the measured ones wholesale
  const poll = {
    id: 'r1',
    from: 3,
    cursor: 5,
    rewound: false,
    status: 'finished' as const,
    lr: 0.01,
    layers: ['a', 'fc'],
    theory: null,
    events: [],
    analysis: null,
    analysisCursor: 3,
  };
  applyDelta(run, {
    ...poll,
    series: { 's/loss': { x: [5], y: [0.2] } },
    coarse: true,
    exact: null,
  });
  assert.equal(run.coarse, true);
  assert.deepEqual(run.series['s/loss'], { x: [0, 1, 2, 3, 5], y: [3, 2, 1, 0.5, 0.2] });
  const exact = { 's/loss': { x: [0, 4, 5], y: [3, 0.1, 0.2] } };
  applyDelta(run, { ...poll, from: 5, series: {}, coarse: false, exact });
  assert.equal(run.coarse, false);
  assert.deepEqual(run.series['s/loss'], exact['s/loss']);
  assert.notEqual(run.series['s/loss'], exact['s/loss']);
  assert.equal(run.analysis?.mode, 'offline');
});

test('run list: a row per run from its analysis; sort (missing last) and filter (text, column:value)', () => {
  const run = tinyRun();
  run.series['s/test_acc'] = { x: [0, 2], y: [0.5, 0.9] };
  const a = runListEntry(run, 2);
  assert.deepEqual(
    [a.optimizer, a.lr, a.schedule, a.weightDecay, a.momentum, a.finalLoss, a.testAcc],
    ['sgd', 0.1, 'multistep:1:0.1', 5e-4, 0.9, 1, 0.9],
  );
  assert.deepEqual(
    [a.medianDeltaRatio, a.medianPredictedError, a.explainedSpread],
    [0.8, 0.01, 0.99],
  );
  const rows: RunListEntry[] = [
    a,
    { ...a, id: 'r2', name: 'adam run', optimizer: 'adamw', testAcc: 0.95, status: 'finished' },
    { ...a, id: 'r3', name: 'broken', testAcc: null, createdAt: '2026-01-02T00:00:00Z' },
  ];
  assert.deepEqual(
    sortRuns(rows, 'testAcc', true).map((r) => r.id),
    ['r2', 'r1', 'r3'],
  );
  assert.deepEqual(
    sortRuns(rows, 'testAcc', false).map((r) => r.id),
    ['r1', 'r2', 'r3'],
  );
  assert.deepEqual(
    sortRuns(rows, 'createdAt', true).map((r) => r.id),
    ['r3', 'r1', 'r2'],
  );
  assert.deepEqual(
    filterRuns(rows, 'ADAM').map((r) => r.id),
    ['r2'],
  );
  assert.deepEqual(
    filterRuns(rows, 'status:running').map((r) => r.id),
    ['r1', 'r3'],
  );
  assert.deepEqual(
    filterRuns(rows, 'multistep tiny').map((r) => r.id),
    ['r1'],
  );
  assert.deepEqual(filterRuns(rows, '').length, 3);
});
