import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetricStore, openRun } from '@smd/runs';
import { runCli } from '../run-cli.js';
import { UsageError } from '../usage-error.js';
import { dump, ev, runDir } from '@smd/test-support/cli';
import { runAnalyze } from './analyze-command.js';

// SGDM checkpoints at steps 30, 59, 60 with an lr drop between 30 and 59 (python3-torch 1.13).
const SGDM = fileURLToPath(
  new URL('../../../formats/src/fixtures/torch/runs/sgdm/', import.meta.url),
);
const tmp = mkdtempSync(join(tmpdir(), 'smd-watch-resume-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = { out: () => {}, err: () => {}, cwd: tmp };

/** Waits until the one run under `out` stores `n` checkpoints. */
async function stored(out: string, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const ids = existsSync(out) ? readdirSync(out).filter((x) => !x.startsWith('.')) : [];
    if (ids.length === 0) continue;
    const s = MetricStore.open(join(out, ids[0], 'metrics.sqlite'), { readonly: true });
    try {
      if (s.events(0).filter((e) => e.kind === 'checkpoint').length >= n) return;
    } finally {
      s.close();
    }
  }
  throw new Error(`no ${n} checkpoints stored under ${out}`);
}

test('--watch rerun with the same arguments continues its run: rows equal a single pass', async () => {
  const dir = join(tmp, 'job');
  const out = join(tmp, 'runs');
  mkdirSync(dir);
  const argv = ['--watch', dir, '--out', out, '--poll-ms', '20'];
  copyFileSync(join(SGDM, 'ckpt-30.pt'), join(dir, 'ckpt-30.pt'));
  let ac = new AbortController();
  let done = runAnalyze(argv, quiet, ac.signal);
  await stored(out, 1);
  ac.abort();
  assert.equal(await done, 0);
  const first = runDir(out);
  // the job went on while nobody watched
  for (const f of ['ckpt-59.pt', 'ckpt-60.pt']) copyFileSync(join(SGDM, f), join(dir, f));
  let err = '';
  ac = new AbortController();
  done = runAnalyze(argv, { ...quiet, err: (t) => (err += t) }, ac.signal);
  await stored(out, 3);
  // a second watcher of the same run is refused while this one holds it
  await assert.rejects(runAnalyze(argv, quiet), (e: unknown) => {
    assert.ok(e instanceof UsageError && e.exitCode === 1, String(e));
    assert.match(e.message, /^smd analyze: --watch: .*run\.lock: run is being written by pid \d+/);
    return true;
  });
  ac.abort();
  assert.equal(await done, 0);
  assert.match(err, /^smd analyze: continuing run .* \(1 checkpoints stored; another --name/m);
  assert.equal(runDir(out), first, 'the same run folder, no second run');
  // a single pass over the three files: every row equal (the lr drop needs the reopened
  // run's last lr, the angle to the previous checkpoint its re-read weights)
  const batch = await runCli(['analyze', dir, '--out', join(tmp, 'batch')]);
  assert.equal(batch.code, 0, batch.stderr);
  const got = dump(first);
  const want = dump(runDir(join(tmp, 'batch')));
  assert.deepEqual(ev(got), [
    '30:checkpoint:ckpt-30.pt',
    '59:checkpoint:ckpt-59.pt',
    '59:lr_drop:lr 0.1 -> 0.010000000000000002 (between checkpoints)',
    '60:checkpoint:ckpt-60.pt',
  ]);
  assert.deepEqual(got, want);
  assert.ok(got.probes.some((p) => p.step === 59 && p.metric === 'checkpoint_angle_rad'));
  const run = openRun(first);
  try {
    assert.equal(run.status(), 'finished');
  } finally {
    run.close();
  }
});
