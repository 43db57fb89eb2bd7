import { test } from 'node:test';
import assert from 'node:assert/strict';
import { killCampaign } from './kill-campaign.js';
import { KILL_FLAGS, assertSameRun, tempDir } from './test-helpers.js';

test('native backend: SIGKILL at random moments, resume each time: every row and the final weights equal an uninterrupted run', async () => {
  // bench/kill-campaign.mjs runs the same with 25 kills (docs/reliability.md).
  const maxKills = Number(process.env.SMD_KILLS ?? 6);
  const c = await killCampaign({
    flags: KILL_FLAGS,
    cwd: tempDir('smd-kill-'),
    maxKills,
    seed: 11,
  });
  // Every kill lands before the run can finish on a machine of steady speed; on one whose load
  // falls mid-campaign a restart may outrun its kill, so require most of them.
  assert.ok(c.kills >= Math.ceil(maxKills / 2), JSON.stringify(c.log));
  // The kills reached past the start: some left rows behind them.
  assert.ok(
    c.log.some((l) => l.lastStep !== null && l.lastStep > 0),
    JSON.stringify(c.log),
  );
  assertSameRun(c.dir, c.refDir, 64);
});
