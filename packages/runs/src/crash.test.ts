/**
 * Crash safety with real child processes: a writer is SIGKILLed at random points (and once
 * while a checkpoint sits fully written under its temp name, before the rename); the run is then
 * readable, the latest valid checkpoint is found, and resuming yields exactly the rows and the
 * final checkpoint of an uninterrupted run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnWriter, type WriterOptions, runWriter, tempRoot } from '@smd/test-support/runs';
import { latestCheckpoint, listCheckpoints } from './checkpoint.js';
import { listRuns } from './list-runs.js';
import { MetricStore } from './metric-store.js';
import type { MetricDump } from './metric-queries.js';
import { openRun } from './run.js';

const BASE: Omit<WriterOptions, 'mode'> = {
  steps: 300,
  ckptEvery: 25,
  params: 20,
  bigElements: 250_000,
};

/** Metric dump of the run in `dir` (read-only, as a dashboard would). */
function dumpOf(dir: string): MetricDump {
  const s = MetricStore.open(join(dir, 'metrics.sqlite'), { readonly: true });
  try {
    return s.dump();
  } finally {
    s.close();
  }
}

/** Final weights and state of the newest checkpoint, comparable with deepEqual. */
function finalCheckpoint(dir: string): unknown {
  const ck = latestCheckpoint(dir)!;
  return {
    step: ck.step,
    state: ck.state,
    tensors: [...ck.tensors].map(([k, v]) => [k, v.shape, Array.from(v.data as Float32Array)]),
  };
}

let reference: { dump: MetricDump; ckpt: unknown } | null = null;
/** The uninterrupted run (same code, in this process). */
function referenceRun(): { dump: MetricDump; ckpt: unknown } {
  if (!reference) {
    const t = tempRoot();
    const dir = runWriter({ ...BASE, mode: 'create', root: t.root });
    reference = { dump: dumpOf(dir), ckpt: finalCheckpoint(dir) };
    t.done();
  }
  return reference;
}

/** Seeded generator for the kill points, so a failure can be replayed. */
function killPoints(seed: number, n: number, max: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 1 + (s % max);
  });
}

test('uninterrupted reference run has the expected shape', () => {
  const { dump } = referenceRun();
  // 20 params × 13 training metrics + 4 per-channel rows, per step; 4 scalars per step + 3 NaN rows.
  assert.equal(dump.probes.length, 300 * (20 * 13 + 4));
  assert.equal(dump.scalars.length, 300 * 4 + 3);
  assert.ok(
    dump.scalars.filter((r) => r.name === 'grad_overflow').every((r) => Number.isNaN(r.value)),
  );
  assert.deepEqual(dump.events.map((e) => `${e.step}/${e.seq}/${e.kind}`).slice(5, 8), [
    '150/0/checkpoint',
    '151/0/lr_drop',
    '175/0/checkpoint',
  ]);
  assert.equal(dump.events.length, 13);
});

