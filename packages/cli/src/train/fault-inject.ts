/**
 * Test hook (env SMD_TEST_INJECT): puts a NaN or ±Inf into the loss, one parameter's gradient or
 * one parameter's weights at a chosen step, so the divergence checks can be tested on every
 * path a real blow-up takes. Forms: `loss@STEP`, `grad:PARAM@STEP`, `weight:PARAM@STEP`, each
 * optionally followed by `=inf` (default NaN). Never set in normal use.
 */
import type { Module } from '@smd/engine';
import { UsageError } from '../usage-error.js';

/** A parsed injection. */
export interface FaultInjection {
  kind: 'loss' | 'grad' | 'weight';
  /** Parameter name for grad/weight. */
  param: string | null;
  step: number;
  value: number;
}

/** Parses SMD_TEST_INJECT (undefined → no injection). */
export function parseFaultInjection(spec: string | undefined): FaultInjection | undefined {
  if (spec === undefined || spec === '') return undefined;
  const m = /^(loss|grad:([^@]+)|weight:([^@]+))@(\d+)(=(nan|inf|-inf))?$/.exec(spec);
  if (!m) {
    throw new UsageError(
      `SMD_TEST_INJECT must be loss@STEP, grad:PARAM@STEP or weight:PARAM@STEP[=nan|inf|-inf] (got "${spec}")`,
    );
  }
  const kind = m[1] === 'loss' ? 'loss' : m[1].startsWith('grad') ? 'grad' : 'weight';
  const value = m[6] === 'inf' ? Infinity : m[6] === '-inf' ? -Infinity : NaN;
  return { kind, param: m[2] ?? m[3] ?? null, step: Number(m[4]), value };
}

/** Writes the injected value into parameter `param`'s weights or gradient (element 0). */
export function injectIntoParam(model: Module, f: FaultInjection): void {
  const p = model.namedParameters().find(([name]) => name === f.param)?.[1];
  if (p === undefined) throw new UsageError(`SMD_TEST_INJECT: no parameter "${f.param}"`);
  const target = f.kind === 'grad' ? p.grad : p;
  if (target === null || target === undefined)
    throw new UsageError(`SMD_TEST_INJECT: "${f.param}" has no gradient`);
  target.data[0] = f.value;
}

/** First tensor (by parameter name) holding NaN/±Inf in its weights or gradient, or null. */
export function firstNonFinite(model: Module, what: 'weight' | 'grad'): string | null {
  for (const [name, p] of model.namedParameters()) {
    const t = what === 'grad' ? p.grad : p;
    if (t === null || t === undefined) continue;
    const d = t.data;
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[i] * 0;
    if (s !== 0) return name; // x·0 is NaN exactly when x is NaN or ±Inf
  }
  return null;
}
