import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanFieldTrajectory, optimizerDynamics, type MeanFieldState } from '@smd/smd';
import { parseSchedule, lrSeries } from '@smd/engine/schedule';
import {
  runBothModes,
  runPhased,
  type PhasedRunOptions,
  type PhasedTrajectory,
  type PhaseSpan,
} from './phase-trajectory.js';

test('runPhased equals one meanFieldTrajectory call, with and without rescaling at drops', () => {
  const steps = 3000;
  const schedule = parseSchedule('multistep:10,20:0.1', 100, steps);
  const lr = lrSeries(schedule, 0.5, steps);
  const spans = [
    { start: 0, end: 1000, dropRatio: null },
    { start: 1000, end: 2000, dropRatio: 10 },
    { start: 2000, end: 3000, dropRatio: 10 },
  ];
  for (const rescale of [false, true]) {
    const ref = meanFieldTrajectory({
      steps,
      schedule,
      baseLr: 0.5,
      wd: 5e-4,
      momentum: 0.9,
      L: 2,
      initialNormSq: 9,
      rescaleAtDrops: rescale,
    });
    const got = runPhased({
      lr,
      dynamics: optimizerDynamics({ optimizer: 'sgdm', wd: 5e-4, momentum: 0.9, L: 2 }),
      initialState: { a: 9, b: 0, c: 0 },
      spans,
      rescale,
    });
    for (let t = 0; t < steps; t++) {
      assert.ok(Math.abs(got.deltaRad[t] / ref.deltaRad[t] - 1) < 1e-12, `Δ at ${t}`);
      assert.ok(Math.abs(got.norm[t] ** 2 / ref.normSq[t] - 1) < 1e-12, `‖w‖² at ${t}`);
    }
    assert.deepEqual(
      got.rescaleFactors.map((f) => f.toFixed(6)),
      rescale ? ['1.000000', '0.562341', '0.562341'] : ['1.000000', '1.000000', '1.000000'],
    );
    // The last span ends in the same state as the single run.
    assert.ok(Math.abs(got.normEnd[2] ** 2 / ref.finalState.a - 1) < 1e-12);
  }
});

/** The spec of runPhased: the straightforward per-step loop (one `step` call per step). */
function specRunPhased(o: PhasedRunOptions): PhasedTrajectory {
  const n = o.lr.length;
  const deltaRad = new Float64Array(n);
  const norm = new Float64Array(n + 1);
  const tr = {
    lr: o.lr,
    deltaRad,
    norm,
    startStates: [] as MeanFieldState[],
    rescaleFactors: [] as number[],
    normBeforeRescale: [] as number[],
    normEnd: [] as number[],
  };
  let state: MeanFieldState = { ...o.initialState };
  for (const span of o.spans) {
    tr.normBeforeRescale.push(Math.sqrt(state.a));
    let f = 1;
    if (o.rescale && span.dropRatio !== null && span.dropRatio > 1) {
      f = o.dynamics.rescaleFactor(span.dropRatio);
      state = o.dynamics.rescale(state, f);
    }
    tr.rescaleFactors.push(f);
    tr.startStates.push({ ...state });
    const next: MeanFieldState = { a: 0, b: 0, c: 0 };
    for (let t = span.start; t < span.end; t++) {
      norm[t] = Math.sqrt(state.a);
      deltaRad[t] = o.dynamics.step(state, o.lr[t], next);
      state = { ...next };
    }
    norm[span.end] = Math.sqrt(state.a);
    tr.normEnd.push(Math.sqrt(state.a));
  }
  return { ...tr, end: state };
}

