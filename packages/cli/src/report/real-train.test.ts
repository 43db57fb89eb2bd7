import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../run-cli.js';
import { loadRunData } from './run-cache.js';

const root = mkdtempSync(join(tmpdir(), 'smd-real-train-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('smd report on a real smd train run (tiny convstack, lr drop): table, predictions, HTML', async () => {
  const train = await runCli([
    'train',
    ...['--model', 'convstack', '--widths', '4,8', '--data', 'synthetic'],
    ...['--synthetic-size', '256', '--batch-size', '32', '--epochs', '40'],
    ...['--schedule', 'multistep:20:0.1', '--window', '50', '--backend', 'ts'],
    ...['--out', root, '--name', 'tiny', '--checkpoint-every', '1000'],
  ]);
  assert.equal(train.code, 0, train.stderr);
  const dir = join(
    root,
    readdirSync(root).find((n) => !n.startsWith('.'))!,
  );
  const d = loadRunData(dir);
  assert.equal(d.cursor, 319); // 40 epochs × 8 steps
  assert.deepEqual(
    {
      optimizer: d.config.optimizer,
      momentum: d.config.momentum,
      weightDecay: d.config.weightDecay,
      schedule: d.config.schedule,
      predictable: d.analysis.verdicts.predictable,
    },
    {
      optimizer: 'sgdm',
      momentum: 0.9,
      weightDecay: 5e-4,
      schedule: 'multistep:20:0.1',
      predictable: true,
    },
  );
  assert.ok(Math.abs(d.lr! - 0.01) < 1e-12, String(d.lr));
  assert.equal(d.windowSteps, 50);
  assert.deepEqual(d.layers, ['features.0.weight', 'features.3.weight']);
  for (const row of d.analysis.table) {
    // 160 steps after η ÷ 10: below the new Δ*, and within 2× of the per-layer mean-field
    // prediction driven by the measured L_t (a tiny, noisy run: loose on purpose).
    assert.equal(row.verdict, 'transient', row.summary);
    assert.ok(Math.abs(row.radialCos) < 1e-3, String(row.radialCos));
    assert.ok(row.deltaRms < 0.8 * row.deltaStar, row.summary);
    assert.ok(
      row.deltaPredicted > 0 && Math.abs(Math.log(row.deltaRms / row.deltaPredicted)) < Math.log(2),
      `${row.deltaRms} vs ${row.deltaPredicted}`,
    );
  }
  assert.ok(d.theory['t/features.0.weight/delta_mf'].x.length > 100);
  const out = join(root, 'r.html');
  const rep = await runCli(['report', dir, '--out', out]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(readFileSync(out, 'utf8'), /features\.3\.weight/);
});
