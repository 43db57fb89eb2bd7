// 20-step trajectories of Lion, SGDP, AdamP and RV-SGDM/AdamW/Lion against the Python reference
// written from the papers' equations (fixtures/torch/make_optim_ext.py → optim-ext.json; PyTorch
// 1.13 ships none of them): same network, initial weights and batches as optim.json. The runner
// is shared with the native backend's test (@smd/test-support/engine optim-ext-fixture.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  compareArrays,
  compareTensor,
  optimExtErrors,
  trainOptimExt,
  type OptimExtRun,
  type TrajectoryFixture,
} from '@smd/test-support/engine';

const read = (f: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/torch/${f}`, import.meta.url), 'utf8'));
const base = read('optim.json') as TrajectoryFixture;
const ext = read('optim-ext.json') as { runs: OptimExtRun[] };

const TOL = 1e-4;

for (const run of ext.runs) {
  test(`reference trajectory ${run.name} (float32)`, () => {
    const err = optimExtErrors(base, run);
    console.log(
      `${run.name} ` +
        Object.entries(err)
          .map(([k, v]) => `${k}=${v.toExponential(2)}`)
          .join(' '),
    );
    for (const [k, v] of Object.entries(err)) {
      assert.ok(v < TOL, `${run.name}: ${k} max rel err ${v}`);
    }
  });

  test(`reference trajectory ${run.name} (float64) matches to 1e-10`, () => {
    const { net, losses } = trainOptimExt(base, run, 'float64');
    const loss = compareArrays(losses, run.float64.losses, 1e-12, 0).maxRel;
    let final = 0;
    const sd = net.stateDict();
    for (const [k, v] of Object.entries(run.float64.final)) {
      final = Math.max(final, compareTensor(sd.get(k)!, v, 1e-12).maxRel);
    }
    console.log(
      `${run.name} float64 loss=${loss.toExponential(2)} final=${final.toExponential(2)}`,
    );
    assert.ok(loss < 1e-10 && final < 1e-10, `${run.name}: loss ${loss}, final ${final}`);
  });
}
