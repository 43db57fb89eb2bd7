/**
 * `smd advise` inputs: flags (or a config file with the same fields), validated into
 * AdviseOptions. Exactly one of --lr / --wd is given with a target (the other is solved), or
 * both without a target (then the advice describes that setting).
 */
import { readFieldsAndFlags, type RawField } from '../config-file.js';
import {
  parseBetasField,
  parseEnumField,
  parseNumberField,
  parseStringField,
} from '../field-values.js';
import { commandHelp, flagDefault, parseCommandFlags, type CommandSpec } from '../flag-spec.js';
import { EQUILIBRIUM_BETAS_FLAG, WD_RATIO_FLAG } from '../predict/predict-options.js';
import { UsageError } from '../usage-error.js';
import { parseSchedule, type Schedule } from '@smd/engine/schedule';
import { DYNAMICS_OPTIMIZERS, type DynamicsOptimizer } from '@smd/smd';

const COMMAND = 'smd advise';

/** Everything `smd advise` needs, validated. */
export interface AdviseOptions {
  optimizer: DynamicsOptimizer;
  momentum: number;
  betas: [number, number];
  /** r of sgdp / adamp (decay multiplier on projected tensors) */
  wdRatio: number;
  /** η given (null: solve it) */
  lr: number | null;
  /** λ given (null: solve it) */
  wd: number | null;
  /** target equilibrium Δ* in rad, or null */
  targetDelta: number | null;
  /** target time constant in steps, or null */
  targetTau: number | null;
  /** band around equilibrium (warmup = τ·ln(1/tolerance), re-equilibration ±tolerance) */
  tolerance: number;
  /** lr schedule for per-drop advice (times in epochs), or null */
  schedule: string | null;
  scheduleSpec: Schedule | null;
  stepsPerEpoch: number;
  totalSteps: number | null;
  /** batch size × k with η → kη, or null */
  batchK: number | null;
  format: 'table' | 'json';
}

/** `smd advise`'s flags and help; a config file may hold the same fields. */
export const ADVISE_SPEC = {
  command: 'advise',
  usage: ['advise [config.yaml|config.json] --optimizer NAME [flags]'],
  about: `Turn the equilibrium theory into settings (docs/optimizers.md): the η or λ that gives a target
angular update Δ* or a target time constant τ, the warmup length τ implies, per lr drop how long
the optimizer needs to re-equilibrate and whether the next drop comes first (with the rescaling
factor that avoids it), and what multiplying the batch size by k with η → kη does.`,
  flags: [
    { name: 'optimizer', type: 'string', choices: DYNAMICS_OPTIMIZERS, help: '(required)' },
    {
      name: 'momentum',
      type: 'string',
      arg: '<α>',
      default: 0.9,
      defaultCases: { by: 'optimizer', cases: [[['sgd', 'adamw', 'lion', 'adamp'], 0]] },
      help: 'sgdm / nesterov / sgdp',
    },
    EQUILIBRIUM_BETAS_FLAG,
    WD_RATIO_FLAG,
    {
      name: 'lr',
      type: 'string',
      arg: '<η>',
      help: 'give --lr or --wd with a target (the other is solved), or both',
    },
    { name: 'wd', type: 'string', arg: '<λ>', help: 'weight decay (see --lr)' },
    {
      name: 'target-delta',
      type: 'string',
      arg: '<rad>',
      help: 'target equilibrium Δ* per step (e.g. 0.005)',
    },
    {
      name: 'target-tau',
      type: 'string',
      arg: '<steps>',
      help: 'target time constant τ of the equilibrium (steps)',
    },
    {
      name: 'tolerance',
      type: 'string',
      arg: '<f>',
      default: 0.05,
      help: 'equilibrium band, in (0, 1): warmup = τ·ln(1/f)',
    },
    {
      name: 'schedule',
      type: 'string',
      arg: '<text>',
      help: 'lr schedule for per-drop advice (times in epochs), e.g. multistep:30,60:0.1',
    },
    { name: 'steps-per-epoch', type: 'string', arg: '<n>', default: 1, help: 'steps per epoch' },
    { name: 'epochs', type: 'string', arg: '<n>', help: 'training length (with --schedule)' },
    {
      name: 'batch-k',
      type: 'string',
      arg: '<k>',
      help: 'batch size × k with the linear scaling rule η → kη',
    },
    {
      name: 'format',
      type: 'string',
      choices: ['table', 'json'],
      default: 'table',
      help: 'output',
    },
  ],
  footer: `Exit codes: 0 ok, 2 bad flag / config value, 1 unexpected error.
Examples:
  smd advise --optimizer adamw --lr 1e-3 --target-delta 0.005
  smd advise --optimizer adamp --lr 5e-3 --wd-ratio 0.5 --target-tau 200
  smd advise --optimizer sgdm --lr 0.1 --wd 5e-4 --schedule multistep:30,60:0.1 \\
      --steps-per-epoch 390 --epochs 90 --batch-k 4`,
} as const satisfies CommandSpec;

