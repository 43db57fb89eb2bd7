// The kill campaign of `smd analyze --watch` at full size
// (packages/cli/src/analyze/watch-kill-campaign.ts): this process writes C Hugging Face
// checkpoint folders (default 60) into a job folder on a schedule while the watcher is
// SIGKILLed at K seeded moments (default 25) and rerun with the same arguments after each; then
// every stored row is compared with an uninterrupted watch of the same job.
//
//   npm run build && node bench/watch-kill-campaign.mjs [K] [C] [seed]
import assert from 'node:assert/strict';
import { dump, tempDir, watchKillCampaign } from '@smd/test-support/cli';

const K = Number(process.argv[2] ?? 25);
const C = Number(process.argv[3] ?? 60);
const seed = Number(process.argv[4] ?? 2026);
const t0 = performance.now();
const c = await watchKillCampaign({
  cwd: tempDir('smd-watch-kill-'),
  checkpoints: C,
  maxKills: K,
  seed,
  pollMs: 50,
});
const s = ((performance.now() - t0) / 1000).toFixed(0);
console.log(
  `watcher start-up ${(c.startupMs / 1000).toFixed(1)} s, a checkpoint every ${c.intervalMs} ms; ${c.kills} kills in ${s} s`,
);
console.log(
  `delay after spawn (ms) → checkpoints stored / written: ${c.log.map((l) => `${l.delayMs}→${l.stored}/${l.written}`).join(' ')}`,
);
const got = dump(c.dir);
const want = dump(c.refDir);
assert.equal(want.events.length, C);
assert.deepEqual(got, want);
console.log(
  `every scalar (${want.scalars.length}), probe (${want.probes.length}), param and event row equals the uninterrupted watch`,
);
