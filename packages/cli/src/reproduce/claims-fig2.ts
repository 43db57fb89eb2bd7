/**
 * Figure 2's claims (equilibrium at a fixed lr, SGD vs SGDM), measured on the two runs with
 * analyzeRun's per-layer table: ‖w‖ → w* (Theorems 1–2), Δ → Δ* for every layer (Theorem 3),
 * and the approach rate against the theorems' rate.
 */
import { fitApproachRate } from './approach-rate.js';
import {
  MIN_TIME_CONSTANTS,
  combine,
  everyLayerVerdict,
  median,
  pct,
  sig,
  type ClaimResult,
  type Verdict,
} from './claim.js';
import type { LoadedRun } from './load-run.js';
import { SETTINGS } from './plan.js';

const PAPER = 'ResNet-50 / ImageNet, η = 0.2, λ = 1e-4, SGD and SGDM α = 0.9, 450k steps';

/** The run's length in its own time constants (1−α)/(2λη) (Theorems 1–2's rates). */
export function timeConstants(r: LoadedRun): { tau: number; n: number } {
  const { lr, weightDecay: wd, momentum } = r.config;
  const tau = (1 - momentum) / (2 * lr * wd);
  return { tau, n: (r.series.lastStep + 1) / tau };
}

function ours(r: LoadedRun[]): string {
  const c = r[0].config;
  const steps = r[0].series.lastStep + 1;
  return `16/32/64 BN ResNet, ${steps} steps (batch ${r[0].batchSize}), η = ${c.lr}, λ = ${c.weightDecay}, SGD and SGDM α = ${SETTINGS.fig2.momentum}`;
}

function opt(r: LoadedRun): string {
  return r.config.momentum > 0 ? 'SGDM' : 'SGD';
}

/** Scale-invariant rows of a run's table. */
function siRows(r: LoadedRun): LoadedRun['analysis']['layers'] {
  return r.analysis.layers.filter((l) => l.scaleInvariant);
}

/** First and last sample of each scale-invariant layer's series: median ratio last/first. */
function growth(r: LoadedRun, of: 'norm' | 'delta'): number {
  const si = new Set(siRows(r).map((l) => l.param));
  return median(
    r.series.layers
      .filter((l) => si.has(l.param) && l[of].values.length > 1)
      .map((l) => {
        const v = l[of].values;
        const k = Math.max(1, Math.floor(v.length / 10));
        let a = 0;
        let b = 0;
        for (let i = 0; i < k; i++) {
          a += v[i] * v[i];
          b += v[v.length - 1 - i] * v[v.length - 1 - i];
        }
        return Math.sqrt(b / a);
      }),
  );
}

/**
 * Why a run cannot show the equilibrium: no weight decay (then there is none: Δ* = 0, w* = ∞,
 * and ‖w‖ only grows), or fewer than MIN_TIME_CONSTANTS of its own time constants. Null if it can.
 */
export function shortOf(r: LoadedRun): { verdict: Verdict; why: string } | null {
  if (!(r.config.weightDecay > 0)) {
    return {
      verdict: 'fails',
      why: `${opt(r)} with λ = 0 has no equilibrium (Δ* = 0, w* = ∞): over the run ‖w‖ grew ×${sig(growth(r, 'norm'), 5)} and Δ changed ×${sig(growth(r, 'delta'), 3)} (RMS of the first vs the last tenth)`,
    };
  }
  const { tau, n } = timeConstants(r);
  if (n >= MIN_TIME_CONSTANTS) return null;
  return {
    verdict: 'inconclusive',
    why: `${opt(r)} ran ${sig(n, 2)} of its time constants (τ = ${sig(tau, 3)} steps), fewer than ${MIN_TIME_CONSTANTS}`,
  };
}

