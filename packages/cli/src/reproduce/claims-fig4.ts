/**
 * Figure 4's claim: in the 2nd lr stage the test accuracy of plain SGDM drops while Δ_t of
 * layer1.0.conv1 rises; SGDM + rescaling and Adam show no such drop. Measured per seed, then
 * averaged: Δ rise = RMS Δ in the stage's last window / in its first window; accuracy drop =
 * best test accuracy inside the stage − the stage's last one (percentage points).
 */
import { LayerWindows, type Series } from '@smd/smd';
import { median, pct, sig, type ClaimResult, type Verdict } from './claim.js';
import { stagesOf } from './claims-fig3.js';
import type { LoadedRun } from './load-run.js';
import { SETTINGS, type Variant } from './plan.js';

/** A test-accuracy fall larger than this (percentage points) counts as a drop (10k images: ±0.3). */
export const ACC_DROP_PP = 0.3;
/** Δ rising by more than this fraction across the stage counts as a rise. */
export const DELTA_RISE = 0.1;

/** Stage-2 numbers of one run. */
export interface StageTwo {
  deltaRise: number;
  accDropPp: number;
  finalAcc: number;
  evalsInStage: number;
}

function valuesIn(s: Series, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.steps.length; i++) {
    if (s.steps[i] >= from && s.steps[i] <= to) out.push(s.values[i]);
  }
  return out;
}

/** Stage-2 Δ rise and accuracy drop of one run (NaN when the run has no 2nd stage). */
export function stageTwo(r: LoadedRun, layer: string): StageTwo {
  const s = stagesOf(r)[1];
  const accs = r.testAcc.values;
  const finalAcc = accs.length ? accs[accs.length - 1] : NaN;
  const none = { deltaRise: NaN, accDropPp: NaN, finalAcc, evalsInStage: 0 };
  const l = r.series.layers.find((x) => x.param === layer);
  if (!s || !l) return none;
  const W = Math.max(1, Math.min(r.analysis.windowSteps, Math.floor((s.to - s.from + 1) / 3)));
  const lw = new LayerWindows(layer, l.delta, null, r.analysis.predictions.deltaStar);
  const rise =
    lw.compare(s.to - W + 1, s.to).deltaRms / lw.compare(s.from, s.from + W - 1).deltaRms - 1;
  const inStage = valuesIn(r.testAcc, s.from, s.to);
  const drop = inStage.length ? (Math.max(...inStage) - inStage[inStage.length - 1]) * 100 : NaN;
  return { deltaRise: rise, accDropPp: drop, finalAcc, evalsInStage: inStage.length };
}

/** fig4.drop over the runs of each variant (one per seed). */
export function fig4Claims(byVariant: Map<Variant, LoadedRun[]>): ClaimResult[] {
  const layer = SETTINGS.fig4.layer;
  const rows: (string | number | null)[][] = [];
  const summary = new Map<Variant, { rise: number; drop: number; acc: number; n: number }>();
  for (const [variant, runs] of byVariant) {
    const st = runs.map((r) => stageTwo(r, layer));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = (xs: number[]): number => {
      const m = mean(xs);
      return xs.length > 1
        ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))
        : NaN;
    };
    const acc = st.map((x) => x.finalAcc * 100);
    summary.set(variant, {
      rise: mean(st.map((x) => x.deltaRise)),
      drop: mean(st.map((x) => x.accDropPp)),
      acc: mean(acc),
      n: runs.length,
    });
    rows.push([
      variant,
      runs.length,
      pct(mean(st.map((x) => x.deltaRise))),
      sig(mean(st.map((x) => x.accDropPp)), 3),
      median(st.map((x) => x.evalsInStage)),
      `${sig(mean(acc), 4)}${Number.isFinite(sd(acc)) ? ` ± ${sig(sd(acc), 2)}` : ''}`,
    ]);
  }
  const sgdm = summary.get('sgdm');
  const others = [...summary.entries()].filter(([v]) => v !== 'sgdm');
  let verdict: Verdict = 'inconclusive';
  let why = 'no SGDM run with a 2nd lr stage';
  if (sgdm && Number.isFinite(sgdm.drop)) {
    const sgdmDrops = sgdm.drop > ACC_DROP_PP && sgdm.rise > DELTA_RISE;
    const othersClean = others.every(([, s]) => !(s.drop > ACC_DROP_PP));
    verdict = sgdmDrops && othersClean ? 'holds' : sgdmDrops ? 'partly' : 'fails';
    why =
      `plain SGDM: Δ ${sgdm.rise > DELTA_RISE ? 'rises' : 'does not rise'} (${pct(sgdm.rise)}) and test accuracy ` +
      `${sgdm.drop > ACC_DROP_PP ? 'drops' : 'does not drop'} (${sig(sgdm.drop, 2)} pp; a drop is > ${ACC_DROP_PP} pp)` +
      others.map(([v, s]) => `; ${v}: ${sig(s.drop, 2)} pp`).join('');
  }
  const c = byVariant.get('sgdm')?.[0]?.config;
  return [
    {
      id: 'fig4.drop',
      figure: 'fig4',
      claim:
        'In the 2nd lr stage the test accuracy of plain SGDM drops while Δ_t rises towards its new equilibrium; with rescaling or Adam it does not',
      paper: 'ResNet-18 / CIFAR-10, SGDM vs SGDM + rescaling vs Adam, several seeds',
      ours: c
        ? `16/32/64 BN ResNet, SGDM η = ${c.lr} ÷ 10 at ½ and ¾ of the run, λ = ${c.weightDecay}; Adam η = ${SETTINGS.fig4.adamLr}, λ = ${SETTINGS.fig4.adamWd} (L2); ${byVariant.get('sgdm')?.length ?? 0} seed(s); layer ${layer}`
        : 'n/a',
      measured: [...summary.entries()]
        .map(
          ([v, s]) =>
            `${v}: Δ ${pct(s.rise)}, accuracy drop ${sig(s.drop, 2)} pp, final ${sig(s.acc, 4)}%`,
        )
        .join('; '),
      verdict,
      why,
      numbers: Object.fromEntries(
        [...summary.entries()].flatMap(([v, s]) => [
          [`${v}DeltaRise`, s.rise],
          [`${v}AccDropPp`, s.drop],
          [`${v}FinalAcc`, s.acc],
        ]),
      ),
      table: {
        columns: [
          'variant',
          'seeds',
          'stage-2 Δ rise',
          'stage-2 accuracy drop (pp)',
          'test evaluations in stage 2',
          'final test accuracy (%)',
        ],
        rows,
      },
    },
  ];
}
