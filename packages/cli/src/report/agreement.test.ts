// One analysis behind every view: on the same finished run, `smd train`'s summary, `smd report`'s
// run data and the dashboard's JSON show the same per-layer numbers, to the printed digit.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sig } from '../format/numbers.js';
import { startDashboard } from '../serve/server.js';
import { TINY, analyzedData, tempDir, train } from '@smd/test-support/cli';
import { loadRunData } from './run-cache.js';
import type { AnalyzedRunData } from '@smd/web';

const cwd = tempDir('smd-agree-');
after(() => rmSync(cwd, { recursive: true, force: true }));

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

test('summary, report and dashboard agree to the digit on the same run', async () => {
  const r = await train([...TINY, '--epochs', '4', '--schedule', 'multistep:2:0.1'], cwd);
  assert.equal(r.code, 0, r.stderr);
  const root = join(cwd, 'runs');
  const id = readdirSync(root).find((n) => !n.startsWith('.'))!;
  const report = loadRunData(join(root, id));
  const dash = await startDashboard({ root, host: '127.0.0.1', port: 0 });
  let served: AnalyzedRunData;
  try {
    served = await analyzedData<AnalyzedRunData>(dash.url, id);
  } finally {
    await dash.close();
  }
  assert.equal(report.analysis.mode, 'offline');
  assert.equal(served.analysis.mode, 'offline');
  const layers = report.analysis.table.filter((x) => x.scaleInvariant);
  assert.deepEqual(
    layers.map((x) => x.param),
    ['features.0.weight', 'features.3.weight'],
  );
  for (const row of layers) {
    const line = r.stdout.split('\n').find((l) => l.startsWith(row.param + ' '))!;
    const cells = line.trim().split(/\s+/);
    const s = served.analysis.table.find((x) => x.param === row.param)!;
    const want = [
      sig(row.deltaRms, 4),
      sig(row.deltaStar, 4),
      sig(row.deltaPredicted, 4),
      pct(row.starError),
      pct(row.predictedError),
      sig(row.norm, 4),
      sig(row.wStar, 4),
    ];
    assert.deepEqual(cells.slice(1, 8), want, line);
    const fromDash = [
      sig(s.deltaRms, 4),
      sig(s.deltaStar, 4),
      sig(s.deltaPredicted, 4),
      pct(s.starError),
      pct(s.predictedError),
      sig(s.norm, 4),
      sig(s.wStar, 4),
    ];
    assert.deepEqual(fromDash, want, row.param);
    assert.equal(s.verdict, row.verdict);
    assert.equal(cells[9], row.verdict);
  }
  const v = report.analysis.verdicts;
  assert.match(
    r.stdout,
    new RegExp(`explains ${pct(v.explainedSpread).replace('.', '\\.')} of the spread`),
  );
  assert.equal(
    served.analysis.verdicts.explainedSpread.toPrecision(4),
    v.explainedSpread.toPrecision(4),
  );
});
