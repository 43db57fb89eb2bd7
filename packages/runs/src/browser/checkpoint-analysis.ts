/**
 * SMD measurements of one training checkpoint written elsewhere (PyTorch, Lightning, Hugging
 * Face): for each float parameter, ‖w‖, the angle to the previous checkpoint, the exact Δ_t of
 * the step that produced it (from the optimizer state, offline/last-step.ts), the mean-field
 * estimates, and whether it is scale-invariant (names and shapes, confirmed or contradicted by
 * the radial test). Browser-safe: `smd analyze` writes these into a run folder, and the
 * in-browser explorer can call it on dropped files.
 */
import type { OptimizerState, ParamGroup, ParamState, TrainingCheckpoint } from '@smd/formats';
import { torchTensorFloats } from '@smd/formats';
import {
  angleBetweenArrays,
  kosson,
  lastStep,
  predictedDeltaStar,
  predictedWeightNormStar,
  scaleInvarianceFromNames,
  sumSq,
  type AdamState,
  type SgdState,
} from '@smd/smd';

type FloatArray = Float32Array | Float64Array;

/** Optimizers `smd analyze` tells apart (Adam and AdamW save the same state: see `resolveOptimizer`). */
export type AnalyzedOptimizer = 'sgd' | 'sgdm' | 'nesterov' | 'adam' | 'adamw';

/** The optimizer of a checkpoint, as the run config records it (first param group). */
export interface OptimizerSummary extends Pick<
  ParamGroup,
  'lr' | 'weightDecay' | 'momentum' | 'dampening' | 'nesterov' | 'betas'
> {
  name: AnalyzedOptimizer;
  /** why the name was chosen */
  how: string;
}

/** Per-tensor results of one checkpoint. */
export interface TensorAnalysis {
  name: string;
  shape: number[];
  scaleInvariant: boolean;
  reason: string;
  norm: number;
  /** Δ of the step that produced this checkpoint (NaN: not reconstructable, see deltaHow) */
  deltaRad: number;
  deltaHow: string;
  /** ∠(w at the previous checkpoint, w here); NaN for the first */
  angleToPrev: number;
  radialCos: number;
  L: number;
  lr: number;
  weightDecay: number;
  deltaStar: number;
  wStar: number;
}

/** One analyzed checkpoint. */
export interface CheckpointAnalysis {
  label: string;
  step: number;
  optimizer: OptimizerSummary | null;
  tensors: TensorAnalysis[];
  notes: string[];
}

/** What is kept of the previous checkpoint (its float weights by name). */
export interface PreviousCheckpoint {
  step: number;
  weights: Map<string, FloatArray>;
}

/** |radial cos| below this confirms a name-based "scale-invariant"; above CONTRADICT overturns it. */
export const RADIAL_CONFIRM = 0.05;
export const RADIAL_CONTRADICT = 0.2;

/** Name the optimizer; Adam vs AdamW is `prefer`, else the state's flag, else a documented guess. */
export function resolveOptimizer(
  opt: OptimizerState,
  layout: TrainingCheckpoint['layout'],
  prefer?: 'adam' | 'adamw',
): OptimizerSummary {
  const g = opt.groups[0];
  const base = {
    lr: g.lr,
    weightDecay: g.weightDecay,
    momentum: g.momentum,
    dampening: g.dampening,
    nesterov: g.nesterov,
    betas: g.betas,
  };
  if (opt.family === 'sgd') {
    const name = g.nesterov ? 'nesterov' : g.momentum > 0 ? 'sgdm' : 'sgd';
    return { ...base, name, how: 'torch.optim.SGD state (momentum, nesterov from param_groups)' };
  }
  if (prefer) return { ...base, name: prefer, how: `--optimizer ${prefer}` };
  if (opt.groups.some((x) => x.decoupled !== null)) {
    const name = opt.groups[0].decoupled ? 'adamw' : 'adam';
    return { ...base, name, how: 'decoupled_weight_decay in param_groups' };
  }
  if (opt.groups.every((x) => x.weightDecay === 0))
    return { ...base, name: 'adam', how: 'Adam state without weight decay (Adam = AdamW)' };
  const how =
    layout === 'hf-trainer'
      ? 'Hugging Face Trainer (AdamW)'
      : 'Adam and AdamW save the same state; assumed AdamW (pass --optimizer adam for Adam with L2 decay)';
  return { ...base, name: 'adamw', how };
}

function stateFor(
  p: ParamState,
  opt: OptimizerState,
  name: AnalyzedOptimizer,
): SgdState | AdamState | null {
  const g = opt.groups[p.group];
  if (name === 'adam' || name === 'adamw') {
    const sq = g.amsgrad ? p.maxExpAvgSq : p.expAvgSq;
    if (!p.expAvg || !sq || p.step === null || !g.betas) return null;
    return {
      kind: name,
      lr: g.lr,
      weightDecay: g.weightDecay,
      beta1: g.betas[0],
      beta2: g.betas[1],
      eps: g.eps ?? 1e-8,
      step: p.step,
      expAvg: torchTensorFloats(p.expAvg),
      expAvgSq: torchTensorFloats(sq),
    };
  }
  const buffer = p.momentumBuffer ? torchTensorFloats(p.momentumBuffer) : null;
  return {
    kind: 'sgd',
    lr: g.lr,
    weightDecay: g.weightDecay,
    momentum: g.momentum,
    nesterov: g.nesterov,
    buffer,
  };
}

