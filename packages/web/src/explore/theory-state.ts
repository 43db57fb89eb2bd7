/**
 * The explorer's theory view as data: the form's state, its URL encoding (so a view can be
 * shared), the schedule text it stands for, and the validated PredictionInput that @smd/smd's
 * computePrediction takes (the same function behind `smd predict`). Pure, browser-safe.
 */
import { parseSchedule } from '@smd/engine/schedule';
import type { PredictionInput } from '@smd/smd/predict';

/** Optimizers of the theory view (closed set; the same recurrences as `smd predict --optimizer`). */
export type TheoryOptimizer = 'sgd' | 'sgdm' | 'adamw' | 'lion';
const OPTIMIZERS: readonly TheoryOptimizer[] = ['sgd', 'sgdm', 'adamw', 'lion'];
/** Whether the optimizer takes (β1, β2) rather than α. */
export const usesBetas = (o: TheoryOptimizer): boolean => o === 'adamw' || o === 'lion';
/** The betas `smd predict` uses for an optimizer when none are given (adamw's, lion's). */
export const defaultTheoryBetas = (o: TheoryOptimizer): [number, number] =>
  o === 'lion' ? [0.9, 0.99] : [0.9, 0.999];
/** The decay part of the schedule editor (closed set). */
export type TheoryDecay = 'constant' | 'multistep' | 'cosine';

/** Everything the theory form holds. Times are in epochs. */
export interface TheoryState {
  optimizer: TheoryOptimizer;
  /** Base learning rate η. */
  lr: number;
  /** Weight decay λ. */
  wd: number;
  /** Momentum α (used when optimizer is sgdm). */
  momentum: number;
  /** β1, β2 of adamw / lion. */
  beta1: number;
  beta2: number;
  epochs: number;
  stepsPerEpoch: number;
  /** Linear warmup length in epochs from factor 0 (0 = none). */
  warmup: number;
  decay: TheoryDecay;
  /** Multistep milestones in epochs, increasing. */
  milestones: number[];
  /** Multistep factor per milestone. */
  gamma: number;
  /** Cosine floor as a fraction of η. */
  cosineMin: number;
  /** L = E‖g̃‖² (scales ‖w*‖ only). */
  L: number;
  /** Equilibrium band, relative (0.05 = ±5%). */
  tolerance: number;
  /** Rescaling trick at every lr drop. */
  rescale: boolean;
}

/** The paper's ImageNet setting (ResNet-50, batch 256: 5005 steps per epoch). */
export const DEFAULT_THEORY: TheoryState = {
  optimizer: 'sgdm',
  lr: 0.1,
  wd: 1e-4,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epochs: 90,
  stepsPerEpoch: 5005,
  warmup: 0,
  decay: 'multistep',
  milestones: [30, 60, 80],
  gamma: 0.1,
  cosineMin: 0,
  L: 1,
  tolerance: 0.05,
  rescale: false,
};

/** Longest run the view simulates (the recurrence runs on every slider move). */
export const MAX_THEORY_STEPS = 2_000_000;

/** The schedule string (smd predict's --schedule syntax, times in epochs) of a state. */
export function scheduleText(s: TheoryState): string {
  const decay =
    s.decay === 'multistep' && s.milestones.length > 0
      ? `multistep:${s.milestones.join(',')}:${s.gamma}`
      : s.decay === 'cosine'
        ? s.cosineMin > 0
          ? `cosine:${s.cosineMin}`
          : 'cosine'
        : 'constant';
  return s.warmup > 0 ? `warmup:${s.warmup}:0:${decay}` : decay;
}

/** The `smd predict` command line that prints the same table. */
export function predictCommand(s: TheoryState): string {
  const parts = [
    'smd predict',
    ...(usesBetas(s.optimizer) ? [`--optimizer ${s.optimizer}`] : []),
    `--lr ${s.lr}`,
    `--wd ${s.wd}`,
    usesBetas(s.optimizer)
      ? `--betas ${s.beta1},${s.beta2}`
      : `--momentum ${s.optimizer === 'sgdm' ? s.momentum : 0}`,
    `--schedule ${scheduleText(s)}`,
    `--steps-per-epoch ${s.stepsPerEpoch}`,
    `--epochs ${s.epochs}`,
  ];
  if (s.L !== 1) parts.push(`--L ${s.L}`);
  if (s.tolerance !== 0.05) parts.push(`--tolerance ${s.tolerance}`);
  if (s.rescale) parts.push('--rescale');
  return parts.join(' ');
}

