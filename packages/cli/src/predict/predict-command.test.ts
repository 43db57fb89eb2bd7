import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../run-cli.js';
import { PREDICT_CSV_COLUMNS } from './predict-data.js';

// The paper's ResNet-50/ImageNet setting (docs/smd-theory.md §3).
const IMAGENET = [
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

interface JsonPhase {
  index: number;
  startStep: number;
  endStep: number;
  lr: number;
  deltaStarRad: number;
  deltaStarPaperRad: number;
  normStar: number;
  timeConstantSteps: number;
  reaches: boolean;
  stepsToWithin: number | null;
  deltaEndPct: number;
  withoutRescale: { reaches: boolean; stepsToWithin: number | null };
  withRescale: { reaches: boolean; stepsToWithin: number | null };
}

async function predictJson(
  args: string[],
  cwd?: string,
): Promise<{ phases: JsonPhase[]; [k: string]: unknown }> {
  const r = await runCli(['predict', ...args, '--format', 'json'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('acceptance: ImageNet schedule, table output', async () => {
  const r = await runCli(['predict', ...IMAGENET]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const rows = r.stdout.split('\n').filter((l) => /^\s+[1-4]\s{2}/.test(l));
  assert.equal(rows.length, 4, r.stdout);
  assert.match(rows[0], /0\.0032444/);
  assert.match(rows[0], /yes, from the start/);
  assert.match(rows[1], /0\.001026\b/);
  assert.match(rows[1], /yes, after 110,547 steps/);
  assert.match(rows[2], /NO: needs 1,111,696 steps/);
  assert.match(rows[3], /NO: needs > 10,000,000 steps/);
  // Definition of "reaches" and one rescaling line per drop.
  assert.match(r.stdout, /reaches equilibrium when Δ_t enters the band Δ\*·\(1 ± 5%\)/);
  assert.equal(r.stdout.match(/with --rescale at every drop: w × 0\.5623/g)?.length, 3);
  assert.match(r.stdout, /phase 3 does NOT reach it \(ends at 37\.3% of Δ\*\)/);
  assert.match(r.stdout, /ok {3}λη ≪ 1/);
});

test('acceptance: ImageNet values in JSON, with and without --rescale', async () => {
  const plain = await predictJson(IMAGENET);
  const ph = plain.phases;
  assert.equal(ph.length, 4);
  assert.deepEqual(
    ph.map((p) => [p.startStep, p.endStep]),
    [
      [0, 150150],
      [150150, 300300],
      [300300, 400400],
      [400400, 450450],
    ],
  );
  assert.ok(Math.abs(ph[0].deltaStarRad - 0.0032444) < 5e-8, String(ph[0].deltaStarRad));
  assert.ok(Math.abs(ph[0].deltaStarPaperRad - 0.0032444) < 5e-8);
  // Δ* ∝ √η: each ÷10 divides it by √10.
  for (let i = 1; i < 4; i++) {
    assert.ok(Math.abs(ph[i - 1].deltaStarRad / ph[i].deltaStarRad - Math.sqrt(10)) < 1e-4);
  }
  // ‖w*‖⁴ = Lη/(λ(1−α)(2 − λη/(1+α))) with L = 1.
  const w4 = 0.1 / (1e-4 * 0.1 * (2 - 1e-5 / 1.9));
  assert.ok(Math.abs(ph[0].normStar - Math.pow(w4, 0.25)) < 1e-9);
  // τ ≈ (1−α)/(4λη) = 2500 steps in phase 1, ×10 per drop.
  assert.ok(Math.abs(ph[0].timeConstantSteps / 2500 - 1) < 0.01, String(ph[0].timeConstantSteps));
  assert.deepEqual(
    ph.map((p) => p.reaches),
    [true, true, false, false],
  );
  // Phase 2 needs more than pure norm decay's ln(10)(1−α)/(4λη_new) ≈ 57.6k steps.
  assert.ok(ph[1].stepsToWithin! > 57_565 && ph[1].stepsToWithin! < 150_150);
  assert.ok(ph[2].deltaEndPct > 30 && ph[2].deltaEndPct < 45, String(ph[2].deltaEndPct));

  const res = await predictJson([...IMAGENET, '--rescale']);
  assert.deepEqual(
    res.phases.map((p) => p.reaches),
    [true, true, true, true],
  );
  for (const p of res.phases.slice(1)) {
    assert.ok(p.stepsToWithin! < 100, `rescaled phase ${p.index}: ${p.stepsToWithin}`);
    assert.equal(p.withoutRescale.reaches, plain.phases[p.index - 1].reaches);
  }
  // Without --rescale the comparison columns carry the rescaled outcome.
  assert.deepEqual(
    plain.phases.map((p) => p.withRescale.reaches),
    [true, true, true, true],
  );
});

test('--rescale table says every phase reaches', async () => {
  const r = await runCli(['predict', ...IMAGENET, '--rescale']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^\s+[1-4]\s{2}/.test(l));
  assert.equal(rows.length, 4);
  assert.ok(
    rows.every((l) => / yes, /.test(l)),
    rows.join('\n'),
  );
  assert.match(r.stdout, /rescaling trick: ON/);
});

test('csv output parses and matches json', async () => {
  const r = await runCli(['predict', ...IMAGENET, '--format', 'csv']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 5);
  assert.deepEqual(lines[0].split(','), [...PREDICT_CSV_COLUMNS]);
  const col = (name: string): number => lines[0].split(',').indexOf(name);
  const rows = lines.slice(1).map((l) => l.split(','));
  assert.ok(rows.every((cells) => cells.length === PREDICT_CSV_COLUMNS.length));
  assert.ok(Math.abs(Number(rows[0][col('delta_star_rad')]) - 0.0032444) < 5e-8);
  assert.deepEqual(
    rows.map((c) => c[col('reaches')]),
    ['true', 'true', 'false', 'false'],
  );
  assert.deepEqual(
    rows.map((c) => c[col('reaches_rescale')]),
    ['true', 'true', 'true', 'true'],
  );
  assert.equal(rows[1][col('steps_to_within')], '110547');
  assert.equal(rows[2][col('steps_to_within')], '');
  assert.equal(Number(rows[3][col('lr')]).toPrecision(3), '0.000100');
});

test('YAML and JSON config files give the same output as flags; flags override', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smd-predict-'));
  writeFileSync(
    join(dir, 'run.yaml'),
    'lr: 0.1\nwd: 1.0e-4\nmomentum: 0.9\nschedule: "multistep:30,60,80:0.1"\nstepsPerEpoch: 100\nepochs: 90\n',
  );
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      lr: 0.1,
      wd: '1e-4',
      momentum: 0.9,
      schedule: 'multistep:30,60,80:0.1',
      'steps-per-epoch': 100,
      epochs: 90,
    }),
  );
  // Schedule as a mapping (schedule JSON, milestones in steps).
  writeFileSync(
    join(dir, 'mapping.yaml'),
    'lr: 0.1\nwd: 1e-4\nmomentum: 0.9\nsteps_per_epoch: 100\nepochs: 90\n' +
      'schedule:\n  kind: multistep\n  milestones: [3000, 6000, 8000]\n  gamma: 0.1\n',
  );
  const small = IMAGENET.map((a) => (a === '5005' ? '100' : a));
  const flags = await runCli(['predict', ...small, '--format', 'csv']);
  assert.equal(flags.code, 0, flags.stderr);
  assert.equal(flags.stdout.trim().split('\n').length, 5);
  const mapping = await runCli(['predict', 'mapping.yaml', '--format', 'csv'], { cwd: dir });
  assert.equal(mapping.code, 0, mapping.stderr);
  assert.equal(mapping.stdout, flags.stdout);
  const yaml = await runCli(['predict', 'run.yaml', '--format', 'csv'], { cwd: dir });
  const json = await runCli(['predict', join(dir, 'run.json'), '--format', 'csv']);
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(yaml.stdout, flags.stdout);
  assert.equal(json.stdout, flags.stdout);
  // A flag overrides the file's value.
  const over = JSON.parse(
    (
      await runCli(['predict', 'run.yaml', '--wd', '5e-4', '--format', 'json', '--epochs', '31'], {
        cwd: dir,
      })
    ).stdout,
  );
  assert.equal(over.input.wd, 5e-4);
  assert.equal(over.input.totalSteps, 31 * 100);
  assert.equal(over.phases.length, 2);
});

test('bad input: one line naming the field, exit code 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smd-predict-bad-'));
  writeFileSync(join(dir, 'extra.yaml'), 'lr: 0.1\nwd: 1e-4\nepochs: 3\nbatch: 128\n');
  writeFileSync(join(dir, 'badval.yaml'), 'lr: 0.1\nwd: fast\nepochs: 3\n');
  writeFileSync(join(dir, 'broken.json'), '{"lr": 0.1,');
  writeFileSync(join(dir, 'list.yaml'), '- 1\n- 2\n');
  const base = ['--lr', '0.1', '--wd', '1e-4', '--epochs', '3'];
  const cases: [string[], RegExp][] = [
    [
      ['--lr', '0.1', '--wd', 'abc', '--epochs', '3'],
      /^smd predict: --wd must be a number > 0 \(got "abc"\)$/,
    ],
    [
      ['--lr', '-1', '--wd', '1e-4', '--epochs', '3'],
      /^smd predict: --lr must be a number > 0 \(got "-1"\)$/,
    ],
    [
      [...base, '--momentum', '1'],
      /^smd predict: --momentum must be a number in \[0, 1\) \(got "1"\)$/,
    ],
    [
      [...base, '--steps-per-epoch', '2.5'],
      /--steps-per-epoch must be an integer >= 1 \(got "2.5"\)/,
    ],
    [[...base, '--format', 'xml'], /--format must be one of table\|json\|csv \(got "xml"\)/],
    [[...base, '--plot', 'out.pdf'], /--plot must be a file name ending in \.svg or \.png/],
    [
      [...base, '--schedule', 'multistep:30,20:0.1'],
      /^smd predict: --schedule: schedule "multistep:30,20:0.1": milestones must increase/,
    ],
    [[...base, '--bogus', '1'], /^smd predict: unknown option --bogus \(see smd predict --help\)$/],
    [[...base, '--lr'], /^smd predict: --lr needs a value/],
    [[...base, '--rescale=yes'], /^smd predict: --rescale takes no value/],
    [['a.yaml', 'b.yaml'], /expected at most one config file, got 2/],
    [['--wd', '1e-4', '--epochs', '3'], /^smd predict: --lr is required/],
    [['--lr', '0.1', '--wd', '1e-4'], /--epochs or --steps is required/],
    [[...base, '--steps', '10'], /give --epochs or --steps, not both/],
    [
      ['--lr', '0.1', '--wd', '1e-4', '--steps', '20000000'],
      /^smd predict: training length must be at most 10000000 steps \(got 20000000\)$/,
    ],
    [['extra.yaml'], /^smd predict: unknown field "batch" in config file "extra.yaml"/],
    [['badval.yaml'], /^smd predict: "wd" in badval\.yaml must be a number > 0 \(got "fast"\)$/],
    [['broken.json'], /^smd predict: config file "broken.json" is not valid JSON/],
    [['list.yaml'], /must hold a mapping/],
    [['missing.yaml'], /^smd predict: cannot read config file "missing.yaml": no such file$/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(['predict', ...args], { cwd: dir });
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
  }
});

