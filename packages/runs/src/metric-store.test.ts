import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricStore } from './metric-store.js';

function tmpDb(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'smd-metrics-'));
  return { path: join(dir, 'metrics.sqlite'), done: () => rmSync(dir, { recursive: true }) };
}

test('scalars, probes and events round-trip with NaN, channels and stride', () => {
  const t = tmpDb();
  const s = MetricStore.open(t.path, { batchSteps: 1 });
  for (let step = 0; step < 10; step++) {
    s.logScalars(step, { loss: 1 / (step + 1), lr: 0.1 });
    s.logProbe({ step, param: 'conv1.weight', metric: 'norm', value: 2 + step });
    s.logProbe({
      step,
      param: 'conv1.weight',
      metric: 'delta_rad',
      value: 1e-4 * step,
      channel: 3,
    });
    s.endStep(step);
  }
  s.logScalar(10, 'loss', NaN);
  s.logEvent(10, 'divergence', 'loss is NaN');
  s.logEvent(10, 'note', 'second event');
  s.endStep(10);
  assert.equal(s.latestStep(), 10);
  const loss = s.readScalars('loss');
  assert.deepEqual([...loss.steps], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(loss.values[3], 0.25);
  assert.ok(Number.isNaN(loss.values[10]));
  const strided = s.readScalars('loss', { fromStep: 2, toStep: 9, stride: 3 });
  assert.deepEqual([...strided.steps], [2, 5, 8]);
  assert.deepEqual(
    [...s.readProbe('conv1.weight', 'norm').values],
    [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
  assert.equal(
    s.readProbe('conv1.weight', 'delta_rad').steps.length,
    0,
    'whole-tensor series is empty',
  );
  const ch3 = s.readProbe('conv1.weight', 'delta_rad', { channel: 3 });
  assert.equal(ch3.values[7], 7e-4);
  assert.deepEqual(s.scalarNames(), ['loss', 'lr']);
  assert.deepEqual(s.probeSeries(), [
    { param: 'conv1.weight', metric: 'norm', channel: null },
    { param: 'conv1.weight', metric: 'delta_rad', channel: 3 },
  ]);
  assert.deepEqual(s.events(), [
    { step: 10, seq: 0, kind: 'divergence', message: 'loss is NaN' },
    { step: 10, seq: 1, kind: 'note', message: 'second event' },
  ]);
  const d = s.since({ step: 8, event: 0 });
  assert.deepEqual(d.cursor, { step: 10, event: 2 });
  assert.equal(d.rewound, false);
  assert.deepEqual(
    d.scalars.map((r) => `${r.step}:${r.name}`),
    ['9:loss', '9:lr', '10:loss'],
  );
  assert.deepEqual(
    d.probes.map((r) => [r.step, r.metric, r.channel]),
    [
      [9, 'norm', null],
      [9, 'delta_rad', 3],
    ],
  );
  assert.equal(d.events.length, 2);
  const none = s.since(d.cursor);
  assert.deepEqual([none.scalars.length, none.probes.length, none.events.length], [0, 0, 0]);
  assert.throws(() => s.logScalar(10, 'acc', 1), /step 10 was already ended \(endStep\(10\)\)/);
  assert.equal(s.since().scalars.length, 21);
  s.close();
  t.done();
});

test('default batching commits every 10 ended steps, or when the last commit is old', () => {
  const t = tmpDb();
  const w = MetricStore.open(t.path, { maxLatencyMs: 1e9 });
  for (let step = 0; step < 9; step++) {
    w.logScalar(step, 'loss', step);
    w.endStep(step);
  }
  assert.equal(w.latestStep(), null);
  w.logScalar(9, 'loss', 9);
  w.endStep(9);
  assert.equal(w.latestStep(), 9);
  w.close();
  const slow = MetricStore.open(t.path, { maxLatencyMs: 0 });
  slow.logScalar(10, 'loss', 10);
  slow.endStep(10);
  assert.equal(slow.latestStep(), 10, 'maxLatencyMs 0 commits at every endStep');
  slow.close();
  t.done();
});

test('batching: nothing visible to a reader before the batch commits', () => {
  const t = tmpDb();
  const w = MetricStore.open(t.path, { batchSteps: 3, maxLatencyMs: 1e9 });
  const r = MetricStore.open(t.path, { readonly: true });
  w.logScalar(0, 'loss', 1);
  w.endStep(0);
  w.logScalar(1, 'loss', 1);
  w.endStep(1);
  assert.equal(r.latestStep(), null);
  assert.equal(w.pendingRows, 2);
  w.logScalar(2, 'loss', 1);
  w.logScalar(3, 'loss', 1); // step 3 not ended yet: committed but hidden from live readers
  w.endStep(2);
  assert.equal(r.latestStep(), 3);
  assert.deepEqual(
    r.since().scalars.map((x) => x.step),
    [0, 1, 2],
  );
  assert.equal(r.since().cursor.step, 2);
  assert.equal(w.pendingRows, 0);
  assert.throws(() => r.logScalar(3, 'loss', 1), /read-only/);
  r.close();
  w.close();
  t.done();
});

test('duplicates are rejected, truncateAfter drops committed and pending rows', () => {
  const t = tmpDb();
  const s = MetricStore.open(t.path, { batchSteps: 1 });
  for (let step = 0; step < 5; step++) {
    s.logScalar(step, 'loss', step);
    s.logProbe({ step, param: 'w', metric: 'norm', value: step });
    s.logEvent(step, 'checkpoint', `c${step}`);
    s.flush(); // commit without ending: the steps stay open, so a duplicate reaches SQLite
  }
  s.logScalar(3, 'loss', 9);
  assert.throws(() => s.flush(), /duplicate metric row.*truncateAfter/);
  assert.equal(s.pendingRows, 0);
  assert.deepEqual([...s.readScalars('loss').values], [0, 1, 2, 3, 4]);
  s.endStep(4);
  const before = s.since();
  assert.deepEqual(before.cursor, { step: 4, event: 5 });
  s.logScalar(5, 'loss', 5); // pending, dropped by truncateAfter(2)
  s.truncateAfter(2);
  const after = s.since(before.cursor);
  assert.equal(after.rewound, true);
  assert.deepEqual(after.cursor, { step: 2, event: 5 });
  s.logScalar(3, 'acc', 0.5);
  assert.equal(s.latestStep(), 2);
  assert.deepEqual([...s.readScalars('loss').steps], [0, 1, 2]);
  assert.deepEqual(
    s.events().map((e) => e.step),
    [0, 1, 2],
  );
  s.logEvent(3, 'note', 'after resume');
  s.endStep(3);
  assert.deepEqual([...s.readScalars('acc').values], [0.5]);
  assert.deepEqual(s.events(3), [{ step: 3, seq: 0, kind: 'note', message: 'after resume' }]);
  const again = s.since(after.cursor);
  assert.deepEqual(again.events, [{ step: 3, seq: 0, kind: 'note', message: 'after resume' }]);
  assert.deepEqual(again.cursor, { step: 3, event: 6 }, 'event ids are never reused');
  s.close();
  t.done();
});

test('bad input gives one-line errors naming the field', () => {
  const t = tmpDb();
  const s = MetricStore.open(t.path);
  assert.throws(
    () => s.logScalar(-1, 'loss', 1),
    /scalar 'loss': step must be a non-negative integer, got -1/,
  );
  assert.throws(() => s.logScalar(1.5, 'loss', 1), /step must be/);
  assert.throws(
    () => s.logProbe({ step: 0, param: 'w', metric: 'nrom' as 'norm', value: 1 }),
    /ProbeMetric union, got 'nrom'/,
  );
  assert.throws(
    () => s.logProbe({ step: 0, param: 'w', metric: 'norm', value: 1, channel: -2 }),
    /channel/,
  );
  assert.throws(() => s.logEvent(0, 'boom' as 'note', 'x'), /EventKind, got 'boom'/);
  assert.throws(() => s.readScalars('loss', { stride: 0 }), /stride must be a positive integer/);
  s.close();
  assert.throws(() => s.logScalar(0, 'loss', 1), /closed metric store/);
  assert.throws(
    () => MetricStore.open(join(t.path, 'nope'), { readonly: true }),
    /cannot open metric store/,
  );
  t.done();
});

test('declareParams fills the tensor info table; probes auto-register unknown params', () => {
  const t = tmpDb();
  const s = MetricStore.open(t.path);
  s.declareParams([
    {
      name: 'layer1.conv.weight',
      shape: [64, 3, 3, 3],
      scaleInvariant: true,
      reason: 'feeds BatchNorm2d',
    },
    { name: 'fc.weight', shape: [10, 64], scaleInvariant: false, reason: 'final classifier' },
  ]);
  s.logProbe({ step: 0, param: 'other', metric: 'norm', value: 1 });
  s.flush();
  assert.deepEqual(s.params(), [
    { name: 'fc.weight', shape: [10, 64], scaleInvariant: false, reason: 'final classifier' },
    {
      name: 'layer1.conv.weight',
      shape: [64, 3, 3, 3],
      scaleInvariant: true,
      reason: 'feeds BatchNorm2d',
    },
    { name: 'other', shape: null, scaleInvariant: null, reason: '' },
  ]);
  s.close();
  t.done();
});