/** fig2.norm, fig2.delta, fig2.rate for the SGD and SGDM runs. */
export function fig2Claims(sgd: LoadedRun, sgdm: LoadedRun): ClaimResult[] {
  const runs = [sgd, sgdm];
  const setting = ours(runs);
  const layers = siRows(sgdm).map((l) => l.param);
  const byParam = (r: LoadedRun, p: string) => siRows(r).find((l) => l.param === p);

  // ‖w‖ → w*
  const normParts = runs.map((r) => {
    const e = siRows(r).map((l) => l.normRatio - 1);
    const v = shortOf(r) ?? everyLayerVerdict(e);
    return { r, e, ...v };
  });
  const normClaim: ClaimResult = {
    id: 'fig2.norm',
    figure: 'fig2',
    claim:
      '‖w_t‖ converges to w*_t = (L_t·η / (λ(1−α)(2 − λη/(1+α))))^¼ computed from the windowed L_t (Theorems 1–2)',
    paper: PAPER,
    ours: setting,
    measured: normParts
      .map((p) => `${opt(p.r)}: median ‖w‖/w* − 1 = ${pct(median(p.e.map(Math.abs)))}`)
      .join('; '),
    verdict: combine(normParts.map((p) => p.verdict)),
    why: normParts.map((p) => `${opt(p.r)}: ${p.why}`).join('; '),
    numbers: Object.fromEntries(
      normParts.map((p) => [`${opt(p.r)}MedianNormError`, median(p.e.map(Math.abs))]),
    ),
    table: null,
  };

  // Δ → Δ*
  const deltaParts = runs.map((r) => {
    const e = siRows(r).map((l) => l.starError);
    const v = shortOf(r) ?? everyLayerVerdict(e);
    return { r, e, ...v };
  });
  const rmsSgd = median(siRows(sgd).map((l) => l.deltaRms));
  const rmsSgdm = median(siRows(sgdm).map((l) => l.deltaRms));
  const ratioPredicted = Math.sqrt(1 + sgdm.config.momentum);
  const deltaClaim: ClaimResult = {
    id: 'fig2.delta',
    figure: 'fig2',
    claim:
      'Δ_t converges to Δ* = √(2λη/(1+α)) for every scale-invariant layer, whatever its shape (Theorem 3); SGD’s Δ* is √(1+α) times SGDM’s',
    paper: `${PAPER}; Δ* = 0.0063 (SGD), 0.0046 (SGDM)`,
    ours: `${setting}; Δ* = ${sig(siRows(sgd)[0]?.deltaStar ?? NaN)} (SGD), ${sig(siRows(sgdm)[0]?.deltaStar ?? NaN)} (SGDM)`,
    measured:
      deltaParts.map((p) => `${opt(p.r)}: median RMS Δ/Δ* − 1 = ${pct(median(p.e))}`).join('; ') +
      `; RMS Δ SGD/SGDM = ${sig(rmsSgd / rmsSgdm, 3)} (√(1+α) = ${sig(ratioPredicted, 3)})`,
    verdict: combine(deltaParts.map((p) => p.verdict)),
    why: deltaParts.map((p) => `${opt(p.r)}: ${p.why}`).join('; '),
    numbers: {
      sgdMedianDeltaError: median(deltaParts[0].e),
      sgdmMedianDeltaError: median(deltaParts[1].e),
      sgdOverSgdm: rmsSgd / rmsSgdm,
      sqrtOnePlusAlpha: ratioPredicted,
    },
    table: {
      columns: [
        'layer',
        'SGD RMS Δ/Δ*',
        'SGD ‖w‖/w*',
        'SGD mean-field error',
        'SGDM RMS Δ/Δ*',
        'SGDM ‖w‖/w*',
        'SGDM mean-field error',
      ],
      rows: layers.map((p) => {
        const a = byParam(sgd, p);
        const b = byParam(sgdm, p);
        return [
          p,
          sig(a?.deltaRatio ?? NaN),
          sig(a?.normRatio ?? NaN),
          pct(a?.predictedError ?? NaN),
          sig(b?.deltaRatio ?? NaN),
          sig(b?.normRatio ?? NaN),
          pct(b?.predictedError ?? NaN),
        ];
      }),
    },
  };

  // approach rate
  const rateParts = runs.map((r) => {
    const preds = r.analysis.predictions;
    const fits = r.series.layers
      .filter((l) => preds.layers.has(l.param))
      .map((l) => ({
        param: l.param,
        fit: fitApproachRate({
          norm: l.norm,
          L: preds.layers.get(l.param)!.L,
          lr: preds.lr,
          wd: r.config.weightDecay,
          momentum: r.config.momentum,
        }),
      }));
    const ok = fits.filter((f) => Number.isFinite(f.fit.rate));
    const rate = median(ok.map((f) => f.fit.rate));
    const thm = fits[0]?.fit.theoremRate ?? NaN;
    const rec = fits[0]?.fit.recurrenceRate ?? NaN;
    let verdict: Verdict;
    let why: string;
    const none = r.config.weightDecay > 0 ? null : shortOf(r);
    if (none) {
      verdict = none.verdict;
      why = none.why;
    } else if (ok.length < Math.max(1, fits.length / 2)) {
      verdict = 'inconclusive';
      why = `${opt(r)}: a rate could be fitted for ${ok.length} of ${fits.length} layers (${fits.find((f) => f.fit.note)?.fit.note ?? ''})`;
    } else {
      verdict = rate >= 0.8 * thm ? 'holds' : 'fails';
      why = `${opt(r)}: median fitted rate ${sig(rate, 3)}/step vs the theorems' ${sig(thm, 3)}/step (holds when ≥ 0.8×: the theorems bound the deviation from above)`;
    }
    return { r, fits, rate, thm, rec, verdict, why };
  });
  const rateClaim: ClaimResult = {
    id: 'fig2.rate',
    figure: 'fig2',
    claim:
      '‖w_t‖² approaches w*² at least at the rate of Theorems 1–2: E(‖w‖² − w*²)² ≤ (1 − 2λη/(1−α))^t·B + noise, i.e. the deviation shrinks like e^{−λη t/(1−α)}',
    paper: PAPER,
    ours: setting,
    measured: rateParts
      .map(
        (p) =>
          `${opt(p.r)}: fitted ${sig(p.rate, 3)}/step vs theorem ${sig(p.thm, 3)}/step and recurrence ${sig(p.rec, 3)}/step`,
      )
      .join('; '),
    verdict: combine(rateParts.map((p) => p.verdict)),
    why: rateParts.map((p) => p.why).join('; '),
    numbers: Object.fromEntries(
      rateParts.flatMap((p) => [
        [`${opt(p.r)}Rate`, p.rate],
        [`${opt(p.r)}TheoremRate`, p.thm],
        [`${opt(p.r)}RecurrenceRate`, p.rec],
      ]),
    ),
    table: {
      columns: ['layer', 'SGD fitted rate', 'SGD fit steps', 'SGDM fitted rate', 'SGDM fit steps'],
      rows: layers.map((p) => {
        const a = rateParts[0].fits.find((f) => f.param === p)?.fit;
        const b = rateParts[1].fits.find((f) => f.param === p)?.fit;
        const span = (f: typeof a): string =>
          f && Number.isFinite(f.rate)
            ? `${Math.round(f.from)}–${Math.round(f.to)}`
            : (f?.note ?? '');
        return [p, sig(a?.rate ?? NaN, 3), span(a), sig(b?.rate ?? NaN, 3), span(b)];
      }),
    },
  };
  return [normClaim, deltaClaim, rateClaim];
}
