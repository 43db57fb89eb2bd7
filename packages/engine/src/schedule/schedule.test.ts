import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  lrFactor,
  lrSeries,
  parseSchedule,
  piecewisePhases,
  scheduleDrops,
  scheduleFromJson,
  scheduleToJson,
  validateSchedule,
  type Schedule,
} from './index.js';

const close = (a: number, b: number, tol = 1e-12): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('lrFactor: constant, multistep, step, exponential', () => {
  assert.equal(lrFactor({ kind: 'constant' }, 123), 1);
  const ms: Schedule = { kind: 'multistep', milestones: [10, 20], gamma: 0.1 };
  assert.equal(lrFactor(ms, 9), 1);
  close(lrFactor(ms, 10), 0.1);
  close(lrFactor(ms, 19), 0.1);
  close(lrFactor(ms, 20), 0.01);
  const st: Schedule = { kind: 'step', stepSize: 5, gamma: 0.5 };
  assert.equal(lrFactor(st, 4), 1);
  assert.equal(lrFactor(st, 5), 0.5);
  assert.equal(lrFactor(st, 14), 0.25);
  close(lrFactor({ kind: 'exponential', gamma: 0.9 }, 3), 0.729);
});

test('lrFactor: cosine, warmup, sequential', () => {
  const c: Schedule = { kind: 'cosine', totalSteps: 100, minFactor: 0.01 };
  assert.equal(lrFactor(c, 0), 1);
  close(lrFactor(c, 50), 0.505);
  close(lrFactor(c, 100), 0.01);
  close(lrFactor(c, 150), 0.01);
  const w: Schedule = {
    kind: 'warmup',
    warmupSteps: 10,
    startFactor: 0,
    then: { kind: 'multistep', milestones: [20], gamma: 0.1 },
  };
  assert.equal(lrFactor(w, 0), 0);
  close(lrFactor(w, 5), 0.5);
  assert.equal(lrFactor(w, 10), 1);
  close(lrFactor(w, 25), 0.1);
  const w2: Schedule = {
    kind: 'warmup',
    warmupSteps: 4,
    startFactor: 0.2,
    then: { kind: 'constant' },
  };
  close(lrFactor(w2, 2), 0.6);
  const seq: Schedule = {
    kind: 'sequential',
    parts: [
      { schedule: { kind: 'constant' }, steps: 10 },
      { schedule: { kind: 'exponential', gamma: 0.5 }, steps: 5 },
      { schedule: { kind: 'step', stepSize: 2, gamma: 0.1 }, steps: 1 },
    ],
  };
  assert.equal(lrFactor(seq, 9), 1);
  assert.equal(lrFactor(seq, 10), 1);
  assert.equal(lrFactor(seq, 12), 0.25);
  assert.equal(lrFactor(seq, 15), 1);
  close(lrFactor(seq, 17), 0.1); // last part keeps running past its steps
  const arr = lrSeries({ kind: 'step', stepSize: 2, gamma: 0.5 }, 0.4, 5);
  assert.deepEqual([...arr], [0.4, 0.4, 0.2, 0.2, 0.1]);
});

test('parseSchedule: epochs become steps', () => {
  assert.deepEqual(parseSchedule('constant', 100), { kind: 'constant' });
  assert.deepEqual(parseSchedule('multistep:30,60,80:0.1', 5005), {
    kind: 'multistep',
    milestones: [150150, 300300, 400400],
    gamma: 0.1,
  });
  assert.deepEqual(parseSchedule('step:30:0.1', 10), { kind: 'step', stepSize: 300, gamma: 0.1 });
  const e = parseSchedule('exp:0.95', 100);
  assert.equal(e.kind, 'exponential');
  close(lrFactor(e, 100), 0.95);
  close(lrFactor(e, 300), 0.95 ** 3);
  assert.deepEqual(parseSchedule('cosine', 10, 900), {
    kind: 'cosine',
    totalSteps: 900,
    minFactor: 0,
  });
  assert.deepEqual(parseSchedule('cosine:0.01', 10, 900), {
    kind: 'cosine',
    totalSteps: 900,
    minFactor: 0.01,
  });
  assert.deepEqual(parseSchedule('warmup:5:multistep:30,60:0.1', 10), {
    kind: 'warmup',
    warmupSteps: 50,
    startFactor: 0,
    then: { kind: 'multistep', milestones: [300, 600], gamma: 0.1 },
  });
  assert.deepEqual(parseSchedule('warmup:0.5:0.1:cosine', 10, 100), {
    kind: 'warmup',
    warmupSteps: 5,
    startFactor: 0.1,
    then: { kind: 'cosine', totalSteps: 100, minFactor: 0 },
  });
  assert.deepEqual(parseSchedule('warmup:2', 10), {
    kind: 'warmup',
    warmupSteps: 20,
    startFactor: 0,
    then: { kind: 'constant' },
  });
  assert.deepEqual(parseSchedule(' {"kind":"step","stepSize":3,"gamma":0.5} ', 10), {
    kind: 'step',
    stepSize: 3,
    gamma: 0.5,
  });
});

