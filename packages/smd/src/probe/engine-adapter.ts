/**
 * Glue between SmdProbe and the engine's optimizers (packages/engine/src/optim): probed
 * parameters read live from an optimizer's param groups and state, and the two ways to run the
 * probe in a training loop:
 *   - `probeStep` (preferred): beforeStep → optimizer.step() → afterStep; copies w_t only on
 *     sampled steps and never copies the momentum buffer;
 *   - `attachSmdProbe`: the optimizer's onStep hook, one fused pass over the hook's copies
 *     (the optimizer then copies w_t and v_{t−1} on every step while the hook is registered).
 */
import { type Optimizer, type StepRecord, SGD, permuteData, type Tensor } from '@smd/engine';
import type { ProbeSample } from './metric.js';
import type { ParamHyper } from './predict.js';
import { SmdProbe, appendSamples, type ProbedParam, type SmdProbeOptions } from './smd-probe.js';
import type { FloatArray } from './sums.js';

/** Any engine optimizer (SGD, Adam, AdamW). */
export type AnyOptimizer = Optimizer<{ lr: number }>;

interface GroupFields {
  lr: number;
  weightDecay?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

/**
 * The SMD view of param group `groupIndex` right now: η, λ, α, and whether §2's SGD/SGDM
 * dynamics hold (SGD without Nesterov, dampening or maximize; Adam/AdamW are not predictable).
 */
export function groupHyper(opt: AnyOptimizer, groupIndex: number): ParamHyper {
  const g = opt.paramGroups[groupIndex] as unknown as GroupFields;
  const sgd = opt instanceof SGD;
  return {
    lr: g.lr,
    weightDecay: g.weightDecay ?? 0,
    momentum: sgd ? (g.momentum ?? 0) : 0,
    predictable: sgd && !g.nesterov && (g.dampening ?? 0) === 0 && !g.maximize,
  };
}

/** g_t in the parameter's storage order (the engine allows a gradient in another layout). */
function gradData(p: Tensor): FloatArray | null {
  const g = p.grad;
  if (g === null) return null;
  return g.layout === p.layout ? g.data : permuteData(g, p.layout);
}

/**
 * ProbedParams for the named parameters of `opt` (default: all), reading data, gradient,
 * momentum buffer and group hyperparameters live at each call. Throws on an unknown name.
 */
export function probedParamsFromOptimizer(
  opt: AnyOptimizer,
  names?: readonly string[],
): ProbedParam[] {
  const where = new Map<string, { p: Tensor; gi: number }>();
  opt.paramGroups.forEach((g, gi) => g.params.forEach((p, i) => where.set(g.names[i], { p, gi })));
  const wanted = names ?? [...where.keys()];
  return wanted.map((name) => {
    const hit = where.get(name);
    if (hit === undefined) throw new Error(`probe: unknown parameter name '${name}'`);
    const { p, gi } = hit;
    return {
      name,
      shape: p.shape,
      data: () => p.data,
      grad: () => gradData(p),
      momentumBuffer: () => {
        if (!(opt instanceof SGD)) return null;
        const b = opt.state.get(name)?.momentum_buffer;
        return b === undefined || typeof b === 'number' ? null : b.data;
      },
      hyper: () => groupHyper(opt, gi),
    };
  });
}

/** A probe over (some of) an optimizer's parameters. */
export function probeForOptimizer(
  opt: AnyOptimizer,
  opts: SmdProbeOptions & { params?: readonly string[] } = {},
): SmdProbe {
  return new SmdProbe(probedParamsFromOptimizer(opt, opts.params), opts);
}

/**
 * One optimizer step with the probe around it; `step` is the 0-based step index, `lr`
 * optionally overrides the groups' η. Returns the samples (empty on unsampled steps).
 */
export function probeStep(
  probe: SmdProbe,
  opt: AnyOptimizer,
  step: number,
  lr?: number,
): ProbeSample[] {
  probe.beforeStep(step);
  opt.step();
  return probe.afterStep(step, lr);
}

/**
 * Runs `probe` from the optimizer's onStep hook (one fused pass per parameter over the hook's
 * copies) and hands each sampled step's samples to `onSamples`. The probe must have been built
 * from this optimizer (probeForOptimizer). Returns the unregister function.
 */
export function attachSmdProbe(
  opt: AnyOptimizer,
  probe: SmdProbe,
  onSamples: (samples: ProbeSample[], step: number) => void,
): () => void {
  return opt.onStep(
    (ev) => {
      if (!probe.shouldSample(ev.step)) return;
      const samples: ProbeSample[] = [];
      for (const r of ev.records) {
        const m = probe.measureArrays(ev.step, r.name, recordArrays(r, opt instanceof SGD));
        if (m !== null) appendSamples(samples, m);
      }
      onSamples(samples, ev.step);
    },
    { params: probe.params },
  );
}

/** The hook's arrays; Adam's buffer is m, not the SGDM v of h̃, so only SGD passes it on. */
function recordArrays(r: StepRecord, sgd: boolean) {
  const g = r.param.grad;
  const grad = g !== null && g.layout !== r.param.layout ? permuteData(g, r.param.layout) : r.grad;
  return { wPrev: r.wPrev, wNext: r.param.data, grad, momentumPrev: sgd ? r.bufferPrev : null };
}