type FieldName = (typeof ADVISE_SPEC)['flags'][number]['name'];
const FIELD_NAMES: FieldName[] = ADVISE_SPEC.flags.map((f) => f.name);

/** The `smd advise --help` text. */
export const ADVISE_HELP = commandHelp(ADVISE_SPEC);

/** Parsed command line. */
export type AdviseRequest = { help: true } | { help: false; options: AdviseOptions };

/** Parses argv (after "advise"). */
export function parseAdviseArgs(argv: string[], cwd: string): AdviseRequest {
  const { values, positionals } = parseCommandFlags(argv, ADVISE_SPEC);
  if (values.help) return { help: true };
  const raw = readFieldsAndFlags(positionals, values, cwd, COMMAND, FIELD_NAMES);
  return { help: false, options: resolve(raw) };
}

function resolve(raw: Map<FieldName, RawField>): AdviseOptions {
  const num = (name: FieldName, bounds: Parameters<typeof parseNumberField>[2]) => {
    const r = raw.get(name);
    return r ? parseNumberField(r.value, r.src, bounds) : null;
  };
  const optF = raw.get('optimizer');
  if (!optF) throw new UsageError(`${COMMAND}: --optimizer is required (see smd advise --help)`);
  const optimizer = parseEnumField(optF.value, optF.src, DYNAMICS_OPTIMIZERS);
  const only = (name: FieldName, applies: readonly DynamicsOptimizer[]): void => {
    const f = raw.get(name);
    if (f && !applies.includes(optimizer)) {
      throw new UsageError(
        `${COMMAND}: ${f.src.where} applies to ${applies.join('/')}, not ${optimizer}`,
      );
    }
  };
  only('momentum', ['sgdm', 'nesterov', 'sgdp']);
  only('betas', ['adamw', 'lion', 'adamp']);
  only('wd-ratio', ['sgdp', 'adamp']);
  const hasMomentum = optimizer === 'sgdm' || optimizer === 'nesterov' || optimizer === 'sgdp';
  const momentum =
    (hasMomentum ? num('momentum', { min: 0, max: 1 }) : null) ??
    flagDefault(ADVISE_SPEC, 'momentum', optimizer);
  const betasF = raw.get('betas');
  const betas = betasF
    ? parseBetasField(betasF)
    : ([...flagDefault(ADVISE_SPEC, 'betas', optimizer)] as [number, number]);
  const wdRatio = num('wd-ratio', { min: 0 }) ?? flagDefault(ADVISE_SPEC, 'wd-ratio');
  const lr = num('lr', { min: 0 });
  const wd = num('wd', { min: 0 });
  const targetDelta = num('target-delta', { min: 0, max: 1 });
  const targetTau = num('target-tau', { min: 1, minInclusive: true });
  if (targetDelta !== null && targetTau !== null) {
    throw new UsageError(
      `${COMMAND}: give --target-delta or --target-tau, not both (both fix ηλ: Δ* sets τ)`,
    );
  }
  const target = targetDelta !== null || targetTau !== null;
  if (target && (lr === null) === (wd === null)) {
    throw new UsageError(
      `${COMMAND}: with a target, give exactly one of --lr and --wd (the other is solved)`,
    );
  }
  if (!target && (lr === null || wd === null)) {
    throw new UsageError(
      `${COMMAND}: give --lr and --wd, or one of them with --target-delta / --target-tau`,
    );
  }
  const tolerance = num('tolerance', { min: 0, max: 1 }) ?? flagDefault(ADVISE_SPEC, 'tolerance');
  const schedF = raw.get('schedule');
  const schedule = schedF
    ? parseStringField(schedF.value, schedF.src, 'a schedule such as "multistep:30,60:0.1"')
    : null;
  const stepsPerEpoch =
    num('steps-per-epoch', { min: 1, minInclusive: true, integer: true }) ??
    flagDefault(ADVISE_SPEC, 'steps-per-epoch');
  const epochs = num('epochs', { min: 0 });
  let totalSteps: number | null = null;
  let scheduleSpec: Schedule | null = null;
  if (schedule !== null) {
    if (epochs === null)
      throw new UsageError(`${COMMAND}: --schedule needs --epochs (training length)`);
    totalSteps = Math.max(1, Math.round(epochs * stepsPerEpoch));
    try {
      scheduleSpec = parseSchedule(schedule, stepsPerEpoch, totalSteps);
    } catch (e) {
      throw new UsageError(
        `${COMMAND}: ${schedF!.src.where}: ${(e as Error).message.split('\n')[0]}`,
      );
    }
  }
  const batchK = num('batch-k', { min: 0 });
  const fmtF = raw.get('format');
  const format = fmtF
    ? parseEnumField(fmtF.value, fmtF.src, ['table', 'json'] as const)
    : flagDefault(ADVISE_SPEC, 'format');
  return {
    optimizer,
    momentum,
    betas,
    wdRatio,
    lr,
    wd,
    targetDelta,
    targetTau,
    tolerance,
    schedule,
    scheduleSpec,
    stepsPerEpoch,
    totalSteps,
    batchK,
    format,
  };
}