test('SIGKILL at random points, resume until done: identical rows and final checkpoint', async () => {
  const ref = referenceRun();
  const t = tempRoot();
  // Increasing kill points, so every round makes progress past its resume checkpoint.
  const targets = killPoints(Number(process.env.SMD_CRASH_SEED ?? 20261125), 4, BASE.steps).sort(
    (a, b) => a - b,
  );
  const trace: string[] = [];
  let dir: string | null = null;
  let kills = 0;
  for (let round = 0; ; round++) {
    const child = spawnWriter(
      dir ? { ...BASE, mode: 'resume', dir } : { ...BASE, mode: 'create', root: t.root },
    );
    const target = targets[round];
    if (target !== undefined) {
      const line = await child
        .waitFor((l) => l === 'done' || (l.startsWith('step ') && Number(l.slice(5)) >= target))
        .catch((e: Error) => e.message);
      // 0-19 ms more: lands anywhere in a step, a commit or a checkpoint write.
      await new Promise((r) => setTimeout(r, target % 20));
      child.proc.kill('SIGKILL');
      const ex = await child.exited;
      if (ex.signal === 'SIGKILL') kills++;
      else assert.equal(ex.code, 0, `writer failed: ${ex.stderr} (${line})`);
    } else {
      const ex = await child.exited;
      assert.equal(ex.code, 0, ex.stderr);
    }
    dir ??= join(
      t.root,
      readdirSync(t.root).find((n) => !n.startsWith('.'))!,
    );
    // After every crash the store is readable and its rows are a prefix of the reference.
    const d = dumpOf(dir);
    const last = d.scalars.length ? d.scalars[d.scalars.length - 1].step : 0;
    trace.push(
      `kill>=${target}+${(target ?? 0) % 20}ms lastLogged=${last} ckpt=${latestCheckpoint(dir)?.step}`,
    );
    const scalarsUpTo = ref.dump.scalars.filter((r) => r.step <= last);
    assert.deepEqual(
      d.scalars,
      scalarsUpTo,
      `round ${round}: scalars are a prefix of the reference`,
    );
    const probesUpTo = ref.dump.probes.filter((r) => r.step <= last);
    assert.deepEqual(d.probes, probesUpTo, `round ${round}: probes are a prefix of the reference`);
    if (child.lines.includes('done')) break;
    const ck = latestCheckpoint(dir);
    assert.ok(ck, `round ${round}: a valid checkpoint exists`);
    assert.equal(ck.step % BASE.ckptEvery, 0);
    assert.equal(listRuns(t.root).runs[0].status, 'killed');
    assert.ok(round < 10, 'resume loop terminates');
  }
  assert.ok(kills >= 2, `at least two kills happened (${kills}): ${trace.join('; ')}`);
  if (process.env.SMD_DEBUG) console.log(trace.join('\n'));
  const final = dumpOf(dir);
  assert.deepEqual(final, ref.dump);
  assert.deepEqual(finalCheckpoint(dir), ref.ckpt);
  assert.equal(listRuns(t.root).runs[0].status, 'finished');
  assert.deepEqual(
    listCheckpoints(dir).map((c) => [c.step, c.error]),
    [
      [300, null],
      [275, null],
      [250, null],
    ],
  );
  t.done();
});

test('SIGKILL between temp write and rename of a checkpoint: old checkpoint used, resume is exact', async () => {
  const ref = referenceRun();
  const t = tempRoot();
  const child = spawnWriter({ ...BASE, mode: 'create', root: t.root, pauseAtCheckpoint: 100 });
  const paused = await child.waitFor(/^paused /);
  const tmp = paused.slice('paused '.length);
  const dir = join(
    t.root,
    readdirSync(t.root).find((n) => !n.startsWith('.'))!,
  );
  assert.ok(existsSync(tmp), 'the temp checkpoint is fully written');
  assert.ok(!existsSync(join(dir, 'checkpoints', 'step-100.safetensors')), 'not yet renamed');
  // While paused, a live reader sees the writer as running and every row up to step 100.
  assert.equal(listRuns(t.root).runs[0].status, 'running');
  assert.equal(listRuns(t.root).runs[0].lastStep, 100);
  child.proc.kill('SIGKILL');
  const ex = await child.exited;
  assert.equal(ex.signal, 'SIGKILL');
  assert.equal(listRuns(t.root).runs[0].status, 'killed');
  assert.equal(latestCheckpoint(dir)!.step, 75);
  // Rows of steps 76..100 exist but will be truncated on resume.
  assert.equal(dumpOf(dir).events.at(-1)!.step, 100);
  const resumed = spawnWriter({ ...BASE, mode: 'resume', dir });
  const ex2 = await resumed.exited;
  assert.equal(ex2.code, 0, ex2.stderr);
  assert.ok(!existsSync(tmp), 'stale temp file pruned');
  assert.deepEqual(dumpOf(dir), ref.dump);
  assert.deepEqual(finalCheckpoint(dir), ref.ckpt);
  const log = openRun(dir);
  assert.equal(log.status(), 'finished');
  log.close();
  t.done();
});
