/**
 * WAL: a reader in this process polls `since` while a child process writes. The reader only
 * ever sees whole steps, never blocks the writer, and ends up with exactly the writer's rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  START_CURSOR,
  type ProbeRow,
  type ScalarRow,
  type EventRow,
} from './browser/metric-types.js';
import { spawnWriter, tempRoot } from '@smd/test-support/runs';
import { MetricStore } from './metric-store.js';

test('live reader next to a writer process sees only complete steps and every row once', async () => {
  const t = tempRoot();
  const steps = 200;
  const child = spawnWriter({
    mode: 'create',
    root: t.root,
    steps,
    ckptEvery: 50,
    params: 20,
    bigElements: 1000,
    sleepMsPerStep: 3,
  });
  await child.waitFor(/^step 1$/);
  const dir = join(
    t.root,
    readdirSync(t.root).find((n) => !n.startsWith('.'))!,
  );
  const reader = MetricStore.open(join(dir, 'metrics.sqlite'), { readonly: true });
  const scalars: ScalarRow[] = [];
  const probes: ProbeRow[] = [];
  const events: EventRow[] = [];
  let cursor = START_CURSOR;
  let polls = 0;
  let nonEmptyPolls = 0;
  let done = false;
  void child.exited.then(() => (done = true));
  for (;;) {
    const finished = done;
    const d = reader.since(cursor);
    polls++;
    assert.equal(d.rewound, false);
    assert.ok(d.cursor.step >= cursor.step);
    // Whole steps only: every step in the delta has all 20×11 + 4 probe rows and its 4 scalars.
    const perStep = new Map<number, number>();
    for (const p of d.probes) perStep.set(p.step, (perStep.get(p.step) ?? 0) + 1);
    for (const [s, n] of perStep) assert.equal(n, 264, `step ${s} complete`);
    for (const s of perStep.keys()) assert.ok(s > cursor.step && s <= d.cursor.step);
    if (d.probes.length) nonEmptyPolls++;
    scalars.push(...d.scalars);
    probes.push(...d.probes);
    events.push(...d.events);
    cursor = d.cursor;
    // A series read in the middle of writing is consistent too (ascending, no gaps).
    const loss = reader.readScalars('loss');
    for (let i = 0; i < loss.steps.length; i++) assert.equal(loss.steps[i], i + 1);
    if (finished) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ex = await child.exited;
  assert.equal(ex.code, 0, ex.stderr);
  assert.ok(
    nonEmptyPolls >= 5,
    `reader saw the run grow (${nonEmptyPolls} of ${polls} polls had rows)`,
  );
  const full = reader.dump();
  assert.deepEqual(scalars, full.scalars);
  assert.deepEqual(probes, full.probes);
  assert.deepEqual(events, full.events);
  assert.equal(cursor.step, steps);
  assert.equal(full.probes.length, steps * 264);
  reader.close();
  assert.ok(existsSync(join(dir, 'status.json')));
  t.done();
});
