/**
 * Figure 3's claims (multi-stage lr, with and without the rescaling trick), per stage and per
 * layer, from analyzeRun's predictions and its window statistics (LayerWindows: RMS Δ, the
 * layer's mean-field Δ and Δ* over any span of steps).
 */
import { LayerWindows, lrSegmentStarts, stepsAfterLrDrop } from '@smd/smd';
import {
  TOL_LAYER,
  everyLayerVerdict,
  median,
  pct,
  sig,
  worstAbs,
  type ClaimResult,
  type Verdict,
} from './claim.js';
import type { LoadedRun } from './load-run.js';

const PAPER =
  'ResNet-50 / ImageNet, SGDM η = 0.1 ÷ 10 at epochs 30, 60, 80 (5005 steps/epoch), λ = 1e-4';

/** One lr stage: steps [from, to], its η and the factor k of the drop that opened it. */
export interface Stage {
  index: number;
  from: number;
  to: number;
  lr: number;
  /** η_before / η (1 for the first stage) */
  k: number;
  lrBefore: number;
}

/** The run's lr stages (segments of constant η). */
export function stagesOf(r: LoadedRun): Stage[] {
  const lr = r.analysis.predictions.lr;
  const starts = lrSegmentStarts(lr);
  return starts.map((from, i) => {
    const to = (i + 1 < starts.length ? starts[i + 1] : lr.length) - 1;
    const before = i > 0 ? lr[from - 1] : lr[from];
    return { index: i + 1, from, to, lr: lr[from], k: before / lr[from], lrBefore: before };
  });
}

/** Windows of a layer: measured RMS Δ, its mean-field Δ and Δ*. */
function windowsOf(r: LoadedRun, param: string): LayerWindows | null {
  const l = r.series.layers.find((x) => x.param === param);
  if (!l) return null;
  const pred = r.analysis.predictions.layers.get(param)?.delta ?? null;
  return new LayerWindows(param, l.delta, pred, r.analysis.predictions.deltaStar);
}

/** Window length inside a stage: the run's window, at most a third of the stage. */
export function spanOf(r: LoadedRun, s: Stage): number {
  return Math.max(1, Math.min(r.analysis.windowSteps, Math.floor((s.to - s.from + 1) / 3)));
}

/** Windows shorter than this many steps are too noisy to judge a stage by. */
export const MIN_SPAN = 25;

/**
 * Steps after the stage start until the RMS of `which` over a sliding window (stride W/4)
 * first comes within TOL_LAYER of Δ*: measured Δ or the mean-field Δ; null if never.
 */
export function stepsToReach(
  lw: LayerWindows,
  s: Stage,
  W: number,
  which: 'measured' | 'predicted',
): number | null {
  const stride = Math.max(1, Math.floor(W / 4));
  for (let from = s.from; from + W - 1 <= s.to; from += stride) {
    const c = lw.compare(from, from + W - 1);
    const e = which === 'measured' ? c.starError : c.deltaPredicted / c.deltaStar - 1;
    if (Math.abs(e) <= TOL_LAYER) return from + W - 1 - s.from;
  }
  return null;
}

function siParams(r: LoadedRun): string[] {
  return r.analysis.layers.filter((l) => l.scaleInvariant).map((l) => l.param);
}

