// Run folders written before the typed run config open unchanged (migrated on read); a config
// field that cannot be read is one line naming the file and the field, exit 2.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../run-cli.js';
import { trainConfigFromManifest } from '../train/train-options.js';
import { writeFixtureRun } from '@smd/test-support/cli';
import { loadRunData } from './run-cache.js';

const root = mkdtempSync(join(tmpdir(), 'smd-old-runs-'));
after(() => rmSync(root, { recursive: true, force: true }));

function setConfig(dir: string, config: Record<string, unknown>): void {
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8')) as { config: unknown };
  m.config = config;
  writeFileSync(path, JSON.stringify(m));
}

test('an smd train folder from before the typed config (wd, window) opens; a bad field errors clearly', async () => {
  const dir = await writeFixtureRun({ root, name: 'old', steps: 600, milestones: [300], seed: 2 });
  // what smd train wrote before: flat optimizer fields, `wd` and `window`
  const legacy = {
    model: 'resnet',
    widths: [16, 32, 64],
    optimizer: 'sgdm',
    lr: 0.1,
    momentum: 0.9,
    wd: 5e-4,
    nesterov: false,
    schedule: 'multistep:1:0.1',
    epochs: 2,
    window: 100,
    probeEvery: 1,
    rescale: false,
  };
  setConfig(dir, legacy);
  const d = loadRunData(dir);
  assert.equal(d.config.weightDecay, 5e-4);
  assert.equal(d.config.windowSteps, 100);
  assert.equal(d.windowSteps, 100);
  assert.equal(d.analysis.table[0].to - d.analysis.table[0].from + 1, 100);
  // resume reads the same folder through the train validation
  const cfg = trainConfigFromManifest(legacy, 'runs/old/manifest.json');
  assert.equal(cfg.weightDecay, 5e-4);
  assert.equal(cfg.windowSteps, 100);
  assert.deepEqual(cfg.widths, [16, 32, 64]);
  assert.throws(
    () => trainConfigFromManifest({ ...legacy, wd: 'lots' }, 'runs/old/manifest.json'),
    /^UsageError: smd train --resume: runs\/old\/manifest\.json: config\.wd must be a number >= 0 \(got "lots"\)$/,
  );

  setConfig(dir, { ...legacy, momentum: 'x' });
  const r = await runCli(['report', dir, '--out', join(root, 'r.html')]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `smd report: ${join(dir, 'manifest.json')}: config field 'momentum' must be a number in [0, 1), got "x"\n`,
  );
});
