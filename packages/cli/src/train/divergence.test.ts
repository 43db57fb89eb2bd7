import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MetricStore, latestCheckpoint, type MetricDump } from '@smd/runs';
import { parseFaultInjection } from './fault-inject.js';
import { TINY, tempDir, train } from '@smd/test-support/cli';

const AT = 6; // TINY runs 16 steps and checkpoints every 4 (after steps 3, 7, …): the last one before AT is 3

async function runWith(
  env: Record<string, string>,
): Promise<{ code: number; stderr: string; dir: string; dump: MetricDump }> {
  const cwd = tempDir('smd-diverge-');
  const r = await train([...TINY], cwd, env);
  const root = join(cwd, 'runs');
  const dir = join(root, readdirSync(root)[0]);
  const store = MetricStore.open(join(dir, 'metrics.sqlite'), { readonly: true });
  try {
    return { code: r.code, stderr: r.stderr, dir, dump: store.dump() };
  } finally {
    store.close();
  }
}

const before = <T extends { step: number }>(rows: T[]): T[] => rows.filter((r) => r.step < AT);

test('NaN/Inf in the loss, a gradient or a weight: the run stops naming step and tensor, nothing before it lost', async () => {
  const ref = await runWith({});
  assert.equal(ref.code, 0, ref.stderr);
  const param = ref.dump.params.find((p) => p.scaleInvariant)!.name;
  const cases = [
    {
      spec: `loss@${AT}`,
      why: new RegExp(`diverged at step ${AT}: loss is NaN \\(all weights finite\\)`),
    },
    {
      spec: `grad:${param}@${AT}=inf`,
      why: new RegExp(`diverged at step ${AT}: gradient of ${param} is NaN/Inf`),
    },
    {
      spec: `weight:${param}@${AT}`,
      why: new RegExp(`diverged at step ${AT}: weights of ${param} became NaN/Inf`),
    },
  ];
  for (const c of cases) {
    const r = await runWith({ SMD_TEST_INJECT: c.spec });
    assert.equal(r.code, 3, `${c.spec}: ${r.stderr}`);
    assert.match(r.stderr, c.why, c.spec);
    // Every row of the steps before the fault equals the uninterrupted run's.
    assert.deepEqual(before(r.dump.scalars), before(ref.dump.scalars), c.spec);
    assert.deepEqual(before(r.dump.probes), before(ref.dump.probes), c.spec);
    const div = r.dump.events.filter((e) => e.kind === 'divergence');
    assert.deepEqual(
      div.map((e) => e.step),
      [AT],
    );
    // The last checkpoint is from before the fault and holds finite weights.
    const ck = latestCheckpoint(r.dir)!;
    assert.equal(ck.step, 3);
    for (const [name, t] of ck.tensors)
      assert.ok(
        [...t.data].every((v) => Number.isFinite(Number(v))),
        `${c.spec}: ${name}`,
      );
  }
});

test('SMD_TEST_INJECT parsing: forms and a one-line error', () => {
  assert.deepEqual(parseFaultInjection('grad:a.b@3=-inf'), {
    kind: 'grad',
    param: 'a.b',
    step: 3,
    value: -Infinity,
  });
  assert.equal(parseFaultInjection('loss@0')!.value, NaN);
  assert.equal(parseFaultInjection(undefined), undefined);
  assert.throws(() => parseFaultInjection('loss'), /SMD_TEST_INJECT must be loss@STEP/);
});
