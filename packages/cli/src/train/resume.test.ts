import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { latestCheckpoint, listCheckpoints } from '@smd/runs';
import {
  TINY,
  assertSameRun,
  dump,
  ev,
  runDir,
  smdChild,
  tempDir,
  train,
} from '@smd/test-support/cli';

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

  assertSameRun(dir, refDir, 24);
  assert.ok(ev(dump(refDir)).some((e) => e.startsWith('15:rescale')));
  assert.ok(listCheckpoints(dir).every((e) => e.error === null));
});
