// The fuzz campaign at full size: every parser of user bytes (packages/test-support/src/cli/fuzz-targets.ts)
// against N inputs (default 10⁵) of mutated real files and structure-aware generators.
// Prints one row per target: inputs, accepted, rejected (clean one-line errors), crashes, hangs
// (> 1 s), slowest input and throughput — the table in docs/reliability.md.
//
//   npm run build && node bench/fuzz.mjs [N] [target-substring]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzTarget, fuzzTargets, prepareFuzzWorkspace } from '@smd/test-support/cli';

const N = Number(process.argv[2] ?? 100_000);
const only = process.argv[3];
const ws = await prepareFuzzWorkspace(mkdtempSync(join(tmpdir(), 'smd-fuzz-bench-')));
let failed = false;
console.log(
  '| parser (entry point) | inputs | accepted | rejected (one-line error) | crashes | hangs > 1 s | slowest ms | inputs/s |',
);
console.log('|---|---|---|---|---|---|---|---|');
try {
  for (const t of fuzzTargets(ws)) {
    if (only && !t.name.includes(only)) continue;
    const s = await fuzzTarget(t, N, { seed: 2026 });
    failed ||= s.crashes > 0 || s.hangs > 0;
    console.log(
      `| ${s.target} | ${s.inputs} | ${s.accepted} | ${s.rejected} | ${s.crashes} | ${s.hangs} | ${s.maxMs.toFixed(1)} | ${Math.round((s.inputs / s.ms) * 1000)} |`,
    );
    for (const e of s.examples) console.log(`    crash: ${e.message} ← ${e.input}`);
  }
} finally {
  rmSync(ws.dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
