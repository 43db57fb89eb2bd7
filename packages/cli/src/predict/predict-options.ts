/**
 * `smd predict` inputs: the flag table (node's util.parseArgs, strict), the optional config file
 * (same fields, flags win), validation of every field, and the help text.
 */
import { extname } from 'node:path';
import { readFieldsAndFlags, type RawField } from '../config-file.js';
import {
  parseBetasField,
  parseBooleanField,
  parseEnumField,
  parseNumberField,
  parseStringField,
} from '../field-values.js';
import { UsageError } from '../usage-error.js';
import {
  commandHelp,
  flagDefault,
  parseCommandFlags,
  type CommandSpec,
  type FlagSpec,
} from '../flag-spec.js';
import { parseSchedule, type Schedule } from '@smd/engine/schedule';
import type { PredictionInput } from '@smd/smd/predict';
import {
  DEFAULT_WD_RATIO,
  DYNAMICS_OPTIMIZERS,
  defaultBetas,
  normSetByDim,
  type DynamicsOptimizer,
} from '@smd/smd';

const COMMAND = 'smd predict';

/** Longest run `smd predict` simulates (memory: ~80 bytes per step). */
export const MAX_STEPS = 10_000_000;

/** Output formats of `smd predict`. */
export type PredictFormat = 'table' | 'json' | 'csv';
const FORMATS: readonly PredictFormat[] = ['table', 'json', 'csv'];

/** Everything `smd predict` needs, validated: the prediction's inputs and how to print them. */
export interface PredictOptions extends PredictionInput {
  /** sgd | sgdm | nesterov (coupled decay, torch SGD) | adamw | lion (decoupled decay) | sgdp | adamp (projected). */
  optimizer: DynamicsOptimizer;
  /** (β1, β2) of adamw / lion / adamp. */
  betas: [number, number];
  /** Weights per tensor or neuron: sets ‖w*‖ for adamw / lion / adamp (L does for the SGD family and sgdp). */
  dim: number;
  /** r of sgdp / adamp. */
  wdRatio: number;
  format: PredictFormat;
  /** Figure output path (.svg or .png), or null. */
  plot: string | null;
}

/** --betas of the equilibrium optimizers (predict, advise): adamw's and lion's defaults. */
export const EQUILIBRIUM_BETAS_FLAG = {
  name: 'betas',
  type: 'string',
  arg: '<β1,β2>',
  default: defaultBetas('adamw'),
  defaultCases: { by: 'optimizer', cases: [[['lion'], defaultBetas('lion')]] },
  help: 'adamw, lion, adamp',
} as const satisfies FlagSpec;

/** --wd-ratio of the projected optimizers (predict, advise). */
export const WD_RATIO_FLAG = {
  name: 'wd-ratio',
  type: 'string',
  arg: '<r>',
  default: DEFAULT_WD_RATIO,
  help: 'sgdp, adamp: decay multiplier on projected tensors',
} as const satisfies FlagSpec;