test('help, unknown subcommand, no subcommand', async () => {
  const h = await runCli(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Usage: smd <command>/);
  assert.match(h.stdout, /predict/);
  const ph = await runCli(['predict', '--help']);
  assert.equal(ph.code, 0);
  assert.match(ph.stdout, /Usage: smd predict/);
  assert.match(ph.stdout, /--rescale/);
  const u = await runCli(['frobnicate']);
  assert.equal(u.code, 2);
  assert.equal(
    u.stderr,
    'smd: unknown command "frobnicate" (commands: predict, advise, train, runs, export, doctor, report, serve, explore, reproduce, analyze; see smd --help)\n',
  );
  const none = await runCli([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: smd/);
});

test('plain SGD, --steps without epochs, --w0 and a warmup schedule', async () => {
  const sgd = await predictJson(['--lr', '0.2', '--wd', '1e-4', '--steps', '20000']);
  assert.ok(Math.abs(sgd.phases[0].deltaStarRad - 0.0063246) < 5e-8);
  assert.equal(sgd.phases[0].reaches, true);
  // Starting far from equilibrium: phase 1 needs time; SGD's ‖w‖² relaxes at rate 4λη per step.
  // τ = −1/ln(1 − 4λη + 2λ²η²) ≈ 12,500 steps here, so 20k steps are not enough from ‖w_0‖ = 30.
  assert.ok(Math.abs(sgd.phases[0].timeConstantSteps / 12_500 - 1) < 1e-3);
  const far = await predictJson(['--lr', '0.2', '--wd', '1e-4', '--steps', '20000', '--w0', '30']);
  assert.equal(far.phases[0].reaches, false);
  const longer = await predictJson([
    '--lr',
    '0.2',
    '--wd',
    '1e-4',
    '--steps',
    '200000',
    '--w0',
    '30',
  ]);
  assert.equal(longer.phases[0].reaches, true);
  assert.equal(
    longer.phases[0].stepsToWithin,
    (far.phases[0] as unknown as { stepsNeeded: number }).stepsNeeded,
  );
  const warm = await predictJson([
    '--lr',
    '0.1',
    '--wd',
    '5e-4',
    '--momentum',
    '0.9',
    '--schedule',
    'warmup:1:multistep:3:0.1',
    '--steps-per-epoch',
    '1000',
    '--epochs',
    '6',
  ]);
  // Warmup makes phase 1 vary: cut into pieces of ≤ 10% of the run (600 steps), then the drop.
  assert.match(String(warm.continuousReason), /warmup/);
  assert.deepEqual(
    warm.phases.map((p) => [p.startStep, p.endStep]),
    [
      [0, 600],
      [600, 1200],
      [1200, 1800],
      [1800, 2400],
      [2400, 3000],
      [3000, 6000],
    ],
  );
  assert.equal(warm.phases[4].lr, 0.1);
  assert.ok(Math.abs(warm.phases[5].lr - 0.01) < 1e-15);
  assert.equal((warm.phases[5] as unknown as { dropRatio: number }).dropRatio, 10);
  // Cosine to 0: Δ_t tracks Δ*(η_t) early, then lags behind the vanishing equilibrium.
  const cos = await predictJson([
    '--lr',
    '0.1',
    '--wd',
    '5e-4',
    '--momentum',
    '0.9',
    '--schedule',
    'cosine',
    '--steps-per-epoch',
    '391',
    '--epochs',
    '200',
  ]);
  assert.equal(cos.phases.length, 10);
  assert.equal(cos.phases[0].reaches, true);
  assert.equal(cos.phases[9].reaches, false);
  assert.ok(cos.phases[8].deltaEndPct < 95);
});