/** fig3.corollary (standard run) and fig3.rescale (rescaled run against the standard one). */
export function fig3Claims(std: LoadedRun, resc: LoadedRun): ClaimResult[] {
  const stages = stagesOf(std).filter((s) => s.k > 1);
  const c = std.config;
  const ours = `16/32/64 BN ResNet, SGDM η = ${c.lr} ÷ 10 at steps ${stages.map((s) => s.from).join(', ')} of ${std.series.lastStep + 1}, λ = ${c.weightDecay}, α = ${c.momentum}`;
  const params = siParams(std);
  // Corollary 3.1 per stage and layer
  const rows: (string | number | null)[][] = [];
  let early = 0;
  let judged = 0;
  for (const s of stages) {
    const bound = stepsAfterLrDrop({
      lr: s.lrBefore,
      wd: c.weightDecay,
      momentum: c.momentum,
      k: s.k,
    }).corollarySteps;
    const W = spanOf(std, s);
    const len = s.to - s.from + 1;
    if (W < MIN_SPAN) {
      rows.push([
        `stage ${s.index} (η = ${sig(s.lr)}, ${len} steps)`,
        bound,
        'too short',
        null,
        null,
        null,
      ]);
      continue;
    }
    const measured: (number | null)[] = [];
    const predicted: (number | null)[] = [];
    for (const p of params) {
      const lw = windowsOf(std, p);
      if (!lw) continue;
      const m = stepsToReach(lw, s, W, 'measured');
      measured.push(m);
      predicted.push(stepsToReach(lw, s, W, 'predicted'));
      judged++;
      if (m !== null && m < bound) early++;
    }
    const reached = measured.filter((m) => m !== null) as number[];
    rows.push([
      `stage ${s.index} (η = ${sig(s.lr)}, ${len} steps)`,
      bound,
      `${reached.length}/${measured.length}`,
      reached.length ? Math.min(...reached) : null,
      `${predicted.filter((m) => m !== null).length}/${predicted.length}`,
      median(predicted.filter((m) => m !== null) as number[]),
    ]);
  }
  let verdict: Verdict;
  let why: string;
  if (judged === 0) {
    verdict = 'inconclusive';
    why = `the run has no stage after an lr drop long enough to judge (windows of ≥ ${MIN_SPAN} steps)`;
  } else {
    verdict = early === 0 ? 'holds' : 'fails';
    why = `${early} of ${judged} (layer, stage) pairs came within ${TOL_LAYER * 100}% of the new Δ* sooner than Corollary 3.1's lower bound`;
  }
  const corollary: ClaimResult = {
    id: 'fig3.corollary',
    figure: 'fig3',
    claim:
      'After η ÷ k, Δ_t needs at least ⌈ln k·(1−α)/(2λη)⌉ steps to reach the new Δ* (Corollary 3.1): late stages end before every layer is back in equilibrium',
    paper: PAPER,
    ours,
    measured: rows.map((r) => `${r[0]}: ${r[2]} layers reached (bound ${r[1]} steps)`).join('; '),
    verdict,
    why,
    numbers: { earlyPairs: early, judgedPairs: judged },
    table: {
      columns: [
        'stage',
        'Corollary 3.1 bound (steps)',
        'layers within 10% of Δ* before the stage ends',
        'earliest (steps after the drop)',
        'mean-field prediction: layers within 10%',
        'mean-field: median steps',
      ],
      rows,
    },
  };
  // rescaling: first and last window of every stage after a drop, every layer
  const rstages = stagesOf(resc).filter((s) => s.k > 1);
  const trows: (string | number | null)[][] = [];
  const worstPerLayer = new Map<string, number>();
  const stdWorst: number[] = [];
  for (const s of rstages) {
    const W = spanOf(resc, s);
    if (W < MIN_SPAN) continue;
    for (const p of siParams(resc)) {
      const lw = windowsOf(resc, p);
      const ls = windowsOf(std, p);
      if (!lw) continue;
      const first = lw.compare(s.from, s.from + W - 1);
      const last = lw.compare(s.to - W + 1, s.to);
      const e = worstAbs([first.starError, last.starError]);
      worstPerLayer.set(p, Math.max(worstPerLayer.get(p) ?? 0, e));
      const sf = ls?.compare(s.from, s.from + W - 1);
      const sl = ls?.compare(s.to - W + 1, s.to);
      stdWorst.push(worstAbs([sf?.starError ?? NaN, sl?.starError ?? NaN]));
      trows.push([
        `stage ${s.index}`,
        p,
        pct(first.starError),
        pct(last.starError),
        pct(last.predictedError),
        pct(sf?.starError ?? NaN),
        pct(sl?.starError ?? NaN),
      ]);
    }
  }
  const errs = [...worstPerLayer.values()];
  const v = rstages.length
    ? everyLayerVerdict(errs)
    : { verdict: 'inconclusive' as Verdict, why: 'no lr drop' };
  const rescale: ClaimResult = {
    id: 'fig3.rescale',
    figure: 'fig3',
    claim:
      'With the rescaling trick (w ÷ k^¼ at every η ÷ k) every layer is at the new Δ* at once, within a few % in every stage',
    paper: PAPER,
    ours: `${ours}, + rescaling`,
    measured: `rescaled: median worst |RMS Δ/Δ* − 1| per layer ${pct(median(errs))}, worst ${pct(worstAbs(errs))}; standard run, same windows: median ${pct(median(stdWorst))}`,
    verdict: v.verdict,
    why: `${v.why} (first and last window of each stage after a drop)`,
    numbers: {
      rescaledMedianWorstError: median(errs),
      rescaledWorstError: worstAbs(errs),
      standardMedianWorstError: median(stdWorst),
    },
    table: {
      columns: [
        'stage',
        'layer',
        'rescaled: first window Δ/Δ* − 1',
        'rescaled: last window',
        'rescaled: last window vs mean-field',
        'standard: first window',
        'standard: last window',
      ],
      rows: trows,
    },
  };
  return [corollary, rescale];
}
