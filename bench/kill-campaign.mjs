// The kill campaign at full size on the native backend: `smd train` (the flags of
// packages/cli/src/train/kill-native.test.ts) SIGKILLed at K seeded random moments (default 25),
// resumed after each; then every stored row and the final weights are compared with an
// uninterrupted run. Prints the kills, where each left the store, and the verdict.
//
//   npm run build && node bench/kill-campaign.mjs [K] [seed]
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  KILL_FLAGS,
  assertSameRun,
  killCampaign,
  runDir,
  tempDir,
  train,
} from '../packages/cli/dist/train/test-helpers.js';

const K = Number(process.argv[2] ?? 25);
const seed = Number(process.argv[3] ?? 2026);
const refCwd = tempDir('smd-kill-ref-');
let t0 = performance.now();
const ref = await train(KILL_FLAGS, refCwd);
// Kills within a sixteenth of a whole run after each (re)start: each resumed process gets a
// little further, so the moments spread over the run (training, probe, commits, checkpoint
// writes and their WAL checkpoint, evaluation) whatever this machine's speed.
const spanMs = performance.now() - t0;
assert.equal(ref.code, 0, ref.stderr);
t0 = performance.now();
const c = await killCampaign({
  flags: KILL_FLAGS,
  cwd: tempDir('smd-kill-'),
  maxKills: K,
  seed,
  minDelayMs: 30,
  maxDelayMs: Math.max(200, spanMs),
});
const s = ((performance.now() - t0) / 1000).toFixed(0);
console.log(
  `kills: ${c.kills} in ${s} s; last stored step after each kill: ${c.log.map((l) => l.lastStep ?? '-').join(' ')}`,
);
assertSameRun(c.dir, runDir(join(refCwd, 'runs')), 64);
console.log(
  'every scalar, probe, param and event row and the final weights equal the uninterrupted run; no step missing or doubled',
);
