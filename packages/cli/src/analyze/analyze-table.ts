/**
 * The text table `smd analyze` prints: per tensor at the last checkpoint, ‖w‖, the exact last
 * Δ_t, Δ* and their ratio, and the scale-invariance decision. Verdicts over the whole run
 * (equilibrium, transient) come from the run-analysis model via `smd report` on the folder;
 * this table only restates the measurements, in one small function.
 */
import type { CheckpointAnalysis } from '@smd/runs';

const fmt = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toPrecision(digits) : '—');

/** Table of the last checkpoint (scale-invariant tensors first), then its notes. */
export function formatAnalysis(analyses: readonly CheckpointAnalysis[]): string {
  const a = analyses.at(-1);
  if (!a) return '';
  const rows = [...a.tensors].sort((x, y) => Number(y.scaleInvariant) - Number(x.scaleInvariant));
  const width = Math.max(6, ...rows.map((t) => t.name.length));
  const lines = [
    `checkpoint ${a.label} (step ${a.step})${a.optimizer ? `: ${a.optimizer.name}, lr ${a.optimizer.lr}, weight decay ${a.optimizer.weightDecay}` : ': no optimizer state'}`,
    `${'tensor'.padEnd(width)}  SI   ‖w‖        Δ_t (rad)  Δ* (rad)   Δ_t/Δ*   ∠ to prev`,
  ];
  for (const t of rows) {
    lines.push(
      `${t.name.padEnd(width)}  ${t.scaleInvariant ? 'yes' : 'no '}  ${fmt(t.norm).padEnd(9)}  ${fmt(t.deltaRad).padEnd(9)}  ${fmt(t.deltaStar).padEnd(9)}  ${fmt(t.deltaRad / t.deltaStar, 3).padEnd(7)}  ${fmt(t.angleToPrev)}`,
    );
  }
  const how = new Set(a.tensors.map((t) => t.deltaHow));
  lines.push(`Δ_t: ${[...how].join('; ')}`);
  return lines.join('\n') + '\n';
}
