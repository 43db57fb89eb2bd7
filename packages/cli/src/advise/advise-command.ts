/** `smd advise`: parse, solve with @smd/smd's advice functions, print a table or JSON. */
import { lrSeries, scheduleDrops } from '@smd/engine/schedule';
import {
  batchScaling,
  dropAdvice,
  optimizerDynamics,
  productForDelta,
  productForTimeConstant,
  warmupSteps,
  type BatchScaling,
  type DropAdvice,
} from '@smd/smd';
import { int, sig } from '../format/numbers.js';
import { UsageError, type CliIo } from '../usage-error.js';
import { ADVISE_HELP, parseAdviseArgs, type AdviseOptions } from './advise-options.js';

/** Everything `smd advise` reports. */
export interface Advice {
  optimizer: AdviseOptions['optimizer'];
  lr: number;
  wd: number;
  /** which of lr / wd was solved (null: both given) */
  solved: 'lr' | 'wd' | null;
  deltaStarRad: number;
  timeConstantSteps: number;
  warmupSteps: number;
  tolerance: number;
  drops: DropAdvice[];
  batch: BatchScaling | null;
}

/** Computes the advice for validated options. */
export function computeAdvice(o: AdviseOptions): Advice {
  const opt = { optimizer: o.optimizer, momentum: o.momentum, betas: o.betas, wdRatio: o.wdRatio };
  let lr = o.lr;
  let wd = o.wd;
  let solved: Advice['solved'] = null;
  if (o.targetDelta !== null || o.targetTau !== null) {
    let x: number;
    try {
      x =
        o.targetDelta !== null
          ? productForDelta(opt, o.targetDelta)
          : productForTimeConstant(opt, o.targetTau!);
    } catch (e) {
      // an unreachable target is an input error (e.g. a τ shorter than any ηλ gives)
      throw new UsageError(`smd advise: ${(e as Error).message.replace(/^advice: /, '')}`);
    }
    if (lr === null) {
      lr = x / wd!;
      solved = 'lr';
    } else {
      wd = x / lr;
      solved = 'wd';
    }
  }
  const h = { ...opt, wd: wd! };
  const dyn = optimizerDynamics(h);
  const tau = dyn.timeConstant(lr!);
  let drops: DropAdvice[] = [];
  if (o.scheduleSpec !== null && o.totalSteps !== null) {
    const series = lrSeries(o.scheduleSpec, lr!, o.totalSteps);
    const found = scheduleDrops(o.scheduleSpec, o.totalSteps);
    drops = dropAdvice(h, found, (t) => series[t], o.totalSteps, o.tolerance);
  }
  return {
    optimizer: o.optimizer,
    lr: lr!,
    wd: wd!,
    solved,
    deltaStarRad: dyn.deltaStar(lr!),
    timeConstantSteps: tau,
    warmupSteps: warmupSteps(tau, o.tolerance),
    tolerance: o.tolerance,
    drops,
    batch: o.batchK === null ? null : batchScaling(h, lr!, o.batchK),
  };
}

function steps(n: number | null): string {
  return n === null ? '> 10,000,000' : int(n);
}

const hasMomentum = (o: AdviseOptions): boolean =>
  o.optimizer === 'sgdm' || o.optimizer === 'nesterov' || o.optimizer === 'sgdp';
const hasBetas = (o: AdviseOptions): boolean =>
  o.optimizer === 'adamw' || o.optimizer === 'lion' || o.optimizer === 'adamp';
const projected = (o: AdviseOptions): boolean => o.optimizer === 'sgdp' || o.optimizer === 'adamp';

/** The human-readable advice. */
export function formatAdvice(a: Advice, o: AdviseOptions): string {
  const mark = (what: 'lr' | 'wd'): string => (a.solved === what ? ' (solved)' : '');
  const lines = [
    `smd advise — ${a.optimizer}${hasMomentum(o) ? ` α = ${o.momentum}` : ''}${hasBetas(o) ? ` β = (${o.betas[0]}, ${o.betas[1]})` : ''}${projected(o) ? ` r = ${o.wdRatio} (decay ηλr${o.optimizer === 'sgdp' ? '/(1−α)' : ''} per step on projected tensors)` : ''}`,
    `  η = ${sig(a.lr, 5)}${mark('lr')}, λ = ${sig(a.wd, 5)}${mark('wd')}  (ηλ = ${sig(a.lr * a.wd, 5)})`,
    `  equilibrium angular update Δ* = ${sig(a.deltaStarRad, 5)} rad per step`,
    `  time constant τ = ${sig(a.timeConstantSteps, 5)} steps; warmup to within ±${sig(a.tolerance * 100, 3)}% of equilibrium from far: τ·ln(1/${a.tolerance}) = ${int(a.warmupSteps)} steps`,
  ];
  if (o.stepsPerEpoch > 1) {
    lines.push(
      `  (${sig(a.timeConstantSteps / o.stepsPerEpoch, 4)} epochs; warmup ${sig(a.warmupSteps / o.stepsPerEpoch, 4)} epochs)`,
    );
  }
  for (const d of a.drops) {
    lines.push(
      `  drop at step ${int(d.step)}: η ÷ ${sig(d.k, 4)} → ${sig(d.lrAfter, 4)}, Δ* ${sig(d.deltaStarBefore, 4)} → ${sig(d.deltaStarAfter, 4)} rad; ` +
        `re-equilibrates in ${steps(d.reequilibrateSteps)} steps (pure decay bound ${int(d.normDecaySteps)}), ` +
        `${int(d.stepsAvailable)} steps until the next drop/end: ${d.nextComesFirst ? 'the next drop comes FIRST' : 'in time'}`,
      `    fix: multiply the scale-invariant weights by ${sig(d.rescaleFactor, 5)} at the drop → ${steps(d.reequilibrateStepsRescaled)} steps` +
        (o.optimizer === 'adamw' || o.optimizer === 'adamp'
          ? ' (also scale exp_avg by 1/f and exp_avg_sq by 1/f² to skip Adam’s v lag)'
          : ''),
    );
  }
  if (a.batch !== null) {
    const b = a.batch;
    lines.push(
      `  batch size × ${sig(b.k, 4)} with η → ${sig(b.k, 4)}η: Δ* × ${sig(b.deltaRatio, 4)} (≈ √k, not k), τ × ${sig(b.timeConstantRatioSteps, 4)} in steps = × ${sig(b.timeConstantRatioEpochs, 4)} in epochs`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Runs `smd advise <argv>`; returns the exit code. */
export async function runAdvise(argv: string[], io: CliIo): Promise<number> {
  const req = parseAdviseArgs(argv, io.cwd);
  if (req.help) {
    io.out(ADVISE_HELP);
    return 0;
  }
  const a = computeAdvice(req.options);
  io.out(
    req.options.format === 'json'
      ? JSON.stringify(a, null, 2) + '\n'
      : formatAdvice(a, req.options),
  );
  return 0;
}
