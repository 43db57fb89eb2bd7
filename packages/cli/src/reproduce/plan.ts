/**
 * The reproduction plan: which training runs each figure needs (paper setting → CPU scale), as
 * validated TrainConfigs. Runs shared by several figures (fig3 = fig4's seed 0) appear once,
 * identified by `configKey` — the fields that change a number — which is also how a finished or
 * interrupted run of an earlier invocation is found again.
 */
import { parseTrainArgs, type TrainConfig } from '../train/train-options.js';

/** What `smd reproduce` can reproduce (closed set). */
export type FigureId = 'fig2' | 'fig3' | 'fig4' | 'scaling';
export const FIGURE_IDS: readonly FigureId[] = ['fig2', 'fig3', 'fig4', 'scaling'];

/** Fig. 3/4 variants. */
export type Variant = 'sgdm' | 'sgdm-rescale' | 'adam';

/** What a run is used for (one run may have several uses). */
export type RunUse =
  | { figure: 'fig2'; optimizer: 'sgd' | 'sgdm' }
  | { figure: 'fig3' | 'fig4'; variant: Variant; seed: number }
  | { figure: 'scaling'; k: number };

/** One run of the plan. */
export interface PlannedRun {
  /** Run name, e.g. "fig4-sgdm-rescale-s1" (the first use's). */
  name: string;
  key: string;
  uses: RunUse[];
  config: TrainConfig;
  /** `smd train` argv that creates it */
  argv: string[];
}

/**
 * The settings, one place (docs/reproduction.md explains each choice). Lengths in epochs of the
 * dataset; Fashion-MNIST has 468 steps per epoch at batch 128.
 *
 * fig2: λη = 1e-3, so SGD's time constant 1/(2λη) is 500 steps and SGDM's (1−α)/(2λη) 50:
 *   4.5 epochs (2106 steps) give SGD 4.2 of its own and SGDM 42 (the paper: η = 0.2, λ = 1e-4,
 *   i.e. 25,000 steps for SGD, far beyond a CPU budget).
 * fig3/fig4: SGDM η = 0.1 ÷ 10 at ½ and ¾ of the run, λ = 1e-3 (τ = 500 steps): stage 1 is
 *   936 steps (1.9τ), and Corollary 3.1 asks ⌈ln 10·(1−α)/(2λη)⌉ = 1152 steps after the first
 *   drop, more than stages 2 and 3 have (468 steps each) — the paper's situation.
 * scaling: SGDM η = 0.05·k, λ = 2e-3, batch 128·k, k = 1, 2, 4, 3.5 epochs each (τ = 500/k steps,
 *   i.e. the same number of images for every k; 3.5 epochs are 3.3τ, the ≥ 3 the verdicts ask).
 */
export const SETTINGS = {
  widths: '16,32,64',
  batchSize: 128,
  window: 200,
  fig2: { lr: 0.2, wd: 5e-3, momentum: 0.9, layer: 'layer2.0.conv2.weight', epochs: 4.5 },
  fig3: {
    lr: 0.1,
    wd: 1e-3,
    momentum: 0.9,
    drops: [0.5, 0.75] as const,
    gamma: 0.1,
    epochs: 4,
    layer: 'layer2.0.conv2.weight',
    /** test evaluations every quarter epoch of Fashion-MNIST (fig. 4's accuracy curve) */
    evalEvery: 117,
  },
  fig4: { adamLr: 1e-3, adamWd: 1e-3, layer: 'layer1.0.conv1.weight' },
  scaling: { lr: 0.05, wd: 2e-3, momentum: 0.9, ks: [1, 2, 4] as const, epochs: 3.5 },
  /** --quick: the same settings, runs this much shorter (labelled "quick" everywhere). */
  quickFactor: 1 / 6,
} as const;

/** Inputs of buildPlan. */
export interface PlanOptions {
  targets: readonly FigureId[];
  quick: boolean;
  /** seeds of fig. 4 (fig. 3 uses seed 0) */
  seeds: number;
  /** --data as train takes it: fashion-mnist, synthetic, or an absolute folder */
  data: string;
  /** runs root (absolute) */
  runsDir: string;
  /** train's --backend */
  backend: string;
  cwd: string;
}

/** Short decimal text for a flag value (0.1 → "0.1", 1/6·4.5 → "0.75"). */
function num(v: number): string {
  return String(Number(v.toPrecision(6)));
}

function schedule3(epochs: number): string {
  const f = SETTINGS.fig3;
  return `multistep:${f.drops.map((d) => num(d * epochs)).join(',')}:${f.gamma}`;
}

