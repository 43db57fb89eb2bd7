// The kill campaign of `smd reproduce` at full size
// (packages/test-support/src/cli/reproduce-kill-campaign.ts): the small plan of the CI test
// (fig2 --quick on synthetic data, native kernels), SIGKILLed at K seeded moments (default 25)
// placed by plan progress — training, checkpoint writes, between runs, the claims/report stage —
// and rerun with the same command after each; then every row and the final weights of every run,
// the summary, claims.md and the figures are compared with an uninterrupted plan.
//
//   npm run build && node bench/reproduce-kill-campaign.mjs [K] [seed]
import {
  REPRODUCE_KILL_ARGS,
  assertSameReproduction,
  reproduceKillCampaign,
  tempDir,
} from '@smd/test-support/cli';

const K = Number(process.argv[2] ?? 25);
const seed = Number(process.argv[3] ?? 2026);
const t0 = performance.now();
const c = await reproduceKillCampaign({
  args: REPRODUCE_KILL_ARGS,
  cwd: tempDir('smd-repro-kill-'),
  maxKills: K,
  seed,
});
const s = ((performance.now() - t0) / 1000).toFixed(0);
const sec = (ms) => (ms / 1000).toFixed(1);
console.log(
  `reference: start-up ${sec(c.startupMs)} s, plan trained at ${sec(c.planMs)} s, done at ${sec(c.totalMs)} s; ${c.kills} kills in ${s} s (outputs in ${c.out})`,
);
const pos = (p) => (p === null ? '-' : p === 101 ? 'report' : `${p}%`);
console.log(
  `kill (plan position waited for + ms after it; s = start-up) → position reached: ${c.log.map((l) => `${l.atStep < 0 ? 's' : pos(l.atStep)}+${l.afterMs}→${pos(l.reached)}`).join(' ')}`,
);
assertSameReproduction(c.out, c.refOut);
console.log(
  "every run's scalar, probe, param and event rows and final weights, the summary, claims.md and every figure equal the uninterrupted plan",
);