test('parseSchedule: one-line errors name the bad part and the expected form', () => {
  const cases: [string, RegExp][] = [
    ['multistep:30,x,80:0.1', /milestone "x" is not a number; expected multistep:<epoch>/],
    ['multistep:60,30:0.1', /milestones must increase/],
    ['multistep:30,60', /takes 2 argument\(s\), got 1; expected multistep/],
    ['step:30', /expected step:<epochs>:<gamma>/],
    ['step:30:-1', /gamma "-1" must be > 0/],
    ['exp:abc', /gamma "abc" is not a number; expected exp:/],
    ['cosine', /cosine needs the run length/],
    ['cosine:0.1:3', /at most 1 argument/],
    ['warmup:x:cosine', /warmup epochs "x" is not a number/],
    ['linear:3', /unknown schedule "linear"; expected constant \| multistep/],
    [
      '{"kind":"step","stepSize":0,"gamma":0.1}',
      /schedule\.stepSize: expected an integer ≥ 1, got 0/,
    ],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseSchedule(text, 10),
      (e: Error) => re.test(e.message) && !e.message.includes('\n'),
      text,
    );
  }
  assert.throws(() => parseSchedule('constant', 0), /stepsPerEpoch: expected an integer ≥ 1/);
});

test('validateSchedule and JSON round-trip', () => {
  const s: Schedule = {
    kind: 'warmup',
    warmupSteps: 100,
    startFactor: 0.1,
    then: {
      kind: 'sequential',
      parts: [
        { schedule: { kind: 'multistep', milestones: [300, 600], gamma: 0.1 }, steps: 900 },
        { schedule: { kind: 'cosine', totalSteps: 100, minFactor: 0 }, steps: 100 },
      ],
    },
  };
  const back = scheduleFromJson(scheduleToJson(s));
  assert.deepEqual(back, s);
  for (const t of [0, 50, 299, 300, 650, 950, 1200])
    assert.equal(lrFactor(back, t), lrFactor(s, t));
  assert.throws(
    () =>
      validateSchedule({ kind: 'warmup', warmupSteps: 5, startFactor: 0, then: { kind: 'nope' } }),
    {
      message: /^schedule\.then\.kind: expected one of constant\|multistep/,
    },
  );
  assert.throws(
    () => validateSchedule({ kind: 'multistep', milestones: [5, 5], gamma: 0.1 }),
    /milestones\[1\]: expected strictly increasing/,
  );
  assert.throws(
    () => validateSchedule({ kind: 'sequential', parts: [] }),
    /schedule\.parts: expected a non-empty array/,
  );
  assert.throws(() => validateSchedule(null), /schedule: expected an object/);
  assert.throws(() => scheduleFromJson('{oops'), /schedule: not valid JSON/);
});

test('scheduleDrops: discontinuous changes with their ratio', () => {
  const ms = parseSchedule('multistep:30,60,80:0.1', 100);
  const drops = scheduleDrops(ms, 9000);
  assert.equal(drops.length, 3);
  assert.deepEqual(
    drops.map((d) => d.step),
    [3000, 6000, 8000],
  );
  for (const d of drops) close(d.ratio, 10);
  // A milestone at or after the end is not a drop inside the run.
  assert.equal(scheduleDrops(ms, 6000).length, 1);
  assert.deepEqual(scheduleDrops({ kind: 'step', stepSize: 10, gamma: 0.5 }, 35), [
    { step: 10, ratio: 2 },
    { step: 20, ratio: 2 },
    { step: 30, ratio: 2 },
  ]);
  assert.deepEqual(scheduleDrops({ kind: 'cosine', totalSteps: 100, minFactor: 0 }, 100), []);
  assert.deepEqual(scheduleDrops({ kind: 'exponential', gamma: 0.99 }, 100), []);
  // Warmup ramp is continuous: drops of the inner schedule keep their ratio.
  const wu = parseSchedule('warmup:5:multistep:30:0.1', 10);
  assert.equal(scheduleDrops(wu, 1000).length, 1);
  assert.equal(scheduleDrops(wu, 1000)[0].step, 300);
  close(scheduleDrops(wu, 1000)[0].ratio, 10);
  // Sequential: a boundary between parts is a jump (up or down), plus inner drops shifted.
  const seq: Schedule = {
    kind: 'sequential',
    parts: [
      { schedule: { kind: 'multistep', milestones: [5], gamma: 0.5 }, steps: 10 },
      { schedule: { kind: 'constant' }, steps: 10 },
    ],
  };
  assert.deepEqual(scheduleDrops(seq, 30), [
    { step: 5, ratio: 2 },
    { step: 10, ratio: 0.5 },
  ]);
});

