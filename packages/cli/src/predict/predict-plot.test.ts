import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../run-cli.js';

const ARGS = [
  'predict',
  '--lr',
  '0.1',
  '--wd',
  '1e-4',
  '--momentum',
  '0.9',
  '--schedule',
  'multistep:30,60,80:0.1',
  '--steps-per-epoch',
  '5005',
  '--epochs',
  '90',
];

test('--plot out.svg writes a two-panel SVG with the series, dashed Δ* levels and drop markers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smd-plot-'));
  const r = await runCli([...ARGS, '--plot', 'out.svg', '--format', 'json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'smd predict: wrote out.svg\n');
  JSON.parse(r.stdout); // stdout stays pure JSON
  const svg = readFileSync(join(dir, 'out.svg'), 'utf8');
  assert.match(svg, /^<svg/);
  for (const text of [
    'Δ_t predicted (no rescaling)',
    '‖w_t‖ predicted (no rescaling)',
    'Δ* of the phase (equilibrium)',
    '‖w*‖ of the phase (equilibrium)',
    'angular update Δ_t (rad, log scale)',
    'optimizer step t',
    'epoch',
    'η ÷ 10',
    'NOT reached in phases 3–4',
  ]) {
    assert.ok(svg.includes(text), `missing ${text}`);
  }
  // 4 phases × 2 panels of dashed levels, plus legend symbols.
  const dashed = svg.match(/stroke-dasharray="7,4"/g) ?? [];
  assert.ok(dashed.length >= 8, String(dashed.length));
  // Down-sampled: the two series together have at most ~4000 vertices, not 900k.
  const vertices = (svg.match(/L-?\d/g) ?? []).length;
  assert.ok(vertices > 500 && vertices < 6000, String(vertices));
});

test('--plot out.png writes a PNG of a readable size; --rescale shows in the title', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smd-plot-'));
  const r = await runCli([...ARGS, '--rescale', '--plot', 'out.png'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const png = readFileSync(join(dir, 'out.png'));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  assert.ok(width >= 1600 && width <= 4000, `${width}x${height}`);
  assert.ok(height >= 1000 && height <= 3000, `${width}x${height}`);
  const bad = await runCli([...ARGS, '--plot', join(dir, 'no-such-dir', 'x.svg')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^smd predict: cannot write --plot file ".*x\.svg": ENOENT\n$/);
});
