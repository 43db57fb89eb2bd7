import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveSeries } from './browser/live-series.js';
import { MetricStore } from './metric-store.js';

test('LiveSeries follows a store through polling and a rewind (resume) to its final contents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smd-live-'));
  const path = join(dir, 'metrics.sqlite');
  const w = MetricStore.open(path, { batchSteps: 1 });
  const r = MetricStore.open(path, { readonly: true });
  const live = new LiveSeries();
  const write = (from: number, to: number, bias: number): void => {
    for (let s = from; s <= to; s++) {
      w.logScalar(s, 'loss', s + bias);
      w.logProbe({ step: s, param: 'w', metric: 'delta_rad', value: s * 1e-3 + bias, channel: 1 });
      if (s % 4 === 0) w.logEvent(s, 'note', `n${s}`);
      w.endStep(s);
      if (s % 3 === 0) live.apply(r.since(live.cursor));
    }
  };
  write(0, 20, 0.5); // the "crashed" attempt with different numbers after step 10
  live.apply(r.since(live.cursor));
  assert.equal(live.scalar('loss').steps.length, 21);
  w.truncateAfter(10);
  const rewind = r.since(live.cursor);
  assert.equal(rewind.rewound, true);
  live.apply(rewind);
  assert.deepEqual(live.scalar('loss').steps, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(
    live.events.map((e) => e.step),
    [0, 4, 8],
  );
  write(11, 30, 0);
  live.apply(r.since(live.cursor));
  const full = r.dump();
  assert.deepEqual(
    live.scalar('loss').steps,
    full.scalars.map((x) => x.step),
  );
  assert.deepEqual(
    live.scalar('loss').values,
    full.scalars.map((x) => x.value),
  );
  assert.equal(live.scalar('loss').values[11], 11, 'rewritten rows replaced the crashed ones');
  assert.deepEqual(
    live.probe('w', 'delta_rad', 1).values,
    full.probes.map((x) => x.value),
  );
  assert.equal(live.probe('w', 'delta_rad').steps.length, 0);
  assert.deepEqual(live.events, full.events);
  w.close();
  r.close();
  rmSync(dir, { recursive: true });
});