/** Checks a state; returns the PredictionInput or one line naming the bad field. */
export function predictionInput(s: TheoryState): PredictionInput | string {
  const pos = (v: number, name: string): string | null =>
    Number.isFinite(v) && v > 0 ? null : `${name} must be a number > 0`;
  const err =
    pos(s.lr, 'η') ??
    (Number.isFinite(s.wd) && s.wd >= 0 ? null : 'λ must be a number ≥ 0') ??
    (s.optimizer !== 'sgdm' || (s.momentum >= 0 && s.momentum < 1)
      ? null
      : 'α must be in [0, 1)') ??
    (!usesBetas(s.optimizer) || (s.beta1 >= 0 && s.beta1 < 1 && s.beta2 >= 0 && s.beta2 < 1)
      ? null
      : 'β1 and β2 must be in [0, 1)') ??
    (!usesBetas(s.optimizer) || s.wd > 0 ? null : `λ must be > 0 for ${s.optimizer}`) ??
    pos(s.epochs, 'epochs') ??
    (Number.isInteger(s.stepsPerEpoch) && s.stepsPerEpoch >= 1
      ? null
      : 'steps per epoch must be an integer ≥ 1') ??
    pos(s.L, 'L') ??
    pos(s.tolerance, 'tolerance');
  if (err) return err;
  const totalSteps = Math.round(s.epochs * s.stepsPerEpoch);
  if (totalSteps < 1) return 'epochs × steps per epoch must be at least 1 step';
  if (totalSteps > MAX_THEORY_STEPS)
    return `epochs × steps per epoch must be at most ${MAX_THEORY_STEPS.toLocaleString('en')} steps (got ${totalSteps.toLocaleString('en')})`;
  const schedule = scheduleText(s);
  try {
    return {
      lr: s.lr,
      wd: s.wd,
      momentum: s.optimizer === 'sgdm' ? s.momentum : 0,
      schedule,
      scheduleSpec: parseSchedule(schedule, s.stepsPerEpoch, totalSteps),
      stepsPerEpoch: s.stepsPerEpoch,
      totalSteps,
      L: s.L,
      w0: null,
      tolerance: s.tolerance,
      rescale: s.rescale,
      ...(usesBetas(s.optimizer)
        ? { optimizer: s.optimizer, betas: [s.beta1, s.beta2] as [number, number] }
        : {}),
    };
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

type NumberField = {
  [K in keyof TheoryState]: TheoryState[K] extends number ? K : never;
}[keyof TheoryState];
const NUMBER_FIELDS: NumberField[] = [
  'lr',
  'wd',
  'momentum',
  'beta1',
  'beta2',
  'epochs',
  'stepsPerEpoch',
  'warmup',
  'gamma',
  'cosineMin',
  'L',
  'tolerance',
];

/**
 * What a URL leaves out: DEFAULT_THEORY with the optimizer's betas (AdamW's unless Lion), so
 * `opt=lion` alone means Lion's (0.9, 0.99), as in `smd predict`.
 */
function defaultsFor(o: TheoryOptimizer): TheoryState {
  const [beta1, beta2] = defaultTheoryBetas(o);
  return { ...DEFAULT_THEORY, beta1, beta2 };
}

/** URL query text of a state (only fields that differ from defaultsFor its optimizer). */
export function encodeTheoryState(s: TheoryState): string {
  const q: string[] = [];
  const d = defaultsFor(s.optimizer);
  if (s.optimizer !== d.optimizer) q.push(`opt=${s.optimizer}`);
  for (const k of NUMBER_FIELDS) if (s[k] !== d[k]) q.push(`${k}=${s[k]}`);
  if (s.decay !== d.decay) q.push(`decay=${s.decay}`);
  if (s.milestones.join(',') !== d.milestones.join(','))
    q.push(`milestones=${s.milestones.join(',')}`);
  if (s.rescale) q.push('rescale=1');
  return q.join('&');
}

/**
 * Reads a state from URL query text (unknown or malformed fields keep their defaults and are
 * named in `ignored`, so a mangled link still opens).
 */
export function decodeTheoryState(query: string): { state: TheoryState; ignored: string[] } {
  const state: TheoryState = { ...DEFAULT_THEORY, milestones: [...DEFAULT_THEORY.milestones] };
  const ignored: string[] = [];
  [state.beta1, state.beta2] = [NaN, NaN]; // until the link gives them
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
    if ((NUMBER_FIELDS as string[]).includes(key)) {
      const v = Number(value);
      if (value !== '' && Number.isFinite(v)) state[key as NumberField] = v;
      else ignored.push(key);
    } else if (key === 'opt' && (OPTIMIZERS as readonly string[]).includes(value))
      state.optimizer = value as TheoryOptimizer;
    else if (
      key === 'decay' &&
      (value === 'constant' || value === 'multistep' || value === 'cosine')
    )
      state.decay = value;
    else if (key === 'milestones') {
      const ms = value === '' ? [] : value.split(',').map(Number);
      if (ms.every((m, i) => Number.isFinite(m) && m >= 0 && (i === 0 || m > ms[i - 1])))
        state.milestones = ms;
      else ignored.push(key);
    } else if (key === 'rescale') state.rescale = value === '1' || value === 'true';
    else ignored.push(key);
  }
  const d = defaultsFor(state.optimizer); // for the betas the link leaves out
  if (Number.isNaN(state.beta1)) state.beta1 = d.beta1;
  if (Number.isNaN(state.beta2)) state.beta2 = d.beta2;
  return { state, ignored };
}
