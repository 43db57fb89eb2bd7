/**
 * The theory view's figure: Δ_t (log y) and ‖w_t‖ from the mean-field recurrence in both modes
 * (the chosen one solid, the other dashed), with the equilibrium of each step's η, as a
 * FigureModel for the uPlot chart. Series are min/max down-sampled so a slider move redraws
 * ≤ 1500 points per line whatever the run length. Pure.
 */
import type { Prediction } from '@smd/smd/predict';
import type { FigLine, FigureModel } from '../model/figures.js';
import { downsample, type XY } from '../model/series.js';

/** Points per drawn line. */
const POINTS = 1500;

let stepsCache = new Float64Array(0);
/** 0, 1, …, n-1 (cached: the view redraws on every input event). */
function stepAxis(n: number): Float64Array {
  if (stepsCache.length !== n) {
    stepsCache = new Float64Array(n);
    for (let i = 0; i < n; i++) stepsCache[i] = i;
  }
  return stepsCache;
}

/**
 * The figure's lines of one prediction. The two modes share their arrays until the first lr drop
 * (under a cosine schedule, always), so each array is down-sampled once: 4 passes over 10⁶ steps
 * instead of 6, on the page's thread at every slider move.
 */
function lines(
  xs: Float64Array,
): (y: Float64Array, name: string, role: FigLine['role'], dashed: boolean) => FigLine {
  const done = new Map<Float64Array, XY>();
  return (y, name, role, dashed) => {
    let d = done.get(y);
    if (d === undefined) {
      d = downsample(xs.subarray(0, y.length), y, POINTS);
      done.set(y, d);
    }
    return { name, x: d.x, y: d.y, dashed, role };
  };
}

/** Builds the figure of a prediction (both trajectories, equilibria, drop markers). */
export function theoryFigure(p: Prediction): FigureModel {
  const n = p.options.totalSteps;
  const xs = stepAxis(n + 1);
  const chosen = p.options.rescale ? 'with rescaling' : 'no rescaling';
  const other = p.options.rescale ? 'no rescaling' : 'with rescaling';
  const line = lines(xs);
  return {
    id: 'theory',
    title: 'Predicted angular update and weight norm (mean-field recurrence, smd-theory.md §4)',
    subtitle: [],
    xLabel: 'optimizer step t',
    xMax: n,
    panels: [
      {
        id: 'delta',
        yLabel: 'angular update Δ_t (rad, log scale)',
        logY: true,
        levels: [],
        lines: [
          line(p.trajectory.deltaRad, `Δ_t (${chosen})`, 'measured', false),
          line(p.otherTrajectory.deltaRad, `Δ_t (${other})`, 'windowed', true),
          line(p.deltaStarSeries, 'Δ* of η_t', 'theory', true),
        ],
      },
      {
        id: 'norm',
        yLabel: 'weight norm ‖w_t‖ (units of √L)',
        logY: false,
        levels: [],
        lines: [
          line(p.trajectory.norm, `‖w_t‖ (${chosen})`, 'measured', false),
          line(p.otherTrajectory.norm, `‖w_t‖ (${other})`, 'windowed', true),
          line(p.normStarSeries, 'w* of η_t', 'theory', true),
        ],
      },
    ],
    markers: p.drops.map((d) => ({ x: d.step, label: `η ÷ ${+d.k.toPrecision(3)}` })),
  };
}
