/**
 * The `--plot` figure of `smd predict`: two panels against the optimizer step, Δ_t (log y) and
 * ‖w_t‖, with each phase's Δ* and ‖w*‖ dashed and the lr drops marked. Series are min–max
 * down-sampled to ≤ 2000 points so a 450k-step run renders in well under a second.
 */
import { downsampleMinMax } from '../figure/downsample.js';
import type { FigureLevel, FigureLine, LineFigure } from '../figure/line-figure.js';
import { epochs, sig } from '../format/numbers.js';
import { optimizerOf, type Prediction } from '@smd/smd/predict';
import { normSetByDim } from '@smd/smd';
import { algoLabel } from './predict-text.js';

/** Most points drawn per series. */
export const MAX_FIGURE_POINTS = 2000;

function steps(n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = i;
  return x;
}

/** "1–3, 5" from sorted phase numbers. */
function ranges(xs: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    out.push(j > i ? `${xs[i]}–${xs[j]}` : String(xs[i]));
    i = j;
  }
  return out.join(', ');
}

/** Builds the figure model of a prediction. */
export function predictFigure(p: Prediction): LineFigure {
  const o = p.options;
  const tr = p.trajectory;
  const n = o.totalSteps;
  const xs = steps(n + 1);
  const mode = o.rescale ? 'with rescaling' : 'no rescaling';
  const d = downsampleMinMax(xs, tr.deltaRad, MAX_FIGURE_POINTS, true);
  const w = downsampleMinMax(xs, tr.norm, MAX_FIGURE_POINTS);
  const deltaLines: FigureLine[] = [{ name: `Δ_t predicted (${mode})`, x: d.x, y: d.y }];
  const normLines: FigureLine[] = [{ name: `‖w_t‖ predicted (${mode})`, x: w.x, y: w.y }];
  const deltaLevels: FigureLevel[] = [];
  const normLevels: FigureLevel[] = [];
  const deltaStarName = 'Δ* of the phase (equilibrium)';
  const normStarName = '‖w*‖ of the phase (equilibrium)';
  let varying = false;
  for (const ph of p.phases) {
    if (ph.lrVaries) {
      varying = true;
      continue;
    }
    deltaLevels.push({ name: deltaStarName, x0: ph.startStep, x1: ph.endStep, y: ph.deltaStarRad });
    normLevels.push({ name: normStarName, x0: ph.startStep, x1: ph.endStep, y: ph.normStar });
  }
  if (varying) {
    const s = downsampleMinMax(xs, p.deltaStarSeries, MAX_FIGURE_POINTS, true);
    deltaLines.push({
      name: 'Δ*(η_t) (equilibrium of the current η)',
      x: s.x,
      y: s.y,
      dashed: true,
    });
    const ws = downsampleMinMax(xs, p.normStarSeries, MAX_FIGURE_POINTS, true);
    normLines.push({
      name: '‖w*‖(η_t) (equilibrium of the current η)',
      x: ws.x,
      y: ws.y,
      dashed: true,
    });
  }
  const yes = p.phases.filter((ph) => ph.outcome.reaches).map((ph) => ph.index);
  const no = p.phases.filter((ph) => !ph.outcome.reaches).map((ph) => ph.index);
  const verdicts = [
    yes.length > 0 ? `reached in phase${yes.length > 1 ? 's' : ''} ${ranges(yes)}` : '',
    no.length > 0 ? `NOT reached in phase${no.length > 1 ? 's' : ''} ${ranges(no)}` : '',
  ]
    .filter((x) => x !== '')
    .join('; ');
  const algo = algoLabel(o, true);
  return {
    title: `Predicted Spherical Motion Dynamics (${mode})`,
    subtitle: [
      `${algo}, η = ${sig(o.lr)}, λ = ${sig(o.wd)}${normSetByDim(optimizerOf(o)) ? `, d = ${o.dim}` : `, L = ${sig(o.L)}`}, schedule ${o.schedule}, ` +
        `${epochs(n / o.stepsPerEpoch)} epochs × ${o.stepsPerEpoch} steps/epoch`,
      `${optimizerOf(o) === 'sgd' || optimizerOf(o) === 'sgdm' ? 'Mean-field recurrence (docs/smd-theory.md §4)' : 'Recurrence of docs/optimizers.md'}. Equilibrium (Δ_t within ±${sig(o.tolerance * 100, 3)}% of Δ* until the phase ends): ${verdicts}`,
    ],
    xLabel: `optimizer step t`,
    xMax: n,
    xTop: o.stepsPerEpoch > 1 ? { label: 'epoch', divisor: o.stepsPerEpoch } : undefined,
    panels: [
      {
        yLabel: 'angular update Δ_t (rad, log scale)',
        logY: true,
        lines: deltaLines,
        levels: deltaLevels,
      },
      {
        yLabel: 'weight norm ‖w_t‖ (units of √L)',
        logY: false,
        lines: normLines,
        levels: normLevels,
      },
    ],
    markers: p.drops.map((dr) => ({ x: dr.step, label: `η ÷ ${sig(dr.k, 3)}` })),
  };
}
