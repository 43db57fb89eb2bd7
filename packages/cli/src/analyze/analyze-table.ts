/**
 * The text table `smd analyze` prints: per tensor at the last checkpoint, ‖w‖, the exact last
 * Δ_t, Δ* and their ratio, the scale-invariance decision, and the verdict of the run-analysis
 * model (analyzeRun over the folder just written, the same call `smd report` makes), then the
 * model's run-level line and alerts.
 */
import type { RunAnalysisView } from '@smd/web';
import type { CheckpointAnalysis } from '@smd/runs';

const fmt = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toPrecision(digits) : '—');

/** Table of the last checkpoint (scale-invariant tensors first), then the model's verdicts. */
export function formatAnalysis(
  analyses: readonly CheckpointAnalysis[],
  model: RunAnalysisView | null,
): string {
  const a = analyses.at(-1);
  if (!a) return '';
  const verdict = new Map(model?.table.map((r) => [r.param, r.verdict]) ?? []);
  const rows = [...a.tensors].sort((x, y) => Number(y.scaleInvariant) - Number(x.scaleInvariant));
  const width = Math.max(6, ...rows.map((t) => t.name.length));
  const lines = [
    `checkpoint ${a.label} (step ${a.step})${a.optimizer ? `: ${a.optimizer.name}, lr ${a.optimizer.lr}, weight decay ${a.optimizer.weightDecay}` : ': no optimizer state'}`,
    `${'tensor'.padEnd(width)}  SI   ‖w‖        Δ_t (rad)  Δ* (rad)   Δ_t/Δ*   ∠ to prev  verdict`,
  ];
  for (const t of rows) {
    lines.push(
      `${t.name.padEnd(width)}  ${t.scaleInvariant ? 'yes' : 'no '}  ${fmt(t.norm).padEnd(9)}  ${fmt(t.deltaRad).padEnd(9)}  ${fmt(t.deltaStar).padEnd(9)}  ${fmt(t.deltaRad / t.deltaStar, 3).padEnd(7)}  ${fmt(t.angleToPrev).padEnd(9)}  ${verdict.get(t.name) ?? '—'}`,
    );
  }
  const how = new Set(a.tensors.map((t) => t.deltaHow));
  lines.push(`Δ_t: ${[...how].join('; ')}`);
  if (model) {
    const v = model.verdicts;
    const n = model.table.filter((r) => r.scaleInvariant).length;
    lines.push(
      v.predictable
        ? `${n} scale-invariant tensors; median Δ/Δ* ${fmt(v.medianDeltaRatio, 3)} (analyzeRun, offline)`
        : `${n} scale-invariant tensors; optimizer not SGD/SGDM with coupled decay: no SMD prediction`,
    );
    for (const al of model.alerts) lines.push(`alert: ${al.message}; likely cause: ${al.cause}`);
  }
  return lines.join('\n') + '\n';
}
