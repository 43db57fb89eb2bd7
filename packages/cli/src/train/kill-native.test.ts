import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KILL_FLAGS, assertSameRun, killCampaign, runDir, tempDir, train } from './test-helpers.js';

const STEPS = 64;

test('native backend: SIGKILL at random moments, resume each time: every row and the final weights equal an uninterrupted run', async () => {
  const refCwd = tempDir('smd-kill-ref-');
  const t0 = performance.now();
  const ref = await train(KILL_FLAGS, refCwd);
  // Kills within an eighth of a whole run after each (re)start: each resumed process gets a
  // little further, so the moments spread over the run (training, probe, commits, checkpoint
  // writes and their WAL checkpoint, evaluation) whatever this machine's speed.
  const spanMs = performance.now() - t0;
  assert.equal(ref.code, 0, ref.stderr);
  // bench/kill-campaign.mjs runs the same with ≥ 20 kills (docs/reliability.md).
  const maxKills = Number(process.env.SMD_KILLS ?? 6);
  const c = await killCampaign({
    flags: KILL_FLAGS,
    cwd: tempDir('smd-kill-'),
    maxKills,
    seed: 11,
    minDelayMs: 30,
    maxDelayMs: Math.max(100, spanMs / 8),
  });
  assert.equal(c.kills, maxKills, JSON.stringify(c.log));
  assertSameRun(c.dir, runDir(join(refCwd, 'runs')), STEPS);
});