/** Flags of one run (before `--out`, `--data`, `--backend`, which every run shares). */
function runFlags(use: RunUse, quick: boolean): Record<string, string | true> {
  const S = SETTINGS;
  const q = (e: number): string => num(quick ? e * S.quickFactor : e);
  const common = { widths: S.widths, 'batch-size': String(S.batchSize), window: String(S.window) };
  switch (use.figure) {
    case 'fig2':
      return {
        ...common,
        optimizer: use.optimizer,
        lr: num(S.fig2.lr),
        wd: num(S.fig2.wd),
        momentum: use.optimizer === 'sgd' ? '0' : num(S.fig2.momentum),
        epochs: q(S.fig2.epochs),
        seed: '0',
      };
    case 'fig3':
    case 'fig4': {
      const epochs = quick ? S.fig3.epochs * S.quickFactor : S.fig3.epochs;
      const base = {
        ...common,
        epochs: num(epochs),
        schedule: schedule3(epochs),
        seed: String(use.seed),
        'eval-every': String(S.fig3.evalEvery),
      };
      if (use.variant === 'adam') {
        return { ...base, optimizer: 'adam', lr: num(S.fig4.adamLr), wd: num(S.fig4.adamWd) };
      }
      const sgdm = {
        ...base,
        optimizer: 'sgdm',
        lr: num(S.fig3.lr),
        wd: num(S.fig3.wd),
        momentum: num(S.fig3.momentum),
      };
      return use.variant === 'sgdm-rescale' ? { ...sgdm, rescale: true } : sgdm;
    }
    case 'scaling':
      return {
        ...common,
        optimizer: 'sgdm',
        lr: num(S.scaling.lr * use.k),
        wd: num(S.scaling.wd),
        momentum: num(S.scaling.momentum),
        'batch-size': String(S.batchSize * use.k),
        epochs: q(S.scaling.epochs),
        seed: '0',
      };
  }
}

function useName(use: RunUse): string {
  switch (use.figure) {
    case 'fig2':
      return `fig2-${use.optimizer}`;
    case 'fig3':
    case 'fig4':
      return `${use.figure}-${use.variant}-s${use.seed}`;
    case 'scaling':
      return `scaling-k${use.k}`;
  }
}

/** The uses each target needs, in plan order. */
export function targetUses(target: FigureId, seeds: number): RunUse[] {
  switch (target) {
    case 'fig2':
      return [
        { figure: 'fig2', optimizer: 'sgd' },
        { figure: 'fig2', optimizer: 'sgdm' },
      ];
    case 'fig3':
      return [
        { figure: 'fig3', variant: 'sgdm', seed: 0 },
        { figure: 'fig3', variant: 'sgdm-rescale', seed: 0 },
      ];
    case 'fig4': {
      const out: RunUse[] = [];
      for (let s = 0; s < seeds; s++) {
        for (const variant of ['sgdm', 'sgdm-rescale', 'adam'] as const) {
          out.push({ figure: 'fig4', variant, seed: s });
        }
      }
      return out;
    }
    case 'scaling':
      return SETTINGS.scaling.ks.map((k) => ({ figure: 'scaling', k }));
  }
}

/**
 * The TrainConfig fields that change a number (out, name, threads and checkpointing do not).
 * A closed list, so a field added later does not orphan finished runs; older spellings of a
 * field (`wd`, `window`) count as the same field.
 */
const KEY_FIELDS: readonly [string, ...string[]][] = [
  ['model'],
  ['widths'],
  ['norm'],
  ['weightNorm'],
  ['optimizer'],
  ['lr'],
  ['momentum'],
  ['weightDecay', 'wd'],
  ['nesterov'],
  ['decayBnBias'],
  ['schedule'],
  ['epochs'],
  ['steps'],
  ['batchSize'],
  ['data'],
  ['syntheticSize'],
  ['augment'],
  ['seed'],
  ['probeEvery'],
  ['perChannel'],
  ['windowSteps', 'window'],
  ['rescale'],
  ['evalEvery'],
  ['backend'],
];

/** Canonical text of the fields of a (resolved) run config that change a number. */
export function configKey(config: Readonly<Record<string, unknown>>): string {
  const picked: Record<string, unknown> = {};
  for (const [name, ...old] of KEY_FIELDS) {
    const at = [name, ...old].find((f) => config[f] !== undefined);
    picked[name] = at === undefined ? null : config[at];
  }
  return JSON.stringify(picked);
}

/** Builds the plan: every run the targets need, deduplicated by configKey, in target order. */
export function buildPlan(o: PlanOptions): PlannedRun[] {
  const out: PlannedRun[] = [];
  const byKey = new Map<string, PlannedRun>();
  for (const target of o.targets) {
    for (const use of targetUses(target, o.seeds)) {
      const flags = { ...runFlags(use, o.quick), data: o.data, backend: o.backend };
      const name = `${useName(use)}${o.quick ? '-quick' : ''}`;
      const all: Record<string, string | true> = {
        ...flags,
        name,
        out: o.runsDir,
        'checkpoint-every': '50',
      };
      const argv = Object.entries(all).flatMap(([k, v]) =>
        v === true ? [`--${k}`] : [`--${k}`, v],
      );
      const req = parseTrainArgs(argv, o.cwd);
      if (req.kind !== 'new') throw new Error(`reproduce: plan flags for ${name} did not parse`);
      const key = configKey(req.config as unknown as Record<string, unknown>);
      const seen = byKey.get(key);
      if (seen) {
        seen.uses.push(use);
        continue;
      }
      const run: PlannedRun = { name, key, uses: [use], config: req.config, argv };
      byKey.set(key, run);
      out.push(run);
    }
  }
  return out;
}

/** The run of the plan with a given use (undefined if the plan does not have it). */
export function runFor(
  plan: readonly PlannedRun[],
  match: (u: RunUse) => boolean,
): PlannedRun | undefined {
  return plan.find((r) => r.uses.some(match));
}
