import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetricStore, latestCheckpoint, listCheckpoints, readManifest } from '@smd/runs';
import { readMetricsExport } from '@smd/test-support/runs';
import { TINY, smd, tempDir, train } from '@smd/test-support/cli';

function onlyRun(root: string): string {
  const ids = readdirSync(root).filter((n) => !n.startsWith('.'));
  assert.equal(ids.length, 1, `one run under ${root}: ${ids.join(', ')}`);
  return join(root, ids[0]);
}

test('a tiny synthetic run: manifest, one row set per step, probes, checkpoints, summary', async () => {
  const cwd = tempDir();
  const r = await train([...TINY, '--per-channel'], cwd);
  assert.equal(r.code, 0, r.stderr);
  const dir = onlyRun(join(cwd, 'runs'));
  const m = readManifest(dir);
  assert.equal(m.backend, 'ts');
  assert.equal(m.seed, 0);
  assert.equal(m.config.totalSteps, 16);
  assert.equal(m.config.stepsPerEpoch, 8);
  const store = MetricStore.open(join(dir, 'metrics.sqlite'), { readonly: true });
  try {
    const loss = store.readScalars('loss');
    assert.deepEqual(
      [...loss.steps],
      Array.from({ length: 16 }, (_, i) => i),
    );
    assert.ok(loss.values.every((v) => Number.isFinite(v) && v > 0 && v < 5));
    assert.deepEqual([...store.readScalars('test_acc').steps], [7, 15]);
    const params = store.params();
    const probed = params
      .filter((p) => p.scaleInvariant)
      .map((p) => p.name)
      .sort();
    assert.deepEqual(probed, ['features.0.weight', 'features.3.weight']);
    const fc = params.find((p) => p.name === 'fc.weight')!;
    assert.equal(fc.scaleInvariant, false);
    assert.match(fc.reason, /classifier/);
    assert.match(params.find((p) => p.name === 'features.1.weight')!.reason, /affine/);
    const delta = store.readProbe('features.3.weight', 'delta_rad');
    assert.equal(delta.steps.length, 16);
    assert.ok(delta.values.every((v) => v > 0 && v < 0.5));
    const cos = store.readProbe('features.3.weight', 'radial_cos').values;
    assert.ok(
      cos.every((v) => Math.abs(v) < 1e-3),
      `radial cos ${[...cos]}`,
    );
    // Δ* = arccos(1 − λη/(1+α)) for the defaults η 0.1, λ 5e-4, α 0.9
    const ds = store.readProbe('features.3.weight', 'delta_star').values[0];
    assert.ok(Math.abs(ds - Math.acos(1 - (5e-4 * 0.1) / 1.9)) < 1e-12);
    const perCh = store.readProbe('features.3.weight', 'norm', { channel: 7 });
    assert.equal(perCh.steps.length, 16);
  } finally {
    store.close();
  }
  const cks = listCheckpoints(dir);
  assert.deepEqual(
    cks.map((c) => c.step),
    [15, 11, 7],
  );
  assert.ok(cks.every((c) => c.error === null));
  const last = latestCheckpoint(dir)!;
  assert.ok(last.tensors.has('model.features.0.weight'));
  assert.ok(last.tensors.has('optim.features.0.weight.momentum_buffer'));
  assert.match(r.stdout, /features\.3\.weight\s+[\d.e-]+\s+0\.0072/);
  assert.match(r.stdout, /not probed \(not scale-invariant\): .*classifier/);
  assert.match(r.stdout, /test accuracy \d+\.\d+%/);
  assert.match(r.progress, /epoch 2 \(step 16\): test acc/);
  assert.ok(existsSync(join(dir, 'run.log')));
  const status = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as { status: string };
  assert.equal(status.status, 'finished');

  // smd runs and smd export
  const runs = await smd(['runs'], cwd);
  assert.equal(runs.code, 0, runs.stderr);
  assert.match(runs.stdout, new RegExp(`${m.id}\\s+finished\\s+15\\s+ts`));
  const json = await smd(['runs', '--format', 'json'], cwd);
  assert.equal((JSON.parse(json.stdout) as { runs: unknown[] }).runs.length, 1);
  for (const fmt of ['csv', 'json', 'parquet'] as const) {
    const out = join(cwd, `m.${fmt}`);
    const e = await smd(['export', m.id, '--format', fmt, '--out', out], cwd);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stderr, /wrote [\d,]+ rows/);
    const back = await readMetricsExport(out, fmt);
    const lossRows = back.filter((x) => x.metric === 'loss' && x.param === null);
    assert.equal(lossRows.length, 16);
  }
  const csv = readFileSync(join(cwd, 'm.csv'), 'utf8').split('\n');
  assert.equal(csv[0], 'step,param,metric,channel,value');
  const bad = await smd(['export', m.id, '--format', 'xlsx'], cwd);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format must be one of csv\|json\|parquet/);
  const none = await smd(['export', 'nope', '--format', 'csv'], cwd);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no run "nope"/);
});

test('a huge lr diverges: non-zero exit naming step and cause, earlier rows kept, status diverged', async () => {
  const cwd = tempDir();
  const r = await train([...TINY, '--lr', '1e30', '--checkpoint-every', '2'], cwd);
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stderr,
    /smd train: diverged at step (\d+): (loss is (NaN|Infinity)|weights of \S+ became NaN\/Inf|gradient of \S+ is NaN\/Inf)/,
  );
  const step = Number(/diverged at step (\d+)/.exec(r.stderr)![1]);
  const dir = onlyRun(join(cwd, 'runs'));
  const store = MetricStore.open(join(dir, 'metrics.sqlite'), { readonly: true });
  try {
    assert.equal(store.latestStep(), step);
    const ev = store.events().filter((e) => e.kind === 'divergence');
    assert.equal(ev.length, 1);
    assert.equal(ev[0].step, step);
    assert.deepEqual(
      [...store.readScalars('loss').steps],
      Array.from({ length: step + 1 }, (_, i) => i),
    );
  } finally {
    store.close();
  }
  const runs = await smd(['runs'], cwd);
  assert.match(runs.stdout, /diverged/);
});
