/**
 * `smd train` inputs: the flag table (node's util.parseArgs, strict), the optional config file
 * (same fields, flags win), validation of every field into a TrainConfig, `--resume RUN`, and
 * the same validation of a run folder's saved config (trainConfigFromManifest).
 */
import type { RunConfig } from '@smd/smd';
import { readConfigFields, type RawField } from '../config-file.js';
import {
  parseBetasField,
  parseBooleanField,
  parseEnumField,
  parseNumberField,
  parseStringField,
  fieldError,
  type NumberBounds,
} from '../field-values.js';
import { UsageError } from '../usage-error.js';
import { flagDefault, flagSpec, parseCommandFlags } from '../flag-spec.js';
import { OPTIMIZER_NAMES, TRAIN_HELP, TRAIN_SPEC } from './train-flags.js';

const COMMAND = 'smd train';

export type ModelKind = 'resnet' | 'convstack';
export type NormName = 'batch' | 'group' | 'layer';
export type WeightNormName = 'none' | 'convs' | 'all';
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
export { OPTIMIZER_NAMES };
/** Optimizers with a momentum α (heavy-ball buffer). */
const MOMENTUM_OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'sgdm', 'sgdp', 'rv-sgdm'];
/** Optimizers with (β1, β2). */
const BETAS_OPTIMIZERS: readonly OptimizerName[] = [
  'adam',
  'adamw',
  'lion',
  'adamp',
  'rv-adamw',
  'rv-lion',
];
/** Rotation granularity of the rotational variants. */
export type RotationName = 'neuron' | 'layer';
export type AugmentName = 'none' | 'crop' | 'flip' | 'crop-flip';
export type BackendChoice = 'auto' | 'native' | 'ts';

/**
 * Every setting of a training run, validated (stored as the manifest's resolved config). The
 * optimizer fields are @smd/smd's RunConfig, which report, serve and analyze parse back.
 */
export interface TrainConfig extends RunConfig {
  model: ModelKind;
  /** stage widths (resnet: 3) or conv widths (convstack: ≥ 1) */
  widths: number[];
  norm: NormName;
  weightNorm: WeightNormName;
  optimizer: OptimizerName;
  /** always 0 (torch SGD's dampening is not a train option) */
  dampening: 0;
  /** (β1, β2) of adam, adamw, lion, adamp, rv-adamw, rv-lion (absent in configs older than them) */
  betas?: [number, number];
  /** rv-*: one rotation per output channel ('neuron') or per tensor ('layer') */
  rotation?: RotationName;
  /** sgdp/adamp: cosine threshold δ and weight-decay ratio of projected tensors */
  delta?: number;
  wdRatio?: number;
  /** false = no weight decay on 1-D parameters and biases (BN γ/β) */
  decayBnBias: boolean;
  /** schedule text, milestones in epochs (parseSchedule) */
  schedule: string;
  epochs: number;
  /** total optimizer steps (from --steps, else epochs × steps per epoch) */
  steps: number | null;
  batchSize: number;
  /** 'fashion-mnist', 'synthetic' or a folder with IDX files */
  data: string;
  /** synthetic dataset: train / test example counts */
  syntheticSize: number;
  augment: AugmentName;
  seed: number;
  perChannel: boolean;
  checkpointEvery: number;
  /** test-set evaluation every n steps (and at every epoch end); 0 = epoch ends only */
  evalEvery: number;
  keepCheckpoints: number;
  out: string;
  name: string;
  backend: BackendChoice;
  /** native OpenMP threads (0 = library default) */
  threads: number;
}

/** Parsed command line. */
export type TrainRequest =
  | { kind: 'help' }
  | { kind: 'new'; config: TrainConfig }
  | { kind: 'resume'; run: string; out: string };

