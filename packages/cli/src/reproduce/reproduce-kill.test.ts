import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import {
  PLAN_DONE,
  REPRODUCE_KILL_ARGS,
  assertSameReproduction,
  reproduceKillCampaign,
  tempDir,
} from '@smd/test-support/cli';

test('smd reproduce SIGKILLed in training, between runs and in the report stage, rerun each time: every run, the claims and the figures equal an uninterrupted plan', async () => {
  // bench/reproduce-kill-campaign.mjs runs the same with more kills (docs/reliability.md); here
  // one kill inside the plan and one in the claims/report stage.
  const maxKills = Number(process.env.SMD_KILLS ?? 2);
  const cwd = tempDir('smd-repro-kill-');
  try {
    const c = await reproduceKillCampaign({ args: REPRODUCE_KILL_ARGS, cwd, maxKills, seed: 5 });
    assert.equal(c.kills, maxKills, JSON.stringify(c.log));
    // kills struck inside the plan and in the report stage
    assert.ok(
      c.log.some((l) => l.atStep >= 0 && l.atStep < PLAN_DONE),
      JSON.stringify(c.log),
    );
    assert.equal(c.log[c.log.length - 1].reached, PLAN_DONE, JSON.stringify(c.log));
    assertSameReproduction(c.out, c.refOut);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