test('piecewisePhases: phases for piecewise-constant, a reason for continuous', () => {
  const ms = parseSchedule('multistep:30,60,80:0.1', 10);
  const r = piecewisePhases(ms, 900);
  assert.equal(r.kind, 'piecewise');
  if (r.kind !== 'piecewise') return;
  assert.deepEqual(
    r.phases.map((p) => [p.start, p.end]),
    [
      [0, 300],
      [300, 600],
      [600, 800],
      [800, 900],
    ],
  );
  close(r.phases[3].factor, 1e-3);
  const c = piecewisePhases(parseSchedule('cosine', 10, 900), 900);
  assert.equal(c.kind, 'continuous');
  if (c.kind === 'continuous') assert.match(c.reason, /cosine/);
  const w = piecewisePhases(parseSchedule('warmup:5:step:30:0.1', 10), 900);
  assert.equal(w.kind, 'continuous');
  if (w.kind === 'continuous') assert.match(w.reason, /warmup over 50 steps/);
  const k = piecewisePhases({ kind: 'constant' }, 50);
  assert.deepEqual(k, { kind: 'piecewise', phases: [{ start: 0, end: 50, factor: 1 }] });
});

test('lrSeries: filled phase by phase, the same values as lrFactor step by step', () => {
  const seq: Schedule = {
    kind: 'sequential',
    parts: [
      { schedule: { kind: 'constant' }, steps: 37 },
      { schedule: { kind: 'multistep', milestones: [5, 40], gamma: 0.3 }, steps: 100 },
      { schedule: { kind: 'step', stepSize: 23, gamma: 0.7 }, steps: 1 },
    ],
  };
  const cases: [Schedule, boolean][] = [
    [parseSchedule('multistep:30,60,80:0.1', 101), true],
    [parseSchedule('step:7:0.5', 13), true],
    [parseSchedule('constant', 10), true],
    [parseSchedule('exp:1', 10), true],
    [parseSchedule('warmup:5:1:multistep:30,60:0.2', 11), true],
    [seq, true],
    [parseSchedule('warmup:5:0:cosine', 11, 1000), false],
    [parseSchedule('exp:0.95', 10), false],
  ];
  for (const [s, piecewise] of cases) {
    assert.equal(piecewisePhases(s, 1000).kind === 'piecewise', piecewise, JSON.stringify(s));
    const got = lrSeries(s, 0.3, 1000);
    for (let t = 0; t < 1000; t++) assert.equal(got[t], 0.3 * lrFactor(s, t), `${t}`);
  }
  assert.equal(lrSeries(parseSchedule('multistep:1:0.1', 10), 0.3, 0).length, 0);
  // a continuous schedule's factors are kept for the next call: never for another schedule,
  // another length, or a schedule object changed in place
  const cos = parseSchedule('warmup:5:0:cosine', 11, 1000);
  const exp = parseSchedule('exp:0.95', 10);
  for (const [s, base, steps] of [
    [cos, 0.3, 1000],
    [cos, 0.7, 1000],
    [exp, 0.7, 1000],
    [cos, 0.7, 600],
    [cos, 0.2, 1000],
  ] as [Schedule, number, number][]) {
    const got = lrSeries(s, base, steps);
    assert.equal(got.length, steps);
    for (let t = 0; t < steps; t++) assert.equal(got[t], base * lrFactor(s, t), `${t}`);
  }
  const mutable = parseSchedule('exp:0.95', 10) as { kind: 'exponential'; gamma: number };
  lrSeries(mutable, 1, 100);
  mutable.gamma = 0.5;
  assert.equal(lrSeries(mutable, 1, 100)[3], 0.125);
});
