import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MetricStore, latestCheckpoint, listCheckpoints, type MetricDump } from '@smd/runs';
import { TINY, smdChild, tempDir, train } from './test-helpers.js';

/** Flags of the crash runs: 3 epochs of 8 steps, a drop with the rescaling trick, per-channel probes. */
const FLAGS = [
  ...TINY,
  '--epochs',
  '3',
  '--schedule',
  'multistep:2:0.1',
  '--rescale',
  '--per-channel',
];
/** Machine-dependent scalars (timing), excluded from the comparison. */
const TIMING = new Set(['images_per_s', 'elapsed_s']);

function runDir(root: string): string {
  const ids = readdirSync(root).filter((n) => !n.startsWith('.'));
  assert.equal(ids.length, 1);
  return join(root, ids[0]);
}

function dump(dir: string): MetricDump {
  const s = MetricStore.open(join(dir, 'metrics.sqlite'), { readonly: true });
  try {
    const d = s.dump();
    return { ...d, scalars: d.scalars.filter((r) => !TIMING.has(r.name)) };
  } finally {
    s.close();
  }
}

test('SIGKILL at any point, then --resume: identical metric rows and weights, no step missing or doubled', async () => {
  // Reference: uninterrupted, in-process.
  const refCwd = tempDir();
  const ref = await train(FLAGS, refCwd);
  assert.equal(ref.code, 0, ref.stderr);
  const refDir = runDir(join(refCwd, 'runs'));

  const cwd = tempDir();
  // 1) killed inside the checkpoint write of step 11 (temp file synced, not yet renamed)
  const a = await smdChild(['train', ...FLAGS], cwd, { SMD_TEST_KILL_IN_CHECKPOINT: '11' });
  assert.equal(a.signal, 'SIGKILL', a.stderr);
  const dir = runDir(join(cwd, 'runs'));
  assert.equal(latestCheckpoint(dir)!.step, 7);
  // 2) resumed from step 8, killed right after step 13 (mid-epoch 2, rows past checkpoint 11 committed or not)
  const b = await smdChild(['train', '--resume', dir], cwd, {
    SMD_TEST_KILL_AFTER_STEP: '13',
  });
  assert.equal(b.signal, 'SIGKILL', b.stderr);
  assert.match(b.stderr, /resuming .* at step 8 of 24/);
  // 3) resumed from step 12, killed right after step 18 (after the drop and rescale at step 15)
  const c = await smdChild(['train', '--resume', dir], cwd, { SMD_TEST_KILL_AFTER_STEP: '18' });
  assert.equal(c.signal, 'SIGKILL', c.stderr);
  // 4) resumed from step 16 to the end
  const d = await smdChild(['train', '--resume', dir], cwd);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stderr, /resuming .* at step 16 of 24/);

  const got = dump(dir);
  const want = dump(refDir);
  assert.equal(got.scalars.length, want.scalars.length);
  assert.deepEqual(got.scalars, want.scalars);
  assert.equal(got.probes.length, want.probes.length);
  assert.ok(want.probes.length > 1000);
  // bit-for-bit: deepEqual compares numbers with Object.is
  assert.deepEqual(got.probes, want.probes);
  assert.deepEqual(got.params, want.params);
  const ev = (x: MetricDump) => x.events.map((e) => `${e.step}:${e.kind}:${e.message}`);
  assert.deepEqual(ev(got), ev(want));
  assert.ok(ev(want).some((e) => e.startsWith('15:rescale')));
  // every step exactly once
  const steps = got.scalars.filter((r) => r.name === 'loss').map((r) => r.step);
  assert.deepEqual(
    steps,
    Array.from({ length: 24 }, (_, i) => i),
  );

  const w1 = latestCheckpoint(dir)!;
  const w0 = latestCheckpoint(refDir)!;
  assert.equal(w1.step, 23);
  assert.deepEqual([...w1.tensors.keys()].sort(), [...w0.tensors.keys()].sort());
  for (const [k, t] of w0.tensors) {
    const u = w1.tensors.get(k)!;
    assert.deepEqual(u.shape, t.shape);
    assert.ok(
      Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength).equals(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      ),
      `tensor ${k} differs`,
    );
  }
  assert.ok(listCheckpoints(dir).every((e) => e.error === null));
});
