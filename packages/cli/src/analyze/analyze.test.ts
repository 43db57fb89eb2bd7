import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRun } from '@smd/runs';
import { parseRunConfig, predictable } from '@smd/smd';
import { loadRunData } from '../report/run-cache.js';
import { runCli } from '../run-cli.js';
import { UsageError } from '../usage-error.js';
import { runAnalyze } from './analyze-command.js';
import { collectCheckpoints, loadCheckpoint } from './collect.js';

// Fixtures of packages/formats/src/fixtures/torch/make_torch_fixtures.py (python3-torch 1.13).
const TORCH = fileURLToPath(new URL('../../../formats/src/fixtures/torch/', import.meta.url));
const RUNS = join(TORCH, 'runs');
const EXPECTED = JSON.parse(readFileSync(join(RUNS, 'expected.json'), 'utf8')) as Record<
  string,
  { step: number; params: Record<string, { delta: number; norm: number }> }[]
>;
const tmp = mkdtempSync(join(tmpdir(), 'smd-analyze-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function onlyRun(out: string): string {
  const ids = readdirSync(out).filter((n) => !n.startsWith('.'));
  assert.equal(ids.length, 1, `one run in ${out}: ${ids.join(', ')}`);
  return join(out, ids[0]);
}

test('smd analyze DIR writes a run folder with the exact Δ_t; smd report shows it', async () => {
  const out = join(tmp, 'batch');
  const r = await runCli(['analyze', join(RUNS, 'sgdm'), '--out', out, '--name', 'ddp sgdm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^checkpoint ckpt-60\.pt \(step 60\): sgdm, lr 0\.01\d*, weight decay 0\.0005$/m,
  );
  assert.match(r.stdout, /^conv1\.weight +yes /m);
  const dir = onlyRun(out);
  const run = openRun(dir);
  try {
    assert.equal(run.manifest.name, 'ddp sgdm');
    // the typed run config every view reads
    const cfg = parseRunConfig(run.manifest.config);
    assert.equal(cfg.optimizer, 'sgdm');
    assert.equal(cfg.momentum, 0.9);
    assert.equal(cfg.weightDecay, 5e-4);
    assert.equal(predictable(cfg), true);
    const delta = run.metrics.readProbe('conv2.weight', 'delta_rad');
    assert.deepEqual([...delta.steps], [30, 59, 60]);
    delta.values.forEach((v, i) => {
      const want = EXPECTED.sgdm[i].params['conv2.weight'].delta;
      assert.ok(Math.abs(v - want) <= 1e-5 * want, `step ${delta.steps[i]}: ${v} vs ${want}`);
    });
    const params = new Map(run.metrics.params().map((p) => [p.name, p]));
    assert.equal(params.get('conv2.weight')!.scaleInvariant, true);
    assert.equal(params.get('fc.weight')!.scaleInvariant, false);
    const events = run.metrics.events(0).map((e) => `${e.step} ${e.kind} ${e.message}`);
    assert.deepEqual(events, [
      '30 checkpoint ckpt-30.pt',
      '59 checkpoint ckpt-59.pt',
      '59 lr_drop lr 0.1 -> 0.010000000000000002 (between checkpoints)',
      '60 checkpoint ckpt-60.pt',
    ]);
    assert.equal(run.status(), 'finished');
  } finally {
    run.close();
  }
  // the printed verdicts are the run-analysis model's, on the folder just written
  const model = loadRunData(dir).analysis;
  const conv2 = model.table.find((row) => row.param === 'conv2.weight')!;
  assert.ok(conv2.scaleInvariant && conv2.verdict !== 'no_data', conv2.verdict);
  assert.match(r.stdout, new RegExp(`^conv2\\.weight +yes .* ${conv2.verdict}$`, 'm'));
  assert.match(
    r.stdout,
    new RegExp(
      `^${model.table.filter((x) => x.scaleInvariant).length} scale-invariant tensors; median Δ/Δ\\* ${model.verdicts.medianDeltaRatio.toPrecision(3)} \\(analyzeRun, offline\\)$`,
      'm',
    ),
  );
  const html = join(tmp, 'report.html');
  const rep = await runCli(['report', dir, '--out', html]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(readFileSync(html, 'utf8'), /conv2\.weight/);
});

test('a Hugging Face checkpoint folder and a Lightning file can be given directly', async () => {
  const out = join(tmp, 'direct');
  const hf = await runCli(['analyze', join(RUNS, 'adamw', 'checkpoint-60'), '--out', out]);
  assert.equal(hf.code, 0, hf.stderr);
  assert.match(hf.stdout, /adamw, lr 0\.003, weight decay 0\.05/);
  const pl = await runCli([
    'analyze',
    join(RUNS, 'adam', 'epoch=0-step=30.ckpt'),
    '--optimizer',
    'adam',
    '--out',
    out,
  ]);
  assert.equal(pl.code, 0, pl.stderr);
  assert.match(pl.stdout, /\(step 30\): adam, lr 0\.003/);
});

test('bad input: one line naming the file, exit 2; a malicious checkpoint runs nothing', async () => {
  const canary = '/tmp/smd-pickle-canary';
  rmSync(canary, { force: true });
  const cut = join(tmp, 'cut.pt');
  writeFileSync(cut, readFileSync(join(RUNS, 'sgdm', 'ckpt-30.pt')).subarray(0, 3000));
  const cases: [string[], RegExp][] = [
    [[cut], /^smd analyze: .*cut\.pt: zip cut\.pt: no end-of-central-directory record/],
    [[join(TORCH, 'legacy.pt')], /legacy\.pt: .*legacy \(pre-1\.6, non-zip\).*re-save it/],
    [
      [join(TORCH, 'malicious', 'os-system.pt')],
      /refused: it names posix\.system.*nothing was run/,
    ],
    [[join(tmp, 'missing.pt')], /^smd analyze: .*missing\.pt: no such file or folder$/m],
    [[tmp, '--optimizer', 'sgd'], /--optimizer must be adam or adamw/],
    [[], /give at least one checkpoint PATH/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['analyze', ...args, '--out', join(tmp, 'bad')]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.equal(existsSync(canary), false);
});

test('a checkpoint deleted between the listing and the read: one line naming it, exit 2', async () => {
  const dir = join(tmp, 'rotating');
  mkdirSync(dir);
  for (const f of ['ckpt-30.pt', 'ckpt-59.pt']) copyFileSync(join(RUNS, 'sgdm', f), join(dir, f));
  cpSync(join(RUNS, 'adamw', 'checkpoint-30'), join(dir, 'checkpoint-30'), { recursive: true });
  const sources = collectCheckpoints([dir], tmp);
  assert.deepEqual(
    sources.map((s) => s.label),
    ['checkpoint-30', 'ckpt-30.pt', 'ckpt-59.pt'],
  );
  // a job rotating its checkpoints removes them after smd analyze listed the folder
  rmSync(join(dir, 'ckpt-59.pt'));
  rmSync(join(dir, 'checkpoint-30', 'trainer_state.json'));
  const messages = [sources[0], sources[2]].map((src) => {
    try {
      loadCheckpoint(src);
    } catch (e) {
      assert.ok(e instanceof UsageError, `a UsageError, got ${String(e)}`);
      assert.equal(e.exitCode, 2); // run-cli prints the message alone and exits 2
      return e.message;
    }
    return 'read';
  });
  assert.deepEqual(messages, [
    `smd analyze: ${join(dir, 'checkpoint-30', 'trainer_state.json')}: cannot read this checkpoint file (cannot open (No such file or directory))`,
    `smd analyze: ${join(dir, 'ckpt-59.pt')}: cannot read this checkpoint file (cannot open (No such file or directory))`,
  ]);
  assert.equal(loadCheckpoint(sources[1]).label, 'ckpt-30.pt'); // the others still read
});

test('--watch appends each new checkpoint as a job writes it, until stopped', async () => {
  const dir = join(tmp, 'job');
  const out = join(tmp, 'watched');
  mkdirSync(dir);
  const io = { out: () => {}, err: () => {}, cwd: tmp };
  const ac = new AbortController();
  const done = runAnalyze(['--watch', dir, '--out', out, '--poll-ms', '40'], io, ac.signal);
  const steps = async (n: number): Promise<number[]> => {
    for (let i = 0; i < 250; i++) {
      await new Promise((r) => setTimeout(r, 40));
      const ids = existsSync(out) ? readdirSync(out).filter((x) => !x.startsWith('.')) : [];
      if (ids.length === 0) continue;
      const run = openRun(join(out, ids[0]));
      try {
        const s = [...run.metrics.readProbe('conv1.weight', 'norm').steps];
        if (s.length >= n) return s;
      } finally {
        run.close();
      }
    }
    throw new Error(`--watch did not reach ${n} checkpoints`);
  };
  cpSync(join(RUNS, 'adamw', 'checkpoint-30'), join(dir, 'checkpoint-30'), { recursive: true });
  assert.deepEqual(await steps(1), [30]);
  // a checkpoint being written (no trainer_state.json yet) is not read
  mkdirSync(join(dir, 'checkpoint-59'));
  copyFileSync(
    join(RUNS, 'adamw', 'checkpoint-59', 'optimizer.pt'),
    join(dir, 'checkpoint-59', 'optimizer.pt'),
  );
  await new Promise((r) => setTimeout(r, 200));
  for (const f of ['pytorch_model.bin', 'trainer_state.json']) {
    copyFileSync(join(RUNS, 'adamw', 'checkpoint-59', f), join(dir, 'checkpoint-59', f));
  }
  cpSync(join(RUNS, 'adamw', 'checkpoint-60'), join(dir, 'checkpoint-60'), { recursive: true });
  assert.deepEqual(await steps(3), [30, 59, 60]);
  ac.abort();
  assert.equal(await done, 0);
  const run = openRun(onlyRun(out));
  try {
    assert.equal(run.status(), 'finished');
    assert.equal(run.metrics.readScalars('loss').steps.length, 6); // log_history every 10 steps
  } finally {
    run.close();
  }
});