type FlagName = Exclude<(typeof TRAIN_SPEC)['flags'][number]['name'], 'resume'>;
/** Config-file field names (flag spelling); `decay-bn-bias` is the positive form of the flag. */
type FieldName = Exclude<FlagName, 'no-decay-bn-bias'> | 'decay-bn-bias';
const FIELD_NAMES: FieldName[] = [
  ...TRAIN_SPEC.flags
    .map((f) => f.name)
    .filter(
      (k): k is Exclude<FieldName, 'decay-bn-bias'> => k !== 'resume' && k !== 'no-decay-bn-bias',
    ),
  'decay-bn-bias',
];
/** Parses argv (after "train"): help, a new run's config, or a resume request. */
export function parseTrainArgs(argv: string[], cwd: string): TrainRequest {
  const { values, positionals } = parseCommandFlags(argv, TRAIN_SPEC);
  if (values.help) return { kind: 'help' };
  if (values.resume !== undefined) {
    const others = Object.keys(values).filter((k) => k !== 'resume' && k !== 'out');
    if (others.length > 0 || positionals.length > 0) {
      throw new UsageError(
        `${COMMAND}: --resume continues a run with its saved config; only --out may accompany it (got ${others.map((o) => `--${o}`).join(' ') || positionals[0]})`,
      );
    }
    const run = parseStringField(values.resume, { command: COMMAND, where: '--resume' }, 'a run');
    const out = values.out === undefined ? flagDefault(TRAIN_SPEC, 'out') : String(values.out);
    return { kind: 'resume', run, out };
  }
  const raw = readConfigFields(positionals, cwd, COMMAND, FIELD_NAMES);
  for (const name of Object.keys(values) as FlagName[]) {
    const v = values[name];
    if (v === undefined) continue;
    if (name === 'no-decay-bn-bias') {
      raw.set('decay-bn-bias', {
        value: !v,
        src: { command: COMMAND, where: '--no-decay-bn-bias' },
      });
    } else raw.set(name, { value: v, src: { command: COMMAND, where: `--${name}` } });
  }
  return { kind: 'new', config: resolveConfig(raw) };
}

function parseWidths(r: RawField, model: ModelKind): number[] {
  const expected =
    model === 'resnet'
      ? '3 positive integers such as "16,32,64"'
      : 'positive integers such as "32,64,128"';
  let items: unknown[];
  if (Array.isArray(r.value)) items = r.value;
  else if (typeof r.value === 'string') items = r.value.split(/[,/x ]+/).filter((s) => s !== '');
  else return fieldError(r.src, expected, r.value);
  const out = items.map((v) => {
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    if (!Number.isInteger(n) || n < 1 || n > 4096) return fieldError(r.src, expected, r.value);
    return n;
  });
  if (out.length === 0 || (model === 'resnet' && out.length !== 3)) {
    return fieldError(r.src, expected, r.value);
  }
  return out;
}