/** `smd predict`'s flags and help; config files use the same field names (or camelCase). */
export const PREDICT_SPEC = {
  command: 'predict',
  usage: ['predict [config.yaml|config.json] [flags]'],
  about: `Predict the Spherical Motion Dynamics of every scale-invariant weight (a conv/linear weight
followed by BatchNorm/GroupNorm/LayerNorm) under SGD, SGD+momentum or Nesterov (coupled weight
decay, torch.optim.SGD), AdamW or Lion (decoupled decay): per schedule phase the equilibrium
angular update Δ*, the equilibrium norm ‖w*‖, the time constant, whether the phase reaches
equilibrium before it ends, and the effect of the rescaling trick. Trajectories come from the
mean-field recurrence (docs/smd-theory.md §4; docs/optimizers.md for the other optimizers).`,
  flagsHeading: `Flags (a config file may hold the same fields, e.g. "steps-per-epoch" or "stepsPerEpoch";
flags override it):`,
  flags: [
    {
      name: 'optimizer',
      type: 'string',
      choices: DYNAMICS_OPTIMIZERS,
      help: '(default: sgdm when --momentum > 0, else sgd)',
    },
    EQUILIBRIUM_BETAS_FLAG,
    WD_RATIO_FLAG,
    {
      name: 'dim',
      type: 'string',
      arg: '<d>',
      default: 576,
      help: `weights per tensor (or per neuron) for adamw/lion/adamp's ‖w*‖
(576: a 3×3 conv neuron over 64 channels)`,
    },
    { name: 'lr', type: 'string', arg: '<η>', help: 'base learning rate, > 0 (required)' },
    {
      name: 'wd',
      type: 'string',
      arg: '<λ>',
      help: 'weight decay, > 0 (required; adamw/lion/sgdp/adamp: decoupled, × η)',
    },
    {
      name: 'momentum',
      type: 'string',
      arg: '<α>',
      default: 0,
      defaultCases: { by: 'optimizer', cases: [[['sgdp'], 0.9]] },
      help: 'momentum in [0, 1) (sgdm, nesterov, sgdp; 0 = plain SGD)',
    },
    {
      name: 'schedule',
      type: 'string',
      arg: '<text>',
      default: 'constant',
      help: `lr schedule, times in epochs:
  constant | multistep:30,60,80:0.1 | step:30:0.1 | exp:0.95
  | cosine[:<min factor>] | warmup:5[:<start factor>][:<schedule>]
  | schedule JSON ({"kind": ...}, times in steps)`,
    },
    {
      name: 'steps-per-epoch',
      type: 'string',
      arg: '<n>',
      default: 1,
      help: 'optimizer steps per epoch, integer >= 1',
    },
    {
      name: 'epochs',
      type: 'string',
      arg: '<n>',
      help: 'training length in epochs (× --steps-per-epoch)',
    },
    {
      name: 'steps',
      type: 'string',
      arg: '<n>',
      help: 'training length in steps (instead of --epochs)',
    },
    {
      name: 'L',
      type: 'string',
      arg: '<L>',
      default: 1,
      help: 'mean squared unit-gradient norm E‖g̃‖², > 0 (sgd family)',
    },
    {
      name: 'w0',
      type: 'string',
      arg: '<norm>',
      help: "initial ‖w‖, > 0 (default: the equilibrium of the first step's η)",
    },
    {
      name: 'tolerance',
      type: 'string',
      arg: '<f>',
      default: 0.05,
      help: 'band around Δ* that counts as equilibrium, in (0, 1)',
    },
    {
      name: 'rescale',
      type: 'boolean',
      help: `multiply the weights by k^(−1/4) at every lr drop η → η/k
(the rescaling trick); without it, each drop line says what it would change`,
    },
    { name: 'format', type: 'string', choices: FORMATS, default: 'table', help: 'output format' },
    {
      name: 'plot',
      type: 'string',
      arg: '<file.svg|png>',
      help: 'draw Δ_t and ‖w_t‖ against the step, with Δ* and ‖w*‖ dashed',
    },
  ],
  footer: `A phase "reaches equilibrium" when Δ_t enters the band Δ*·(1 ± tolerance) before the phase
ends and stays inside it until the phase's last step.
Exit codes: 0 ok, 2 bad flag / config value / config file, 1 unexpected error.

Examples:
  smd predict --lr 0.1 --wd 1e-4 --momentum 0.9 --schedule "multistep:30,60,80:0.1" \\
      --steps-per-epoch 5005 --epochs 90
  smd predict run.yaml --rescale --plot smd.png
  smd predict --optimizer adamw --lr 1e-3 --wd 0.05 --schedule "multistep:30,60:0.1" \\
      --steps-per-epoch 390 --epochs 90 --dim 576
  smd predict --optimizer adamp --lr 5e-3 --wd 1 --wd-ratio 0.5 --steps 2000 --w0 4`,
} as const satisfies CommandSpec;

type FieldName = (typeof PREDICT_SPEC)['flags'][number]['name'];
const FIELD_NAMES: FieldName[] = PREDICT_SPEC.flags.map((f) => f.name);

/** The `smd predict --help` text. */
export const PREDICT_HELP = commandHelp(PREDICT_SPEC);

/** Parsed command line: either a request for help, or resolved raw fields. */
export type PredictRequest = { help: true } | { help: false; options: PredictOptions };

/** Parses argv (after "predict"), loads the config file if given, validates every field. */
export function parsePredictArgs(argv: string[], cwd: string): PredictRequest {
  const { values, positionals } = parseCommandFlags(argv, PREDICT_SPEC);
  if (values.help) return { help: true };
  const raw = readFieldsAndFlags(positionals, values, cwd, COMMAND, FIELD_NAMES);
  return { help: false, options: resolveOptions(raw) };
}

