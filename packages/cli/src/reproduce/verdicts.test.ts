import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TINY, tempDir, train, simulatedRun } from '@smd/test-support/cli';
import { fig2Claims } from './claims-fig2.js';
import { fig3Claims } from './claims-fig3.js';
import { loadRun } from './load-run.js';
import type { ClaimResult } from './claim.js';

const byId = (cs: ClaimResult[], id: string): ClaimResult => cs.find((c) => c.id === id)!;
const dims = [500, 1000, 2000];

// λη = 1e-3: SGD's time constant is 500 steps, SGDM's 50; 2500 steps give SGD 5 of them.
const FIG2 = { lr: 0.1, wd: 1e-2, steps: 2500, initialNormSq: 20, dims };

test('fig2 verdicts: simulated SGD/SGDM reach w* and Δ* (holds), with λ = 0 they cannot (fails)', () => {
  const ok = fig2Claims(
    simulatedRun({ ...FIG2, name: 'sgd', momentum: 0 }),
    simulatedRun({ ...FIG2, name: 'sgdm', momentum: 0.9 }),
  );
  for (const id of ['fig2.norm', 'fig2.delta', 'fig2.rate']) {
    assert.equal(byId(ok, id).verdict, 'holds', `${id}: ${byId(ok, id).why}`);
  }
  const d = byId(ok, 'fig2.delta').numbers;
  // Δ*_SGD / Δ*_SGDM = √(1+α) = 1.378; the measured RMS ratio is within 5% of it
  assert.ok(Math.abs((d.sgdOverSgdm as number) / Math.sqrt(1.9) - 1) < 0.05, String(d.sgdOverSgdm));
  // fitted approach rate: at least the theorems' rate, below the recurrence's (starting far out)
  const r = byId(ok, 'fig2.rate').numbers;
  assert.ok((r.SGDMRate as number) > (r.SGDMTheoremRate as number), JSON.stringify(r));
  assert.ok((r.SGDRate as number) > 0.8 * (r.SGDTheoremRate as number), JSON.stringify(r));

  const none = fig2Claims(
    simulatedRun({ ...FIG2, name: 'sgd0', momentum: 0, wd: 0 }),
    simulatedRun({ ...FIG2, name: 'sgdm0', momentum: 0.9, wd: 0 }),
  );
  for (const id of ['fig2.norm', 'fig2.delta', 'fig2.rate']) {
    const c = byId(none, id);
    assert.equal(c.verdict, 'fails', `${id}: ${c.why}`);
    assert.match(c.why, /λ = 0 has no equilibrium/);
  }
  // a run shorter than 3 of its time constants cannot be judged
  const short = fig2Claims(
    simulatedRun({ ...FIG2, steps: 400, name: 'sgd', momentum: 0 }),
    simulatedRun({ ...FIG2, steps: 400, name: 'sgdm', momentum: 0.9 }),
  );
  assert.equal(byId(short, 'fig2.norm').verdict, 'inconclusive');
  assert.match(byId(short, 'fig2.norm').why, /SGD ran 0\.8 of its time constants/);
});

test('fig3 verdicts: rescaling on holds, off fails; Corollary 3.1 holds on the standard run', () => {
  const f3 = { lr: 0.1, wd: 5e-3, momentum: 0.9, steps: 1200, drops: [600, 900], dims };
  const std = simulatedRun({ ...f3, name: 'std' });
  const resc = simulatedRun({ ...f3, name: 'resc', rescale: true });
  const on = fig3Claims(std, resc);
  const corollary = byId(on, 'fig3.corollary');
  assert.equal(corollary.verdict, 'holds', corollary.why);
  // bound ⌈ln 10·0.1/(2·5e-3·0.1)⌉ = 231 steps, stage 2 is 300 steps: no layer back within 10%
  assert.deepEqual(corollary.table!.rows[0].slice(1, 3), [231, '0/3']);
  const rescaled = byId(on, 'fig3.rescale');
  assert.equal(rescaled.verdict, 'holds', rescaled.why);
  assert.ok((rescaled.numbers.rescaledWorstError as number) < 0.05);
  assert.ok((rescaled.numbers.standardMedianWorstError as number) > 0.5);
  // the standard run in the rescaled run's place: Δ sits far below the new Δ* after each drop
  const off = byId(fig3Claims(std, std), 'fig3.rescale');
  assert.equal(off.verdict, 'fails', off.why);
  assert.ok((off.numbers.rescaledMedianWorstError as number) > 0.5);
});

test('a real run with λ = 0 (smd train) gets "fails: no equilibrium", its ‖w‖ having grown', async () => {
  const cwd = tempDir('smd-repro-wd0-');
  try {
    const common = [...TINY.filter((a, i) => a !== '--epochs' && TINY[i - 1] !== '--epochs')];
    for (const [name, opt] of [
      ['sgd0', 'sgd'],
      ['sgdm0', 'sgdm'],
    ]) {
      const r = await train(
        [...common, '--steps', '60', '--wd', '0', '--optimizer', opt, '--name', name],
        cwd,
      );
      assert.equal(r.code, 0, r.stderr);
    }
    const dirs = readdirSync(join(cwd, 'runs')).sort();
    const runs = dirs.map((d) => loadRun(join(cwd, 'runs', d)));
    const sgd = runs.find((r) => r.name === 'sgd0')!;
    const sgdm = runs.find((r) => r.name === 'sgdm0')!;
    const c = byId(fig2Claims(sgd, sgdm), 'fig2.norm');
    assert.equal(c.verdict, 'fails');
    const grew = [...c.why.matchAll(/‖w‖ grew ×([\d.]+)/g)].map((m) => Number(m[1]));
    assert.equal(grew.length, 2);
    assert.ok(
      grew.every((g) => g > 1),
      c.why,
    );
  } finally {
    rmSync(cwd, { recursive: true });
  }
});