test('runPhased and runBothModes equal the per-step spec bitwise (schedules × optimizers × rescaling)', () => {
  const steps = 20_000;
  const schedules: [string, PhaseSpan[]][] = [
    ['constant', [{ start: 0, end: steps, dropRatio: null }]],
    [
      'multistep:30,60,80:0.1',
      [
        { start: 0, end: 6000, dropRatio: null },
        { start: 6000, end: 12000, dropRatio: 10 },
        { start: 12000, end: 16000, dropRatio: 10 },
        { start: 16000, end: steps, dropRatio: 10 },
      ],
    ],
    [
      'warmup:5:0:cosine',
      [0, 1, 2, 3, 4].map((k) => ({ start: k * 4000, end: (k + 1) * 4000, dropRatio: null })),
    ],
  ];
  for (const optimizer of ['sgd', 'sgdm', 'adamw', 'lion', 'nesterov'] as const) {
    const decoupled = optimizer === 'adamw' || optimizer === 'lion';
    const dynamics = optimizerDynamics({ optimizer, wd: decoupled ? 0.1 : 1e-3, momentum: 0.9 });
    const base = decoupled ? 1e-3 : 0.1;
    for (const [text, spans] of schedules) {
      const lr = lrSeries(parseSchedule(text, 200, steps), base, steps);
      for (const initialState of [dynamics.fixedPoint(base), { a: 4, b: 0, c: 0 }]) {
        const o = { lr, dynamics, initialState, spans };
        const both = runBothModes(o);
        for (const rescale of [false, true]) {
          const want = specRunPhased({ ...o, rescale });
          const where = `${optimizer} ${text} a0=${initialState.a} rescale=${rescale}`;
          assert.deepEqual(runPhased({ ...o, rescale }), want, where);
          assert.deepEqual(rescale ? both.rescaled : both.plain, want, `runBothModes: ${where}`);
        }
        if (text === 'multistep:30,60,80:0.1') {
          assert.ok(both.rescaled.normEnd[1] < both.plain.normEnd[1], 'rescaling shrinks ‖w‖');
        }
      }
    }
  }
});

test('runBothModes is the pre-fast-path recurrence (Math.atan2 per step) to 1e-15 relative', () => {
  // §4 as it was computed before recurrence-run.ts and stepAngle (the old meanFieldStep).
  const [lam, al, L] = [1e-4, 0.9, 1];
  const oldStep = (s: MeanFieldState, eta: number, out: MeanFieldState): number => {
    const pp = al * s.c + lam * s.a;
    const q = al * al * s.b + L / s.a + lam * lam * s.a + 2 * al * lam * s.c;
    out.a = s.a - 2 * eta * pp + eta * eta * q;
    out.b = q;
    out.c = pp - eta * q;
    return Math.atan2(eta * Math.sqrt(Math.max(0, s.a * q - pp * pp)), s.a - eta * pp);
  };
  const steps = 200_000;
  const lr = lrSeries(parseSchedule('multistep:30,60,80:0.1', 2000, steps), 0.1, steps);
  const dynamics = optimizerDynamics({ optimizer: 'sgdm', wd: lam, momentum: al, L });
  const spans = [0, 60_000, 120_000, 160_000].map((start, i, a) => ({
    start,
    end: a[i + 1] ?? steps,
    dropRatio: i === 0 ? null : 10,
  }));
  const initialState = dynamics.fixedPoint(0.1);
  const both = runBothModes({ lr, dynamics, initialState, spans });
  for (const tr of [both.plain, both.rescaled]) {
    let worst = 0;
    const s = { ...initialState };
    const next = { a: 0, b: 0, c: 0 };
    spans.forEach((span, i) => {
      const f = tr.rescaleFactors[i];
      s.a *= f * f;
      s.c *= f;
      for (let t = span.start; t < span.end; t++) {
        const d = oldStep(s, lr[t], next);
        worst = Math.max(
          worst,
          Math.abs(tr.deltaRad[t] / d - 1),
          Math.abs(tr.norm[t] / Math.sqrt(s.a) - 1),
        );
        Object.assign(s, next);
      }
    });
    assert.ok(worst <= 1e-15, `worst relative difference ${worst}`);
  }
  assert.deepEqual(
    both.rescaled.rescaleFactors.map((f) => f.toFixed(6)),
    ['1.000000', '0.562341', '0.562341', '0.562341'],
  );
});
