/** Machine-readable (`--format json` and `--format csv`) outputs of `smd predict`. */
import { csvField } from '../format/numbers.js';
import {
  optimizerOf,
  type PhaseOutcome,
  type PhaseReport,
  type Prediction,
} from '@smd/smd/predict';
import { DEFAULT_WD_RATIO, defaultBetas, normSetByDim } from '@smd/smd';
import { definitions, summarizeAssumptions } from './predict-text.js';

function withoutAndWith(
  ph: PhaseReport,
  rescale: boolean,
): { without: PhaseOutcome; with: PhaseOutcome } {
  return rescale
    ? { without: ph.other, with: ph.outcome }
    : { without: ph.outcome, with: ph.other };
}

/** The JSON document: inputs, definitions, phases, drops, grouped assumption checks. */
export function predictJson(p: Prediction): Record<string, unknown> {
  const o = p.options;
  return {
    input: {
      optimizer: optimizerOf(o),
      ...(normSetByDim(optimizerOf(o))
        ? { betas: o.betas ?? defaultBetas(optimizerOf(o)), dim: o.dim ?? 576 }
        : {}),
      ...(optimizerOf(o) === 'sgdp' || optimizerOf(o) === 'adamp'
        ? { wdRatio: o.wdRatio ?? DEFAULT_WD_RATIO }
        : {}),
      lr: o.lr,
      wd: o.wd,
      momentum: o.momentum,
      schedule: o.schedule,
      stepsPerEpoch: o.stepsPerEpoch,
      totalSteps: o.totalSteps,
      epochs: o.totalSteps / o.stepsPerEpoch,
      L: o.L,
      w0: o.w0,
      tolerance: o.tolerance,
      rescale: o.rescale,
    },
    definitions: definitions(o.tolerance, optimizerOf(o)),
    initialNorm: p.initialNorm,
    startsAtEquilibrium: p.startsAtEquilibrium,
    continuousReason: p.continuousReason,
    phases: p.phases.map((ph) => {
      const both = withoutAndWith(ph, o.rescale);
      return {
        index: ph.index,
        startStep: ph.startStep,
        endStep: ph.endStep,
        startEpoch: ph.startEpoch,
        endEpoch: ph.endEpoch,
        lr: ph.lr,
        lrVaries: ph.lrVaries,
        dropRatio: ph.dropRatio,
        deltaStarRad: ph.deltaStarRad,
        deltaStarDeg: ph.deltaStarDeg,
        deltaStarPaperRad: ph.deltaStarPaperRad,
        normStar: ph.normStar,
        timeConstantSteps: ph.timeConstantSteps,
        timeConstantEpochs: ph.timeConstantEpochs,
        corollarySteps: ph.corollarySteps,
        normDecaySteps: ph.normDecaySteps,
        ...ph.outcome,
        withoutRescale: both.without,
        withRescale: both.with,
        assumptions: ph.assumptions,
      };
    }),
    drops: p.drops,
    assumptions: summarizeAssumptions(p),
  };
}

/** JSON text (2-space indent; non-finite numbers become null). */
export function formatPredictJson(p: Prediction): string {
  return JSON.stringify(predictJson(p), null, 2) + '\n';
}

/** CSV columns, one row per phase; outcome columns for the asked mode, then both modes. */
export const PREDICT_CSV_COLUMNS = [
  'phase',
  'start_step',
  'end_step',
  'start_epoch',
  'end_epoch',
  'lr',
  'lr_varies',
  'drop_ratio',
  'delta_star_rad',
  'delta_star_deg',
  'delta_star_paper_rad',
  'norm_star',
  'time_constant_steps',
  'time_constant_epochs',
  'corollary_steps',
  'norm_decay_steps',
  'rescale',
  'tolerance',
  'reaches',
  'steps_to_within',
  'steps_needed',
  'delta_end_pct',
  'norm_end_pct',
  'reaches_no_rescale',
  'steps_to_within_no_rescale',
  'delta_end_pct_no_rescale',
  'reaches_rescale',
  'steps_to_within_rescale',
  'delta_end_pct_rescale',
] as const;

/** CSV text: header plus one row per phase. */
export function formatPredictCsv(p: Prediction): string {
  const o = p.options;
  const rows = p.phases.map((ph) => {
    const both = withoutAndWith(ph, o.rescale);
    const cells: (string | number | boolean | null)[] = [
      ph.index,
      ph.startStep,
      ph.endStep,
      ph.startEpoch,
      ph.endEpoch,
      ph.lr,
      ph.lrVaries,
      ph.dropRatio,
      ph.deltaStarRad,
      ph.deltaStarDeg,
      ph.deltaStarPaperRad,
      ph.normStar,
      ph.timeConstantSteps,
      ph.timeConstantEpochs,
      ph.corollarySteps,
      ph.normDecaySteps,
      o.rescale,
      o.tolerance,
      ph.outcome.reaches,
      ph.outcome.stepsToWithin,
      ph.outcome.stepsNeeded,
      ph.outcome.deltaEndPct,
      ph.outcome.normEndPct,
      both.without.reaches,
      both.without.stepsToWithin,
      both.without.deltaEndPct,
      both.with.reaches,
      both.with.stepsToWithin,
      both.with.deltaEndPct,
    ];
    return cells.map(csvField).join(',');
  });
  return [PREDICT_CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}
