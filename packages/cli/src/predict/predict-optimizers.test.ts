// `smd predict --optimizer nesterov|adamw|lion|sgdp|adamp`: the same outputs as for SGD(M), from the
// recurrences of @smd/smd (docs/optimizers.md); values checked against the theory library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equilibriumDeltaLeading, optimizerDynamics } from '@smd/smd';
import { runCli } from '../run-cli.js';

interface JsonOut {
  input: Record<string, unknown>;
  phases: {
    lr: number;
    deltaStarRad: number;
    deltaStarPaperRad: number;
    normStar: number;
    timeConstantSteps: number;
    reaches: boolean;
    normDecaySteps: number | null;
  }[];
  drops: { factor: number }[];
}

async function json(args: string[]): Promise<JsonOut> {
  const r = await runCli(['predict', ...args, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonOut;
}

const rel = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a / b - 1) <= tol, `${what}: ${a} vs ${b}`);

test('adamw: Δ* (Kosson), ‖w*‖ = √(ηd/2λ), τ = 1/(2ηλ), rescale k^(−1/2) per phase', async () => {
  const out = await json([
    '--optimizer',
    'adamw',
    '--lr',
    '1e-3',
    '--wd',
    '0.1',
    '--schedule',
    'multistep:30:0.1',
    '--steps-per-epoch',
    '100',
    '--epochs',
    '60',
    '--dim',
    '576',
  ]);
  assert.equal(out.input.optimizer, 'adamw');
  assert.deepEqual(out.input.betas, [0.9, 0.999]);
  const [p1, p2] = out.phases;
  rel(p1.deltaStarPaperRad, Math.sqrt((2 * 1e-3 * 0.1 * 0.1) / 1.9), 1e-12, 'leading Δ*');
  rel(p1.deltaStarRad, p1.deltaStarPaperRad, 2e-3, 'exact ≈ leading');
  rel(p1.normStar, Math.sqrt((1e-3 * 576) / 0.2), 2e-3, '‖w*‖');
  rel(p1.timeConstantSteps, 1 / (2 * 1e-4), 1e-3, 'τ');
  assert.equal(p1.reaches, true);
  assert.equal(p2.reaches, false, 'η ÷ 10 with τ = 50,000 steps: 3,000 steps are too few');
  rel(p2.normDecaySteps!, Math.log(10) / (2 * 0.1 * 1e-4), 1e-12, 'pure decay ln k/(2λη)');
  rel(out.drops[0].factor, 10 ** -0.5, 1e-12, 'rescale factor');
});

test('lion and nesterov: Δ* from their recurrences; misplaced flags are usage errors', async () => {
  const lion = await json([
    '--optimizer',
    'lion',
    '--lr',
    '1e-4',
    '--wd',
    '1',
    '--betas',
    '0.95,0.98',
    '--steps',
    '1000',
  ]);
  rel(
    lion.phases[0].deltaStarPaperRad,
    equilibriumDeltaLeading({ optimizer: 'lion', lr: 1e-4, wd: 1, betas: [0.95, 0.98] }),
    1e-12,
    'lion leading Δ*',
  );
  const nest = await json([
    '--optimizer',
    'nesterov',
    '--lr',
    '0.1',
    '--wd',
    '5e-4',
    '--momentum',
    '0.9',
    '--steps',
    '1000',
  ]);
  const dyn = optimizerDynamics({ optimizer: 'nesterov', wd: 5e-4, momentum: 0.9 });
  rel(nest.phases[0].deltaStarRad, dyn.deltaStar(0.1), 1e-12, 'nesterov Δ*');
  rel(nest.phases[0].deltaStarRad / 0.0072548, 1.1585, 1e-3, '1.16× heavy ball');
  for (const [args, re] of [
    [
      ['--optimizer', 'lion', '--momentum', '0.9'],
      /--momentum applies to sgdm\/nesterov\/sgdp, not lion/,
    ],
    [
      ['--optimizer', 'sgdm', '--betas', '0.9,0.99', '--momentum', '0.9'],
      /--betas applies to adamw\/lion/,
    ],
    [['--optimizer', 'nesterov'], /nesterov needs --momentum > 0/],
    [['--optimizer', 'adam'], /--optimizer must be one of/],
    [['--optimizer', 'adamw', '--betas', '1,2'], /--betas must be two numbers in \[0, 1\)/],
  ] as [string[], RegExp][]) {
    const r = await runCli(['predict', '--lr', '0.1', '--wd', '1e-3', '--steps', '10', ...args]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, re);
  }
});

const ADAMP = { optimizer: 'adamp', wd: 1, wdRatio: 0.5, dim: 576 } as const;

test('sgdp and adamp: Δ* = arccos(1 − κ), τ, pure decay and rescale per phase; r only for them', async () => {
  const adamp = await json([
    '--optimizer',
    'adamp',
    '--lr',
    '5e-3',
    '--wd',
    '1',
    '--wd-ratio',
    '0.5',
    '--schedule',
    'multistep:1:0.1',
    '--steps-per-epoch',
    '1000',
    '--epochs',
    '2',
  ]);
  assert.deepEqual([adamp.input.wdRatio, adamp.input.betas], [0.5, [0.9, 0.999]]);
  const [p1, p2] = adamp.phases;
  rel(p1.deltaStarRad, Math.acos(1 - 2.5e-3), 1e-9, 'adamp Δ*');
  rel(p1.deltaStarPaperRad, Math.sqrt(5e-3), 1e-12, '√(2κ)');
  rel(p1.timeConstantSteps, -1 / (2 * Math.log(1 - 2.5e-3)), 1e-12, 'adamp τ');
  rel(p1.normStar, Math.sqrt(optimizerDynamics(ADAMP).normStarSq(5e-3)), 1e-12, '‖w*‖');
  rel(p2.normDecaySteps!, Math.log(10) / (2 * 2.5e-4), 1e-12, 'ln k/(2κ_new)');
  rel(adamp.drops[0].factor, 10 ** -0.5, 1e-12, 'adamp rescale k^(−1/2)');
  const sgdp = await json([
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
  assert.equal(sgdp.input.momentum, 0.9, 'sgdp momentum defaults to 0.9 as in smd train');
  rel(sgdp.phases[0].deltaStarRad, Math.acos(1 - 2.5e-3), 1e-9, 'sgdp Δ*');
  rel(sgdp.phases[1].normDecaySteps!, Math.log(10) / (4 * 2.5e-4), 1e-12, 'ln k/(4κ_new)');
  rel(sgdp.drops[0].factor, 10 ** -0.25, 1e-12, 'sgdp rescale k^(−1/4)');
  // τ_new ≈ 1/(4κ) = 1,000 steps: 2,000 steps after the drop are not enough without rescaling
  assert.equal(sgdp.phases[1].reaches, false);
  const r = await runCli([
    'predict',
    '--lr',
    '0.1',
    '--wd',
    '1e-3',
    '--steps',
    '10',
    '--wd-ratio',
    '1',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--wd-ratio applies to sgdp\/adamp, not sgd/);
});
