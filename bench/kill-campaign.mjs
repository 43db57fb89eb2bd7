// The kill campaign at full size on the native backend (packages/test-support/src/cli/kill-campaign.ts):
// `smd train` with the flags of the CI kill test, SIGKILLed at K seeded random moments (default
// 25) and resumed after each; then every stored row and the final weights are compared with an
// uninterrupted run. Prints the kills, where each left the store, and the verdict.
//
//   npm run build && node bench/kill-campaign.mjs [K] [seed]
import { KILL_FLAGS, assertSameRun, killCampaign, tempDir } from '@smd/test-support/cli';

const K = Number(process.argv[2] ?? 25);
const seed = Number(process.argv[3] ?? 2026);
const t0 = performance.now();
const c = await killCampaign({ flags: KILL_FLAGS, cwd: tempDir('smd-kill-'), maxKills: K, seed });
const s = ((performance.now() - t0) / 1000).toFixed(0);
console.log(
  `reference run: ${(c.totalMs / 1000).toFixed(1)} s, ${c.steps} steps (start-up ${(c.startupMs / 1000).toFixed(1)} s); kills: ${c.kills} in ${s} s`,
);
console.log(
  `kill (progress step reached + ms after it; s = start-up) → last stored step: ${c.log.map((l) => `${l.atStep < 0 ? 's' : l.atStep}+${l.afterMs}→${l.lastStep ?? '-'}`).join(' ')}`,
);
assertSameRun(c.dir, c.refDir, 64);
console.log(
  'every scalar, probe, param and event row and the final weights equal the uninterrupted run; no step missing or doubled',
);
