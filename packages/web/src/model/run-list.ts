/**
 * The dashboard's run list (one row per run, as TensorBoard / W&B show it): the row built from a
 * run's RunData, and pure sorting and filtering so the browser and the tests share them.
 */
import type { RunStatus } from '@smd/runs/browser';
import { ACCURACY_NAMES, findScalar, LOSS_NAMES, scalarKey, type RunData } from './run-data.js';

/** One row of GET api/runs. */
export interface RunListEntry {
  id: string;
  name: string;
  createdAt: string;
  status: RunStatus;
  lastStep: number | null;
  optimizer: string | null;
  /** base η */
  lr: number | null;
  schedule: string | null;
  weightDecay: number | null;
  momentum: number | null;
  finalLoss: number | null;
  testAcc: number | null;
  /** median over scale-invariant layers of RMS Δ / Δ* (last window) */
  medianDeltaRatio: number | null;
  /** median |RMS Δ / per-layer mean-field Δ − 1| (last window) */
  medianPredictedError: number | null;
  /** share of the layers' spread around Δ* the recurrence explains */
  explainedSpread: number | null;
  alerts: number;
  /** why the run could not be analyzed (the row keeps what the listing knows) */
  error: string | null;
  /** the analysis columns are still being computed (smd serve, long runs) */
  pending: boolean;
}

/** Columns the list can sort by. */
export type RunListKey = Exclude<keyof RunListEntry, 'error' | 'pending'>;

const finite = (x: number | undefined): number | null =>
  x !== undefined && Number.isFinite(x) ? x : null;

function lastOf(run: RunData, name: string | null): number | null {
  const s = name === null ? undefined : run.series[scalarKey(name)];
  return s && s.y.length ? finite(s.y[s.y.length - 1]) : null;
}

/** The list row of an analyzed run. */
export function runListEntry(run: RunData, lastStep: number | null): RunListEntry {
  const v = run.analysis?.verdicts;
  return {
    id: run.id,
    name: run.name,
    createdAt: run.createdAt,
    status: run.status,
    lastStep,
    optimizer: run.config.optimizer,
    lr: run.config.lr,
    schedule: run.config.schedule,
    weightDecay: run.config.weightDecay,
    momentum: run.config.momentum,
    finalLoss: lastOf(run, findScalar(run, LOSS_NAMES)),
    testAcc: lastOf(run, findScalar(run, ACCURACY_NAMES)),
    medianDeltaRatio: finite(v?.medianDeltaRatio),
    medianPredictedError: finite(v?.medianPredictedError),
    explainedSpread: finite(v?.explainedSpread),
    alerts: run.analysis?.alerts.length ?? 0,
    error: null,
    pending: run.analysis === null,
  };
}

/** Rows sorted by `key` (missing values last, ties by creation time, newest first). */
export function sortRuns(
  rows: readonly RunListEntry[],
  key: RunListKey,
  descending: boolean,
): RunListEntry[] {
  const dir = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === null && y !== null) return 1;
    if (y === null && x !== null) return -1;
    if (x !== null && y !== null && x !== y) return (x < y ? -1 : 1) * dir;
    return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0;
  });
}

/**
 * Rows matching every whitespace-separated term of `query` (case-insensitive) in their name, id,
 * status, optimizer or schedule; `key:value` terms match one column (e.g. `status:running`).
 */
export function filterRuns(rows: readonly RunListEntry[], query: string): RunListEntry[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((r) =>
    terms.every((t) => {
      const colon = t.indexOf(':');
      if (colon > 0) {
        const v = (r as unknown as Record<string, unknown>)[t.slice(0, colon)];
        return (
          v !== undefined &&
          String(v)
            .toLowerCase()
            .includes(t.slice(colon + 1))
        );
      }
      return [r.name, r.id, r.status, r.optimizer ?? '', r.schedule ?? ''].some((f) =>
        f.toLowerCase().includes(t),
      );
    }),
  );
}