/** The step a file or folder name carries (step0030, checkpoint-30, epoch=0-step=30), or null. */
export function labelStep(label: string): number | null {
  const m = /(?:step|iter|iteration|checkpoint)[-_=]?0*(\d+)/i.exec(label);
  return m ? Number(m[1]) : null;
}

/** Step of a checkpoint: its own field, else its name, else Adam's step count. */
export function checkpointStep(ckpt: TrainingCheckpoint): number | null {
  if (ckpt.step !== null && Number.isSafeInteger(ckpt.step)) return ckpt.step;
  const fromLabel = labelStep(ckpt.label);
  if (fromLabel !== null) return fromLabel;
  for (const p of ckpt.optimizer?.params.values() ?? []) if (p.step !== null) return p.step;
  return null;
}

/**
 * Analyze one checkpoint at `step`; `prev` (the previous checkpoint's weights) adds the
 * inter-checkpoint angle, and makes Δ exact for any optimizer when it is one step earlier.
 */
export function analyzeCheckpoint(
  ckpt: TrainingCheckpoint,
  step: number,
  prev: PreviousCheckpoint | null,
  prefer?: 'adam' | 'adamw',
): { analysis: CheckpointAnalysis; weights: Map<string, FloatArray> } {
  const notes = [...ckpt.notes];
  const opt = ckpt.optimizer;
  const optimizer = opt ? resolveOptimizer(opt, ckpt.layout, prefer) : null;
  if (optimizer) notes.push(`optimizer ${optimizer.name}: ${optimizer.how}`);
  const verdicts = scaleInvarianceFromNames(
    [...ckpt.weights].map(([name, t]) => ({ name, shape: t.shape })),
  );
  const tensors: TensorAnalysis[] = [];
  const weights = new Map<string, FloatArray>();
  for (const v of verdicts) {
    const t = ckpt.weights.get(v.name)!;
    if (!/^(float|bfloat)/.test(t.dtype)) continue;
    const w = torchTensorFloats(t);
    weights.set(v.name, w);
    const p = opt?.params.get(v.name);
    const state = p && optimizer ? stateFor(p, opt!, optimizer.name) : null;
    const r = state ? lastStep(w, state) : null;
    const before = prev?.weights.get(v.name);
    const angleToPrev = before && before.length === w.length ? angleBetweenArrays(before, w) : NaN;
    let deltaRad = r?.deltaRad ?? NaN;
    let deltaHow =
      r?.how ??
      (p ? 'no usable optimizer state for this tensor' : 'no optimizer state for this tensor');
    if (Number.isNaN(deltaRad) && prev && prev.step === step - 1 && !Number.isNaN(angleToPrev)) {
      deltaRad = angleToPrev;
      deltaHow = 'exact: the previous checkpoint is one step earlier';
    }
    let { scaleInvariant, reason } = v;
    const rc = r?.radialCos ?? NaN;
    if (scaleInvariant && Number.isFinite(rc)) {
      if (Math.abs(rc) > RADIAL_CONTRADICT) {
        scaleInvariant = false;
        reason += `; contradicted by the radial test (|cos| ≈ ${Math.abs(rc).toPrecision(2)} > ${RADIAL_CONTRADICT})`;
      } else if (Math.abs(rc) < RADIAL_CONFIRM)
        reason += `; radial test confirms (|cos| ≈ ${Math.abs(rc).toPrecision(2)})`;
      else reason += `; radial test inconclusive (|cos| ≈ ${Math.abs(rc).toPrecision(2)})`;
    }
    const g = p ? opt!.groups[p.group] : opt?.groups[0];
    const lr = g?.lr ?? NaN;
    const wd = g?.weightDecay ?? NaN;
    const hyper = {
      lr,
      weightDecay: wd,
      momentum: g?.momentum ?? 0,
      predictable:
        optimizer?.name === 'sgd' || optimizer?.name === 'sgdm' ? g!.dampening === 0 : false,
    };
    // predictions only for scale-invariant tensors (the theory's objects)
    const deltaStar = !scaleInvariant
      ? NaN
      : optimizer?.name === 'adamw' && g?.betas && wd > 0
        ? kosson.adamwDeltaStar({ lr, wd, beta1: g.betas[0] })
        : predictedDeltaStar(hyper);
    const norm = Math.sqrt(r?.normSq ?? sumSq(w));
    tensors.push({
      name: v.name,
      shape: t.shape.slice(),
      scaleInvariant,
      reason,
      norm,
      deltaRad,
      deltaHow,
      angleToPrev,
      radialCos: rc,
      L: r?.L ?? NaN,
      lr,
      weightDecay: wd,
      deltaStar,
      wStar: scaleInvariant ? predictedWeightNormStar(hyper, r?.L ?? NaN) : NaN,
    });
  }
  return { analysis: { label: ckpt.label, step, optimizer, tensors, notes }, weights };
}
