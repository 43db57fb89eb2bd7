/**
 * A claim of the paper as the reproduction reports it: what the paper says, its setting and
 * ours, what we measured, and a verdict with its reason. Thresholds live here, once.
 */
import type { FigureId } from './plan.js';

/** Verdicts (closed set): the data supports the claim, only in part, contradicts it, or cannot tell. */
export type Verdict = 'holds' | 'partly' | 'fails' | 'inconclusive';

/** A small table of numbers (per layer, per stage, per k …). */
export interface NumberTable {
  columns: string[];
  rows: (string | number | null)[][];
}

/** One claim's result. */
export interface ClaimResult {
  /** e.g. "fig2.delta" */
  id: string;
  figure: FigureId;
  /** the claim in one sentence */
  claim: string;
  paper: string;
  ours: string;
  /** measured numbers in one line */
  measured: string;
  verdict: Verdict;
  /** why this verdict (the rule and the numbers it looked at) */
  why: string;
  /** machine-readable numbers */
  numbers: Record<string, number | string | boolean | null>;
  table: NumberTable | null;
}

/**
 * Equilibrium tolerances: a layer is "at" a predicted value when the measured one is within
 * TOL_LAYER of it; a claim about every layer holds when the median is within TOL_MEDIAN and
 * the worst layer within TOL_LAYER ("a few %" in the paper's words).
 */
export const TOL_MEDIAN = 0.05;
export const TOL_LAYER = 0.1;

/** Runs shorter than this many of their own time constants cannot show an equilibrium. */
export const MIN_TIME_CONSTANTS = 3;

/** Median of the finite values (NaN if none). */
export function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Largest |x| over the finite values (NaN if none). */
export function worstAbs(xs: readonly number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length ? Math.max(...f.map(Math.abs)) : NaN;
}

/** "+3.1%" style relative error. */
export function pct(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return 'n/a';
  return `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(digits)}%`;
}

/** "42%" style share. */
export function share(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : 'n/a';
}

/** Short number text (4 significant digits). */
export function sig(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return 'n/a';
  return String(Number(x.toPrecision(digits)));
}

/**
 * The verdict of an "every layer is at its predicted value" claim from the layers' relative
 * errors: holds (median ≤ TOL_MEDIAN and worst ≤ TOL_LAYER), partly (median only), fails.
 */
export function everyLayerVerdict(errors: readonly number[]): { verdict: Verdict; why: string } {
  const med = median(errors.map(Math.abs));
  const worst = worstAbs(errors);
  if (!Number.isFinite(med)) return { verdict: 'inconclusive', why: 'no layer has data' };
  const rule = `median |error| ${pct(med)} (≤ ${TOL_MEDIAN * 100}%?), worst ${pct(worst)} (≤ ${TOL_LAYER * 100}%?)`;
  if (med <= TOL_MEDIAN && worst <= TOL_LAYER) return { verdict: 'holds', why: rule };
  if (med <= TOL_MEDIAN) return { verdict: 'partly', why: rule };
  return { verdict: 'fails', why: rule };
}

/** Combines verdicts of parts of one claim: all hold → holds; any inconclusive → inconclusive; … */
export function combine(vs: readonly Verdict[]): Verdict {
  if (vs.length === 0) return 'inconclusive';
  if (vs.includes('inconclusive')) return 'inconclusive';
  if (vs.every((v) => v === 'holds')) return 'holds';
  if (vs.every((v) => v === 'fails')) return 'fails';
  return 'partly';
}