function resolveConfig(raw: Map<FieldName, RawField>): TrainConfig {
  const num = (name: FieldName, bounds: NumberBounds, dflt: number): number => {
    const r = raw.get(name);
    return r ? parseNumberField(r.value, r.src, bounds) : dflt;
  };
  const bool = (name: FieldName, dflt: boolean): boolean => {
    const r = raw.get(name);
    return r ? parseBooleanField(r.value, r.src) : dflt;
  };
  /** An enum flag: its choices and default come from TRAIN_SPEC. */
  function oneOf<T extends string>(name: FieldName): T {
    const r = raw.get(name);
    const f = flagSpec(TRAIN_SPEC, name);
    return (r ? parseEnumField(r.value, r.src, f.choices!) : f.default) as T;
  }
  const str = (name: FieldName, expected: string, dflt: string): string => {
    const r = raw.get(name);
    return r ? parseStringField(r.value, r.src, expected) : dflt;
  };
  const model = oneOf<ModelKind>('model');
  const widthsF = raw.get('widths');
  const widths = widthsF
    ? parseWidths(widthsF, model)
    : [...flagDefault(TRAIN_SPEC, 'widths', model)];
  const norm = oneOf<NormName>('norm');
  const wnF = raw.get('weight-norm');
  let weightNorm: WeightNormName = flagDefault(TRAIN_SPEC, 'weight-norm');
  if (wnF) {
    // A config file may say weight-norm: true (= convs).
    if (wnF.value === true) weightNorm = 'convs';
    else if (wnF.value === false) weightNorm = 'none';
    else
      weightNorm = parseEnumField(
        wnF.value,
        wnF.src,
        flagSpec(TRAIN_SPEC, 'weight-norm').choices!,
      ) as WeightNormName;
  }
  const optimizer = oneOf<OptimizerName>('optimizer');
  /** `field` set for an optimizer without it is an error, unless it is the inert value (α 0, no Nesterov: a saved RunConfig has both). */
  const only = (field: FieldName, allowed: readonly OptimizerName[], inert?: unknown): void => {
    const f = raw.get(field);
    if (f && !allowed.includes(optimizer) && (inert === undefined || f.value !== inert)) {
      throw new UsageError(
        `${COMMAND}: ${f.src.where} applies to ${allowed.join('/')}, not ${optimizer}`,
      );
    }
  };
  only('momentum', MOMENTUM_OPTIMIZERS, 0);
  only('betas', BETAS_OPTIMIZERS);
  only('rotation', ['rv-sgdm', 'rv-adamw', 'rv-lion']);
  only('delta', ['sgdp', 'adamp']);
  only('wd-ratio', ['sgdp', 'adamp']);
  only('nesterov', ['sgdm', 'sgdp', 'adamp', 'rv-sgdm'], false);
  const lr = num('lr', { min: 0 }, flagDefault(TRAIN_SPEC, 'lr', optimizer));
  const momentum = num(
    'momentum',
    { min: 0, minInclusive: true, max: 1 },
    flagDefault(TRAIN_SPEC, 'momentum', optimizer),
  );
  if ((optimizer === 'sgdm' || optimizer === 'rv-sgdm') && momentum === 0) {
    throw new UsageError(
      `${COMMAND}: --optimizer ${optimizer} needs --momentum > 0 (use sgd for α = 0)`,
    );
  }
  const wd = num('wd', { min: 0, minInclusive: true }, flagDefault(TRAIN_SPEC, 'wd'));
  const nesterov = bool('nesterov', false);
  if (nesterov && !(momentum > 0)) {
    throw new UsageError(`${COMMAND}: --nesterov needs momentum > 0`);
  }
  if (optimizer.startsWith('rv-') && !(wd > 0)) {
    throw new UsageError(
      `${COMMAND}: --optimizer ${optimizer} needs --wd > 0 (λ sets its rotation)`,
    );
  }
  const betasF = raw.get('betas');
  const betas = betasF
    ? parseBetasField(betasF)
    : ([...flagDefault(TRAIN_SPEC, 'betas', optimizer)] as [number, number]);
  const rotation = oneOf<RotationName>('rotation');
  const delta = num('delta', { min: 0 }, flagDefault(TRAIN_SPEC, 'delta'));
  const wdRatio = num(
    'wd-ratio',
    { min: 0, minInclusive: true },
    flagDefault(TRAIN_SPEC, 'wd-ratio'),
  );
  const decayBnBias = bool('decay-bn-bias', true);
  const schedule = str(
    'schedule',
    'a schedule such as "multistep:3,5:0.1"',
    flagDefault(TRAIN_SPEC, 'schedule'),
  );
  const epochs = num('epochs', { min: 0 }, flagDefault(TRAIN_SPEC, 'epochs'));
  const stepsF = raw.get('steps');
  const steps = stepsF
    ? parseNumberField(stepsF.value, stepsF.src, { min: 1, minInclusive: true, integer: true })
    : null;
  const batchSize = num(
    'batch-size',
    { min: 1, minInclusive: true, integer: true },
    flagDefault(TRAIN_SPEC, 'batch-size'),
  );
  const data = str(
    'data',
    'fashion-mnist, synthetic or a folder of IDX files',
    flagDefault(TRAIN_SPEC, 'data'),
  );
  const syntheticSize = num(
    'synthetic-size',
    { min: 16, minInclusive: true, integer: true },
    flagDefault(TRAIN_SPEC, 'synthetic-size'),
  );
  const augment = oneOf<AugmentName>('augment');
  const seed = num(
    'seed',
    { min: 0, minInclusive: true, max: 2 ** 32, integer: true },
    flagDefault(TRAIN_SPEC, 'seed'),
  );
  const probeEvery = num(
    'probe-every',
    { min: 1, minInclusive: true, integer: true },
    flagDefault(TRAIN_SPEC, 'probe-every'),
  );
  const perChannel = bool('per-channel', false);
  const windowSteps = num(
    'window',
    { min: 1, minInclusive: true, integer: true },
    flagDefault(TRAIN_SPEC, 'window'),
  );
  const rescale = bool('rescale', false);
  const checkpointEvery = num(
    'checkpoint-every',
    { min: 1, minInclusive: true, integer: true },
    flagDefault(TRAIN_SPEC, 'checkpoint-every'),
  );
  const evalEvery = num(
    'eval-every',
    { min: 0, minInclusive: true, integer: true },
    flagDefault(TRAIN_SPEC, 'eval-every'),
  );
  const keepCheckpoints = num(
    'keep-checkpoints',
    { min: 1, minInclusive: true, integer: true },
    flagDefault(TRAIN_SPEC, 'keep-checkpoints'),
  );
  const out = str('out', 'a folder', flagDefault(TRAIN_SPEC, 'out'));
  const name = str(
    'name',
    'a run name',
    model === 'resnet' ? `resnet-${widths.join('-')}` : 'convstack',
  );
  const backend = oneOf<BackendChoice>('backend');
  const threads = num(
    'threads',
    { min: 0, minInclusive: true, integer: true },
    flagDefault(TRAIN_SPEC, 'threads'),
  );
  if (rescale && !(wd > 0)) {
    throw new UsageError(`${COMMAND}: --rescale needs weight decay (--wd > 0)`);
  }
  return {
    model,
    widths,
    norm,
    weightNorm,
    optimizer,
    lr,
    momentum,
    weightDecay: wd,
    nesterov,
    dampening: 0,
    // only the optimizer's own fields, so a resumed manifest passes the same `only` checks
    ...(BETAS_OPTIMIZERS.includes(optimizer) ? { betas } : {}),
    ...(optimizer.startsWith('rv-') ? { rotation } : {}),
    ...(optimizer === 'sgdp' || optimizer === 'adamp' ? { delta, wdRatio } : {}),
    decayBnBias,
    schedule,
    epochs,
    steps,
    batchSize,
    data,
    syntheticSize,
    augment,
    seed,
    probeEvery,
    perChannel,
    windowSteps,
    rescale,
    checkpointEvery,
    evalEvery,
    keepCheckpoints,
    out,
    name,
    backend,
    threads,
  };
}

/** Config keys whose field (flag) name is not their kebab-case spelling. */
const KEY_FIELDS: Record<string, FieldName> = { weightDecay: 'wd', windowSteps: 'window' };

/**
 * Validates a run folder's saved config (manifest.json `config`) into a TrainConfig with the same
 * rules as the flags, so a resume never trusts a cast: a bad field is one line naming
 * `<source>: config.<key>`. Folders from before the typed config (`wd`, `window`) read the same.
 * Keys that are not train fields (stepsPerEpoch, dataset, …) are ignored.
 */
export function trainConfigFromManifest(
  config: Record<string, unknown>,
  source: string,
): TrainConfig {
  const raw = new Map<FieldName, RawField>();
  const known = new Set<string>(FIELD_NAMES);
  for (const [key, value] of Object.entries(config)) {
    const field = KEY_FIELDS[key] ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (!known.has(field) || value === null) continue;
    raw.set(field as FieldName, {
      value,
      src: { command: `${COMMAND} --resume`, where: `${source}: config.${key}` },
    });
  }
  return resolveConfig(raw);
}

export { TRAIN_HELP };
