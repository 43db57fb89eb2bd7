// `smd predict --optimizer nesterov|adamw|lion`: the same outputs as for SGD(M), from the
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
      /--momentum applies to sgdm\/nesterov, not lion/,
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
