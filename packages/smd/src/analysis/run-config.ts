/**
 * The typed run config every view reads (train's manifest `config`, the Python probe's, old run
 * folders migrated on read): the optimizer facts the predictions need, one name per quantity,
 * one `predictable` rule, and the constants shared by every view (the paper's 200-step window,
 * the scale-invariance threshold on the radial cosine).
 */

/** The paper's L_t window (docs/smd-theory.md §1): 200 consecutive steps. */
export const PAPER_WINDOW_STEPS = 200;

/**
 * A tensor counts as scale-invariant at run time when the window mean of |radial cosine|
 * ⟨w, g⟩/(‖w‖‖g‖) stays below this (Lemma 1: exactly 0). On the Fashion-MNIST ResNet of
 * docs/smd-theory.md §8 the BN-fed convs sit at 3e-8–1e-5 (float32 rounding; worst single step
 * 7e-5); a classifier or bias-carrying tensor is far above (detect/runtime.test.ts).
 */
export const RADIAL_COS_LIMIT = 1e-3;

/** The analysis's view of a run's configuration (canonical names; see parseRunConfig). */
export interface RunConfig {
  /** torch-style optimizer name, lower case ('sgd', 'sgdm', 'adam', 'adamw', …) */
  optimizer: string;
  /** base η (the schedule multiplies it; the logged lr scalar is the per-step truth) */
  lr: number;
  /** α (0 = plain SGD) */
  momentum: number;
  /** λ: torch's weight_decay (coupled for sgd/sgdm/adam, decoupled for adamw) */
  weightDecay: number;
  nesterov: boolean;
  /** torch SGD dampening (0 unless set) */
  dampening: number;
  /** the lr schedule as the user wrote it ('constant', 'multistep:4:0.1', …) */
  schedule: string;
  /** L_t / table window in steps (default PAPER_WINDOW_STEPS) */
  windowSteps: number;
  /** the probe sampled every n-th step */
  probeEvery: number;
  /** the rescaling trick was applied at lr drops */
  rescale: boolean;
}

/** A config field that is missing or of the wrong type; the message is one line naming it. */
export class RunConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunConfigError';
  }
}

/** Optimizers whose update is §2's SGD/SGDM with coupled decay (given no Nesterov, no dampening). */
const COVERED = new Set(['sgd', 'sgdm']);

/**
 * Whether the SMD predictions (Δ*, ‖w*‖, the §4 recurrence) apply to this run's update:
 * torch SGD/SGDM with coupled weight decay, no Nesterov, no dampening. The one rule every view uses.
 */
export function predictable(c: RunConfig): boolean {
  return (
    COVERED.has(c.optimizer) &&
    !c.nesterov &&
    c.dampening === 0 &&
    c.momentum >= 0 &&
    c.momentum < 1
  );
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Older spellings, migrated on read: [canonical field, old location] with `a.b` for nested
 * objects. Run folders written before the typed config used `wd`, `window`, an `optimizer`
 * object (`{name, lr, momentum, weightDecay}`) and a `probes` object (`{every, windowSteps}`).
 */
const LEGACY: readonly [keyof RunConfig, string][] = [
  ['weightDecay', 'wd'],
  ['weightDecay', 'weight_decay'],
  ['weightDecay', 'optimizer.weightDecay'],
  ['weightDecay', 'optimizer.weight_decay'],
  ['windowSteps', 'window'],
  ['windowSteps', 'probes.windowSteps'],
  ['probeEvery', 'probes.every'],
  ['optimizer', 'optimizer.name'],
  ['lr', 'optimizer.lr'],
  ['momentum', 'optimizer.momentum'],
  ['nesterov', 'optimizer.nesterov'],
  ['dampening', 'optimizer.dampening'],
];

function lookup(raw: Obj, path: string): unknown {
  let cur: unknown = raw;
  for (const k of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/**
 * Parses a manifest's `config` object into a RunConfig. Canonical fields win; missing ones are
 * migrated from the older spellings in LEGACY, then defaulted (momentum 0, weightDecay 0,
 * nesterov false, dampening 0, schedule 'constant', windowSteps 200, probeEvery 1, rescale
 * false). `optimizer` and `lr` have no default. `source` prefixes errors, e.g. 'runs/x/manifest.json'.
 * @throws RunConfigError "<source>: config field '<f>' must be <expected>, got <value>"
 */
export function parseRunConfig(raw: unknown, source = 'manifest.json'): RunConfig {
  if (!isObj(raw)) throw new RunConfigError(`${source}: config must be an object`);
  const get = (field: keyof RunConfig): { value: unknown; where: string } => {
    const v = field === 'optimizer' && isObj(raw.optimizer) ? undefined : raw[field];
    if (v !== undefined && v !== null) return { value: v, where: field };
    for (const [f, old] of LEGACY) {
      if (f !== field) continue;
      const o = lookup(raw, old);
      if (o !== undefined && o !== null) return { value: o, where: old };
    }
    return { value: undefined, where: field };
  };
  const fail = (where: string, expected: string, got: unknown): never => {
    const text = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 40);
    throw new RunConfigError(`${source}: config field '${where}' must be ${expected}, got ${text}`);
  };
  const num = (
    field: keyof RunConfig,
    dflt: number | null,
    ok: (x: number) => boolean,
    expected: string,
  ): number => {
    const { value, where } = get(field);
    if (value === undefined) return dflt ?? fail(where, expected, value);
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
      return fail(where, expected, value);
    }
    return value;
  };
  const bool = (field: keyof RunConfig): boolean => {
    const { value, where } = get(field);
    if (value === undefined) return false;
    return typeof value === 'boolean' ? value : fail(where, 'true or false', value);
  };
  const opt = get('optimizer');
  if (typeof opt.value !== 'string' || opt.value.trim() === '') {
    fail(opt.where, 'an optimizer name such as "sgdm"', opt.value);
  }
  const sched = get('schedule');
  let schedule = 'constant';
  if (typeof sched.value === 'string') schedule = sched.value;
  else if (sched.value !== undefined) schedule = JSON.stringify(sched.value);
  const intAtLeast1 = (x: number): boolean => Number.isInteger(x) && x >= 1;
  return {
    optimizer: (opt.value as string).trim().toLowerCase(),
    lr: num('lr', null, (x) => x >= 0, 'a number >= 0'),
    momentum: num('momentum', 0, (x) => x >= 0 && x < 1, 'a number in [0, 1)'),
    weightDecay: num('weightDecay', 0, (x) => x >= 0, 'a number >= 0'),
    nesterov: bool('nesterov'),
    dampening: num('dampening', 0, (x) => x >= 0 && x <= 1, 'a number in [0, 1]'),
    schedule,
    windowSteps: num('windowSteps', PAPER_WINDOW_STEPS, intAtLeast1, 'an integer >= 1'),
    probeEvery: num('probeEvery', 1, intAtLeast1, 'an integer >= 1'),
    rescale: bool('rescale'),
  };
}
