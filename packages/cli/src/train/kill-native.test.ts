import { test } from 'node:test';
import assert from 'node:assert/strict';
import { killCampaign, KILL_FLAGS, assertSameRun, tempDir } from '@smd/test-support/cli';

test('native backend: SIGKILL at random moments, resume each time: every row and the final weights equal an uninterrupted run', async () => {
  // bench/kill-campaign.mjs runs the same with 25 kills (docs/reliability.md).
  const maxKills = Number(process.env.SMD_KILLS ?? 6);
  const c = await killCampaign({
    flags: KILL_FLAGS,
    cwd: tempDir('smd-kill-'),
    maxKills,
    seed: 11,
  });
  // Kills are placed by training progress, so each is delivered before the run can finish (a
  // machine that turns > 3× faster mid-campaign could let the last restart outrun one).
  assert.ok(c.kills >= maxKills - 1, JSON.stringify(c.log));
  // They spread over the run: the stored steps they left behind reach its second half.
  const last = c.log.map((l) => l.lastStep ?? -1);
  assert.ok(Math.max(...last) >= c.steps / 2, JSON.stringify(c.log));
  assert.ok(new Set(last).size >= Math.min(3, maxKills), JSON.stringify(c.log));
  assertSameRun(c.dir, c.refDir, 64);
});
