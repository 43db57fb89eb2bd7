import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import type { LongRow } from './browser/metric-types.js';
import { exportMetrics, longRows } from './export-metrics.js';
import { readMetricsExport, runOptions, tempRoot } from '@smd/test-support/runs';
import { type Run, createRun } from './run.js';

function fillRun(run: Run, steps: number): void {
  const m = run.metrics;
  m.declareParams([
    { name: 'conv,"odd" name', shape: [2], scaleInvariant: true, reason: 'feeds BN' },
  ]);
  for (let s = 1; s <= steps; s++) {
    m.logScalars(s, { loss: 1 / s, lr: 0.1 });
    m.logProbe({ step: s, param: 'conv,"odd" name', metric: 'norm', value: Math.sqrt(s) });
    m.logProbe({
      step: s,
      param: 'layer2.weight',
      metric: 'delta_rad',
      value: 1e-4 / s,
      channel: s % 3,
    });
    if (s === 3) {
      m.logScalar(s, 'grad_norm', NaN);
      m.logScalar(s, 'overflow', -Infinity);
      m.logEvent(s, 'lr_drop', 'lr 0.1 -> 0.01, "quoted"');
    }
    m.endStep(s);
  }
  m.flush();
}

test('longRows merges scalars and probes by step (scalars first)', () => {
  const t = tempRoot();
  const run = createRun(t.root, runOptions());
  fillRun(run, 2);
  assert.deepEqual(
    [...longRows(run.metrics)],
    [
      { step: 1, param: null, metric: 'loss', channel: null, value: 1 },
      { step: 1, param: null, metric: 'lr', channel: null, value: 0.1 },
      { step: 1, param: 'conv,"odd" name', metric: 'norm', channel: null, value: 1 },
      { step: 1, param: 'layer2.weight', metric: 'delta_rad', channel: 1, value: 1e-4 },
      { step: 2, param: null, metric: 'loss', channel: null, value: 0.5 },
      { step: 2, param: null, metric: 'lr', channel: null, value: 0.1 },
      { step: 2, param: 'conv,"odd" name', metric: 'norm', channel: null, value: Math.SQRT2 },
      { step: 2, param: 'layer2.weight', metric: 'delta_rad', channel: 2, value: 5e-5 },
    ],
  );
  run.close();
  t.done();
});

for (const format of ['csv', 'json', 'parquet'] as const) {
  test(`${format} export round-trips every row exactly (NaN, -Infinity, quotes, channels)`, async () => {
    const t = tempRoot();
    const run = createRun(t.root, runOptions());
    fillRun(run, 250);
    const expected: LongRow[] = [...longRows(run.metrics)];
    assert.equal(expected.length, 250 * 4 + 2);
    const out = join(t.root, `metrics.${format}`);
    const res = await exportMetrics(run, format, out);
    assert.equal(res.rows, expected.length);
    const back = await readMetricsExport(out, format);
    assert.equal(back.length, expected.length);
    assert.deepEqual(back, expected);
    if (format === 'json') {
      const doc = JSON.parse(readFileSync(out, 'utf8'));
      assert.equal(doc.manifest.id, run.id);
      assert.deepEqual(doc.events, [
        { step: 3, seq: 0, kind: 'lr_drop', message: 'lr 0.1 -> 0.01, "quoted"' },
      ]);
      assert.equal(doc.params[0].name, 'conv,"odd" name');
    }
    if (format === 'parquet') {
      const buf = readFileSync(out);
      const md = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      assert.equal(Number(md.num_rows), expected.length);
      const kv = Object.fromEntries((md.key_value_metadata ?? []).map((k) => [k.key, k.value]));
      assert.equal(JSON.parse(kv['smd.manifest']!).seed, 42);
      assert.equal(JSON.parse(kv['smd.events']!)[0].kind, 'lr_drop');
    }
    if (format === 'csv') {
      const lines = readFileSync(out, 'utf8').split('\n');
      assert.equal(lines[0], 'step,param,metric,channel,value');
      assert.equal(lines[3], '1,"conv,""odd"" name",norm,,1');
    }
    run.close();
    t.done();
  });
}

test('export of an empty run and of a bad format', async () => {
  const t = tempRoot();
  const run = createRun(t.root, runOptions());
  for (const f of ['csv', 'json', 'parquet'] as const) {
    const out = join(t.root, `empty.${f}`);
    assert.equal((await exportMetrics(run, f, out)).rows, 0);
    assert.deepEqual(await readMetricsExport(out, f), []);
  }
  await assert.rejects(
    exportMetrics(run, 'xlsx' as 'csv', join(t.root, 'x')),
    /format must be one of csv, json, parquet, got 'xlsx'/,
  );
  run.close();
  t.done();
});