function resolveOptions(raw: Map<FieldName, RawField>): PredictOptions {
  const need = (name: FieldName): RawField => {
    const r = raw.get(name);
    if (!r) throw new UsageError(`${COMMAND}: --${name} is required (see smd predict --help)`);
    return r;
  };
  const num = (name: FieldName, bounds: Parameters<typeof parseNumberField>[2]) => {
    const r = raw.get(name);
    return r ? parseNumberField(r.value, r.src, bounds) : undefined;
  };
  const lrF = need('lr');
  const wdF = need('wd');
  const lr = parseNumberField(lrF.value, lrF.src, { min: 0 });
  const wd = parseNumberField(wdF.value, wdF.src, { min: 0 });
  const momentumGiven = num('momentum', { min: 0, minInclusive: true, max: 1 });
  const optF = raw.get('optimizer');
  const optimizer: DynamicsOptimizer = optF
    ? parseEnumField(optF.value, optF.src, DYNAMICS_OPTIMIZERS)
    : (momentumGiven ?? 0) > 0
      ? 'sgdm'
      : 'sgd';
  const momentum = momentumGiven ?? flagDefault(PREDICT_SPEC, 'momentum', optimizer);
  const momentumF = raw.get('momentum');
  if (optimizer === 'sgd' && momentum > 0) {
    throw new UsageError(`${COMMAND}: --optimizer sgd takes no momentum (use sgdm or nesterov)`);
  }
  if ((optimizer === 'sgdm' || optimizer === 'nesterov') && !(momentum > 0)) {
    throw new UsageError(`${COMMAND}: --optimizer ${optimizer} needs --momentum > 0`);
  }
  if (normSetByDim(optimizer) && momentumF) {
    throw new UsageError(
      `${COMMAND}: ${momentumF.src.where} applies to sgdm/nesterov/sgdp, not ${optimizer}`,
    );
  }
  const betasF = raw.get('betas');
  if (betasF && !normSetByDim(optimizer)) {
    throw new UsageError(
      `${COMMAND}: ${betasF.src.where} applies to adamw/lion/adamp, not ${optimizer}`,
    );
  }
  const betas = betasF
    ? parseBetasField(betasF)
    : ([...flagDefault(PREDICT_SPEC, 'betas', optimizer)] as [number, number]);
  const ratioF = raw.get('wd-ratio');
  if (ratioF && optimizer !== 'sgdp' && optimizer !== 'adamp') {
    throw new UsageError(`${COMMAND}: ${ratioF.src.where} applies to sgdp/adamp, not ${optimizer}`);
  }
  const wdRatio = num('wd-ratio', { min: 0 }) ?? flagDefault(PREDICT_SPEC, 'wd-ratio');
  const dim =
    num('dim', { min: 1, minInclusive: true, integer: true }) ?? flagDefault(PREDICT_SPEC, 'dim');
  const scheduleF = raw.get('schedule');
  // A config file may give the schedule as a mapping (schedule JSON, times in steps).
  const scheduleValue = scheduleF?.value;
  const isMapping =
    typeof scheduleValue === 'object' && scheduleValue !== null && !Array.isArray(scheduleValue);
  const schedule = !scheduleF
    ? flagDefault(PREDICT_SPEC, 'schedule')
    : isMapping
      ? JSON.stringify(scheduleValue)
      : parseStringField(scheduleValue, scheduleF.src, 'a schedule such as "multistep:30,60:0.1"');
  const stepsPerEpoch = num('steps-per-epoch', { min: 1, minInclusive: true, integer: true });
  const epochs = num('epochs', { min: 0 });
  const steps = num('steps', { min: 1, minInclusive: true, integer: true });
  let totalSteps: number;
  if (epochs !== undefined && steps !== undefined) {
    throw new UsageError(`${COMMAND}: give --epochs or --steps, not both`);
  } else if (epochs !== undefined) {
    totalSteps = Math.round(
      epochs * (stepsPerEpoch ?? flagDefault(PREDICT_SPEC, 'steps-per-epoch')),
    );
    if (totalSteps < 1) {
      throw new UsageError(`${COMMAND}: --epochs × --steps-per-epoch must be at least 1 step`);
    }
  } else if (steps !== undefined) {
    totalSteps = steps;
  } else {
    throw new UsageError(`${COMMAND}: --epochs or --steps is required (see smd predict --help)`);
  }
  // ~10 float64 arrays of this length are held at once (two trajectories, targets, figure x).
  if (totalSteps > MAX_STEPS) {
    throw new UsageError(
      `${COMMAND}: training length must be at most ${MAX_STEPS} steps (got ${totalSteps})`,
    );
  }
  let scheduleSpec: Schedule;
  try {
    scheduleSpec = parseSchedule(
      schedule,
      stepsPerEpoch ?? flagDefault(PREDICT_SPEC, 'steps-per-epoch'),
      totalSteps,
    );
  } catch (e) {
    const where = scheduleF ? scheduleF.src.where : '--schedule';
    throw new UsageError(`${COMMAND}: ${where}: ${(e as Error).message.split('\n')[0]}`);
  }
  const L = num('L', { min: 0 }) ?? flagDefault(PREDICT_SPEC, 'L');
  const w0 = num('w0', { min: 0 }) ?? null;
  const tolerance = num('tolerance', { min: 0, max: 1 }) ?? flagDefault(PREDICT_SPEC, 'tolerance');
  const rescaleF = raw.get('rescale');
  const rescale = rescaleF ? parseBooleanField(rescaleF.value, rescaleF.src) : false;
  const formatF = raw.get('format');
  const format = formatF
    ? parseEnumField(formatF.value, formatF.src, FORMATS)
    : flagDefault(PREDICT_SPEC, 'format');
  const plotF = raw.get('plot');
  let plot: string | null = null;
  if (plotF) {
    plot = parseStringField(plotF.value, plotF.src, 'a file name ending in .svg or .png');
    const ext = extname(plot).toLowerCase();
    if (ext !== '.svg' && ext !== '.png') {
      throw new UsageError(
        `${COMMAND}: ${plotF.src.where} must be a file name ending in .svg or .png (got "${plot}")`,
      );
    }
  }
  return {
    optimizer,
    betas,
    dim,
    wdRatio,
    lr,
    wd,
    momentum,
    schedule,
    scheduleSpec,
    stepsPerEpoch: stepsPerEpoch ?? flagDefault(PREDICT_SPEC, 'steps-per-epoch'),
    totalSteps,
    L,
    w0,
    tolerance,
    rescale,
    format,
    plot,
  };
}
