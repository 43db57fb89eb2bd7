import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../run-cli.js';

test('smd advise solves η for the paper’s Δ*, λ for a time constant, and reports drops (hand-computed)', async () => {
  // SGDM: Δ* = arccos(1 − ηλ/(1+α)) = 0.0032444 at λ = 1e-4 → η = 0.1 (smd-theory.md §3)
  const a = await runCli([
    'advise',
    '--optimizer',
    'sgdm',
    '--wd',
    '1e-4',
    '--target-delta',
    '0.0032444',
    '--format',
    'json',
  ]);
  assert.equal(a.code, 0, a.stderr);
  const j = JSON.parse(a.stdout) as {
    lr: number;
    solved: string;
    warmupSteps: number;
    timeConstantSteps: number;
  };
  assert.equal(j.solved, 'lr');
  assert.ok(Math.abs(j.lr / 0.1 - 1) < 1e-4, String(j.lr));
  assert.equal(j.warmupSteps, Math.ceil(j.timeConstantSteps * Math.log(20)));
  // AdamW τ = 500 steps at η = 1e-3: ηλ = 1 − e^{−1/1000} → λ = 0.9995
  const b = await runCli([
    'advise',
    '--optimizer',
    'adamw',
    '--lr',
    '1e-3',
    '--target-tau',
    '500',
    '--format',
    'json',
  ]);
  const k = JSON.parse(b.stdout) as { wd: number };
  assert.ok(Math.abs(k.wd - (1 - Math.exp(-1e-3)) / 1e-3) < 1e-6, String(k.wd));
  // table: SGDM η 0.1 → 0.01 at epoch 30 of 60 (100 steps/epoch): pure decay 11,513 steps, next drop first
  const c = await runCli([
    'advise',
    '--optimizer',
    'sgdm',
    '--lr',
    '0.1',
    '--wd',
    '5e-4',
    '--schedule',
    'multistep:30:0.1',
    '--steps-per-epoch',
    '100',
    '--epochs',
    '60',
    '--batch-k',
    '4',
  ]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /drop at step 3,000: η ÷ 10 → 0\.01/);
  assert.match(
    c.stdout,
    /pure decay bound 11,513\), 3,000 steps until the next drop\/end: the next drop comes FIRST/,
  );
  assert.match(c.stdout, /multiply the scale-invariant weights by 0\.56234/);
  assert.match(c.stdout, /batch size × 4 with η → 4η: Δ\* × 2 /);
});

test('smd advise for SGDP/AdamP: κ = ηλr/(1−α) inverted, τ, pure decay and rescale (hand-computed)', async () => {
  const json = async (args: string[]): Promise<Record<string, number | string>> => {
    const r = await runCli(['advise', ...args, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, number | string>;
  };
  // SGDP α 0.9, r 1: Δ* = arccos(1 − κ) = 0.05 → ηλ = (1 − cos 0.05)·0.1 → λ = 2.49948e-3 at η 0.05
  const s = await json([
    '--optimizer',
    'sgdp',
    '--lr',
    '0.05',
    '--wd-ratio',
    '1',
    '--target-delta',
    '0.05',
  ]);
  assert.equal(s.solved, 'wd');
  assert.ok(Math.abs((s.wd as number) / 2.49948e-3 - 1) < 1e-5, String(s.wd));
  // AdamP r 0.5: τ = −1/(2 ln(1 − ηλr)) = 200 → λ = (1 − e^{−1/400})/(0.5·5e-3) = 0.998751
  const a = await json([
    '--optimizer',
    'adamp',
    '--lr',
    '5e-3',
    '--wd-ratio',
    '0.5',
    '--target-tau',
    '200',
  ]);
  assert.ok(Math.abs((a.wd as number) - (1 - Math.exp(-1 / 400)) / 2.5e-3) < 1e-9, String(a.wd));
  assert.ok(Math.abs((a.deltaStarRad as number) - Math.acos(1 - 0.0024969)) < 1e-6);
  // SGDP η 0.05 → 0.005 at step 1000, λ 5e-3, r 1: κ_new = 2.5e-4, pure decay ln 10/(4κ) = 2,303
  const t = await runCli([
    'advise',
    '--optimizer',
    'sgdp',
    '--lr',
    '0.05',
    '--wd',
    '5e-3',
    '--wd-ratio',
    '1',
    '--schedule',
    'multistep:1:0.1',
    '--steps-per-epoch',
    '1000',
    '--epochs',
    '3',
  ]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /sgdp α = 0\.9 r = 1 \(decay ηλr\/\(1−α\) per step/);
  assert.match(t.stdout, /Δ\* 0\.07073 → 0\.02236 rad/);
  assert.match(t.stdout, /pure decay bound 2,303\), 2,000 steps until the next drop\/end/);
  assert.match(t.stdout, /multiply the scale-invariant weights by 0\.56234/);
});

test('smd advise usage errors: one line, exit 2', async () => {
  for (const [args, re] of [
    [['--optimizer', 'sgd', '--lr', '0.1'], /give --lr and --wd, or one of them/],
    [
      ['--optimizer', 'sgd', '--lr', '0.1', '--wd', '1e-4', '--target-delta', '0.01'],
      /exactly one of --lr and --wd/,
    ],
    [['--lr', '0.1', '--wd', '1e-4'], /--optimizer is required/],
    [
      ['--optimizer', 'adamw', '--momentum', '0.9', '--lr', '1', '--wd', '1'],
      /--momentum applies to sgdm\/nesterov/,
    ],
    [
      ['--optimizer', 'sgd', '--wd', '1e-4', '--target-delta', '0.01', '--target-tau', '10'],
      /not both/,
    ],
    [
      ['--optimizer', 'sgd', '--wd', '1e-4', '--target-tau', '0.5'],
      /--target-tau must be a number/,
    ],
    [
      ['--optimizer', 'sgd', '--lr', '0.1', '--target-tau', '1'],
      /no ηλ in \[1e-12, 0\.5\] gives τ = 1/,
    ],
    [
      ['--optimizer', 'sgdm', '--lr', '1', '--wd', '1', '--wd-ratio', '0.5'],
      /applies to sgdp\/adamp/,
    ],
    [['--optimizer', 'adamp', '--lr', '1', '--wd', '1', '--momentum', '0.9'], /--momentum applies/],
  ] as [string[], RegExp][]) {
    const r = await runCli(['advise', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
