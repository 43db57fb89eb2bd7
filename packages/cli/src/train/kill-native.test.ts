import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertSameRun, killCampaign, runDir, tempDir, train } from './test-helpers.js';

/** 64 steps of a small convstack on the native backend, a checkpoint every 4 steps. */
export const KILL_FLAGS = [
  '--data',
  'synthetic',
  '--synthetic-size',
  '512',
  '--model',
  'convstack',
  '--widths',
  '8,16',
  '--batch-size',
  '32',
  '--epochs',
  '4',
  '--window',
  '5',
  '--checkpoint-every',
  '4',
  '--schedule',
  'multistep:2:0.1',
  '--rescale',
  '--backend',
  'native',
];
const STEPS = 64;

test('native backend: SIGKILL at random moments, resume each time: every row and the final weights equal an uninterrupted run', async () => {
  const refCwd = tempDir('smd-kill-ref-');
  const ref = await train(KILL_FLAGS, refCwd);
  assert.equal(ref.code, 0, ref.stderr);
  // bench/kill-campaign.mjs runs the same with ≥ 20 kills (docs/reliability.md).
  const maxKills = Number(process.env.SMD_KILLS ?? 6);
  const c = await killCampaign({
    flags: KILL_FLAGS,
    cwd: tempDir('smd-kill-'),
    maxKills,
    seed: 11,
    minDelayMs: 30,
    maxDelayMs: 900,
  });
  assert.equal(c.kills, maxKills, JSON.stringify(c.log));
  assertSameRun(c.dir, runDir(join(refCwd, 'runs')), STEPS);
});
