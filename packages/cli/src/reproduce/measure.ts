/**
 * From executed runs to claims: loads and analyzes each run once (analyzeRun, offline), picks
 * the runs of each target from their plan uses, and measures every claim of the targets.
 */
import { fig2Claims } from './claims-fig2.js';
import { fig3Claims } from './claims-fig3.js';
import { fig4Claims } from './claims-fig4.js';
import { scalingClaims } from './claims-scaling.js';
import {
  everyLayerVerdict,
  combine,
  median,
  pct,
  share,
  worstAbs,
  type ClaimResult,
} from './claim.js';
import { loadRun, type LoadedRun } from './load-run.js';
import type { FigureId, RunUse, Variant } from './plan.js';
import type { ExecutedRun } from './plan-runner.js';

/** The runs of each figure, loaded. */
export interface FigureRuns {
  fig2?: { sgd: LoadedRun; sgdm: LoadedRun };
  fig3?: { std: LoadedRun; resc: LoadedRun };
  fig4?: Map<Variant, LoadedRun[]>;
  scaling?: Map<number, LoadedRun>;
}

/** Everything measured. */
export interface Measured {
  targets: FigureId[];
  runs: FigureRuns;
  claims: ClaimResult[];
  executed: ExecutedRun[];
}

/** Beyond the paper (a): the per-layer mean-field Δ beside Δ*, and the share of the spread it explains. */
export function meanFieldClaim(figure: FigureId, runs: LoadedRun[]): ClaimResult | null {
  const ok = runs.filter(
    (r) => r.analysis.verdicts.predictable && r.analysis.predictions.layers.size > 0,
  );
  if (ok.length === 0) return null;
  const parts = ok.map((r) => {
    const si = r.analysis.layers.filter((l) => l.scaleInvariant);
    return { r, v: everyLayerVerdict(si.map((l) => l.predictedError)), si };
  });
  return {
    id: `${figure}.meanfield`,
    figure,
    claim:
      'Beyond the paper: the §4 recurrence driven by each layer’s own measured L_t predicts each layer’s Δ (RMS over the last window), where the single Δ* describes only the median layer',
    paper: 'not in the paper (Δ* is the same for every layer)',
    ours: ok.map((r) => r.name).join(', '),
    measured: parts
      .map(
        ({ r, si }) =>
          `${r.name}: |error| vs mean-field median ${pct(median(si.map((l) => Math.abs(l.predictedError))))} (worst ${pct(worstAbs(si.map((l) => l.predictedError)))}), vs Δ* median ${pct(r.analysis.verdicts.medianStarError)}; explains ${share(r.analysis.verdicts.explainedSpread)} of the spread`,
      )
      .join('; '),
    verdict: combine(parts.map((p) => p.v.verdict)),
    why: parts.map((p) => `${p.r.name}: ${p.v.why}`).join('; '),
    numbers: Object.fromEntries(
      parts.flatMap(({ r }) => [
        [`${r.name}.explainedSpread`, r.analysis.verdicts.explainedSpread],
        [`${r.name}.medianPredictedError`, r.analysis.verdicts.medianPredictedError],
        [`${r.name}.medianStarError`, r.analysis.verdicts.medianStarError],
      ]),
    ),
    table: {
      columns: [
        'run',
        'layer',
        'RMS Δ',
        'Δ*',
        'mean-field Δ',
        'error vs Δ*',
        'error vs mean-field',
      ],
      rows: parts.flatMap(({ r, si }) =>
        si.map((l) => [
          r.name,
          l.param,
          Number(l.deltaRms.toPrecision(4)),
          Number(l.deltaStar.toPrecision(4)),
          Number(l.deltaPredicted.toPrecision(4)),
          pct(l.starError),
          pct(l.predictedError),
        ]),
      ),
    },
  };
}

/** Loads every executed run and measures the claims of `targets`. */
export function measurePlan(executed: ExecutedRun[], targets: readonly FigureId[]): Measured {
  const cache = new Map<string, LoadedRun>();
  const load = (e: ExecutedRun): LoadedRun => {
    let r = cache.get(e.dir);
    if (!r) cache.set(e.dir, (r = loadRun(e.dir)));
    return r;
  };
  const find = (match: (u: RunUse) => boolean): LoadedRun[] =>
    executed.filter((e) => e.planned.uses.some(match)).map(load);
  const runs: FigureRuns = {};
  const claims: ClaimResult[] = [];
  const push = (c: ClaimResult | null): void => void (c && claims.push(c));
  for (const t of targets) {
    if (t === 'fig2') {
      const [sgd] = find((u) => u.figure === 'fig2' && u.optimizer === 'sgd');
      const [sgdm] = find((u) => u.figure === 'fig2' && u.optimizer === 'sgdm');
      if (!sgd || !sgdm) continue;
      runs.fig2 = { sgd, sgdm };
      claims.push(...fig2Claims(sgd, sgdm));
      push(meanFieldClaim('fig2', [sgd, sgdm]));
    } else if (t === 'fig3') {
      const [std] = find((u) => u.figure === 'fig3' && u.variant === 'sgdm');
      const [resc] = find((u) => u.figure === 'fig3' && u.variant === 'sgdm-rescale');
      if (!std || !resc) continue;
      runs.fig3 = { std, resc };
      claims.push(...fig3Claims(std, resc));
      push(meanFieldClaim('fig3', [std, resc]));
    } else if (t === 'fig4') {
      const by = new Map<Variant, LoadedRun[]>();
      for (const v of ['sgdm', 'sgdm-rescale', 'adam'] as const) {
        by.set(
          v,
          find((u) => u.figure === 'fig4' && u.variant === v),
        );
      }
      runs.fig4 = by;
      claims.push(...fig4Claims(by));
      push(meanFieldClaim('fig4', [...(by.get('sgdm') ?? []), ...(by.get('sgdm-rescale') ?? [])]));
    } else {
      const by = new Map<number, LoadedRun>();
      for (const e of executed) {
        for (const u of e.planned.uses) if (u.figure === 'scaling') by.set(u.k, load(e));
      }
      runs.scaling = by;
      claims.push(...scalingClaims(by));
      push(meanFieldClaim('scaling', [...by.values()]));
    }
  }
  return { targets: [...targets], runs, claims, executed };
}
