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
// Kill targets are spread over the run's steps; give each kill ~12 steps (the CI test's run has
// 64 steps for 6 kills), or restarts — which print progress about once a second and resume from
// the last checkpoint — can reach the end before every kill is delivered.
const epochs = Math.max(4, Math.ceil((K * 12) / 16));
const flags = KILL_FLAGS.map((f, i) => (KILL_FLAGS[i - 1] === '--epochs' ? String(epochs) : f));
const c = await killCampaign({ flags, cwd: tempDir('smd-kill-'), maxKills: K, seed });
const s = ((performance.now() - t0) / 1000).toFixed(0);
console.log(
  `reference run: ${(c.totalMs / 1000).toFixed(1)} s, ${c.steps} steps (start-up ${(c.startupMs / 1000).toFixed(1)} s); kills: ${c.kills} in ${s} s`,
);
console.log(
  `kill (progress step reached + ms after it; s = start-up) → last stored step: ${c.log.map((l) => `${l.atStep < 0 ? 's' : l.atStep}+${l.afterMs}→${l.lastStep ?? '-'}`).join(' ')}`,
);
assertSameRun(c.dir, c.refDir, c.steps);
console.log(
  'every scalar, probe, param and event row and the final weights equal the uninterrupted run; no step missing or doubled',
);
