import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dump, ev, tempDir, watchKillCampaign } from '@smd/test-support/cli';

test('smd analyze --watch: SIGKILL at seeded moments while checkpoints arrive, rerun each time: every row equals an uninterrupted watch', async () => {
  // bench/watch-kill-campaign.mjs runs the same with more kills (docs/reliability.md).
  const c = await watchKillCampaign({
    cwd: tempDir('smd-watch-kill-'),
    checkpoints: 12,
    maxKills: Number(process.env.SMD_KILLS ?? 4),
    seed: 7,
    pollMs: 50,
  });
  const got = dump(c.dir);
  const want = dump(c.refDir);
  assert.deepEqual(
    ev(want),
    c.steps.map((s) => `${s}:checkpoint:checkpoint-${s}`),
  );
  assert.ok(want.probes.length >= 12 * 5 * 2, `${want.probes.length} probe rows`);
  assert.ok(want.scalars.length > 20, `${want.scalars.length} scalar rows`);
  // exact Δ from consecutive checkpoints and the angle to the previous one: needs the weights
  // the restarted watcher re-read
  assert.ok(want.probes.some((p) => p.metric === 'delta_rad' && p.step === 5));
  // deepEqual compares numbers with Object.is: bit for bit
  assert.deepEqual(got, want);
  // the kills left the store at different points while checkpoints kept arriving
  assert.equal(c.kills, Number(process.env.SMD_KILLS ?? 4));
  assert.ok(new Set(c.log.map((l) => l.stored)).size >= 2, JSON.stringify(c.log));
});
