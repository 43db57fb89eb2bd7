/**
 * Rotational variants of Kosson, Messmer & Jaggi (ICML 2024): RV-SGDM, RV-AdamW, RV-Lion. One
 * class, `RotationalOptimizer`, holds the inner optimizer's buffers and, for every WRAPPED tensor
 * (default: rank ≥ 2 and λ > 0 in its group, as the authors' code), replaces the inner update
 * by a rotation of fixed angle η_r = equilibriumRotation(inner, η_t, λ, …) per neuron
 * (`perNeuron`, default) or per layer, at the tensor's first-step norm, from step 0; wrapped
 * tensors get no weight decay. Other tensors take the inner optimizer's own update (torch SGD
 * with coupled decay, AdamW, Lion). Rules: rotational-rules.ts. Every update runs through the
 * backend's kernels (sgdStep | adamStep | lionStep, rotationalStep): the inner direction d of a
 * wrapped tensor is the inner step applied to w = 0 with η = −1 and λ = 0 (w − η·u = u), so one
 * kernel per inner optimizer serves both uses.
 * State per wrapped parameter: the inner buffers (momentum_buffer | exp_avg, exp_avg_sq |
 * exp_avg), `step`, `rotational_step`, and float64 [rows] tensors `norm` (ρ) and
 * `update_norm2` (ν).
 */
import { kernelsFor } from '../backend.js';
import { tsKernels } from '../backends/ts/index.js';
import type { Data } from '../dtype.js';
import type { Kernels } from '../kernels.js';
import { Tensor, permuteData } from '../tensor.js';
import {
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type ParamState,
} from './optimizer.js';
import { equilibriumRotation, rowNorms, type RotationalInner } from './rotational-rules.js';
import { Scratch } from './scratch.js';
import { checkBetas, checkNonNegative, type UpdateImpl } from './sgd.js';

/** Hyper-parameters of a rotational variant (the inner optimizer's plus the wrapper's). */
export interface RotationalOptions {
  /** η (the schedule scales it; η_r follows √η) */
  lr: number;
  /** λ: sets η_r; applied as usual to tensors that are not wrapped */
  weightDecay: number;
  /** α (RV-SGDM) */
  momentum: number;
  /** τ (RV-SGDM) */
  dampening: number;
  /** RV-SGDM */
  nesterov: boolean;
  /** (β1, β2) (RV-AdamW, RV-Lion) */
  betas: [number, number];
  /** ε of Adam (RV-AdamW) */
  eps: number;
  /** one rotation per output channel (true) or per tensor (false) */
  perNeuron: boolean;
  /** centre each row's update (Kosson's zero_mean; off by default here, see README) */
  zeroMean: boolean;
  /**
   * β of the running ‖d‖² (Kosson's update_norm_decay_factor; default 0.9 as the authors'
   * RotationalSGD/AdamW/Lion): the angle is η_r·‖d_t‖/√ν̂_t, so while the inner update's norm
   * drifts (Adam's m̂ settling over ~1/(1−β1) steps) it lags by ~1/(1−β) steps; 0 = exactly η_r.
   */
  updateNormDecay: number;
  /** ε added to the running update norm */
  rotationalEps: number;
  /** wrap this group's tensors: 'auto' = rank ≥ 2 and λ > 0 */
  rotational: boolean | 'auto';
}

/** Constructor options: all optional except where the inner optimizer needs them. */
export type RotationalInit = Partial<RotationalOptions>;

const DEFAULTS: Record<RotationalInner, { lr: number; betas: [number, number]; momentum: number }> =
  {
    sgdm: { lr: 0.1, betas: [0.9, 0.999], momentum: 0.9 },
    adamw: { lr: 1e-3, betas: [0.9, 0.999], momentum: 0 },
    lion: { lr: 1e-4, betas: [0.9, 0.99], momentum: 0 },
  };

/** A rotational variant; `inner` picks RV-SGDM, RV-AdamW or RV-Lion. */
export class RotationalOptimizer extends Optimizer<RotationalOptions> {
  protected readonly hookBufferKey: string;
  private readonly scratch = new Scratch();
  private readonly useKernels: boolean;

  constructor(
    readonly inner: RotationalInner,
    params: ParamsInput | ParamGroupInput<RotationalOptions>[],
    options: RotationalInit = {},
    impl: UpdateImpl = {},
  ) {
    const d = DEFAULTS[inner];
    super(params, {
      lr: options.lr ?? d.lr,
      weightDecay: options.weightDecay ?? (inner === 'sgdm' ? 0 : 1e-2),
      momentum: options.momentum ?? d.momentum,
      dampening: options.dampening ?? 0,
      nesterov: options.nesterov ?? false,
      betas: options.betas ? [options.betas[0], options.betas[1]] : d.betas,
      eps: options.eps ?? 1e-8,
      perNeuron: options.perNeuron ?? true,
      zeroMean: options.zeroMean ?? false,
      updateNormDecay: options.updateNormDecay ?? 0.9,
      rotationalEps: options.rotationalEps ?? 1e-8,
      rotational: options.rotational ?? 'auto',
    });
    this.hookBufferKey = inner === 'sgdm' ? 'momentum_buffer' : 'exp_avg';
    this.useKernels = impl.useKernels ?? true;
  }

  protected validate(o: RotationalOptions, gi: number): void {
    const where = `RV-${this.inner} param group ${gi}`;
    checkNonNegative(o.lr, `${where}: lr`);
    checkNonNegative(o.weightDecay, `${where}: weightDecay`);
    checkNonNegative(o.eps, `${where}: eps`);
    checkNonNegative(o.rotationalEps, `${where}: rotationalEps`);
    checkBetas(o.betas, where);
    if (!(o.momentum >= 0 && o.momentum < 1)) {
      throw new Error(`${where}: momentum must lie in [0, 1), got ${o.momentum}`);
    }
    if (!(o.updateNormDecay >= 0 && o.updateNormDecay < 1)) {
      throw new Error(`${where}: updateNormDecay must lie in [0, 1), got ${o.updateNormDecay}`);
    }
    if (o.nesterov && o.momentum <= 0) throw new Error(`${where}: nesterov needs momentum > 0`);
    if (o.rotational === true && !(o.weightDecay > 0)) {
      throw new Error(`${where}: rotational tensors need weightDecay > 0 (it sets the rotation)`);
    }
  }

  /** Whether `param` in `group` is wrapped (rotated) rather than updated by the inner rule. */
  isRotational(param: Tensor, group: RotationalOptions): boolean {
    if (group.rotational === 'auto') return param.ndim >= 2 && group.weightDecay > 0;
    return group.rotational;
  }

  /** Rows of a wrapped tensor: output channels (perNeuron) or 1. */
  private rows(param: Tensor, group: RotationalOptions): number {
    return group.perNeuron && param.ndim >= 1 ? param.shape[0] : 1;
  }

  protected override stateShape(key: string, p: Tensor): readonly number[] {
    if (key !== 'norm' && key !== 'update_norm2') return p.shape;
    const group = this.paramGroups.find((g) => g.params.includes(p))!;
    return [this.rows(p, group)];
  }

  /** η_r of `group` at its current lr. */
  targetRotation(group: RotationalOptions): number {
    return equilibriumRotation(this.inner, group);
  }

  protected updateParam(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    group: ParamGroup<RotationalOptions>,
  ): void {
    const g = grad.layout === param.layout ? grad.data : permuteData(grad, param.layout);
    const w = param.data;
    const zeros = (): Tensor => param.clone().fill(0);
    const rotational = this.isRotational(param, group);
    let first = false;
    if (this.inner === 'sgdm') {
      if (group.momentum > 0 && state.momentum_buffer === undefined) {
        state.momentum_buffer = zeros();
        first = true;
      }
    } else if (state.exp_avg === undefined) {
      state.exp_avg = zeros();
      if (this.inner === 'adamw') state.exp_avg_sq = zeros();
      state.step = 0;
    }
    const t = this.inner === 'sgdm' ? 0 : (state.step as number) + 1;
    if (this.inner !== 'sgdm') state.step = t;
    const k = this.useKernels ? kernelsFor(w) : tsKernels;
    const inner = { k, g, state, group, first, t };
    if (!rotational) {
      this.innerStep(inner, w, group.lr, group.weightDecay);
      return;
    }
    const d = this.scratch.get(param).fill(0);
    this.innerStep(inner, d, -1, 0);

    const rows = this.rows(param, group);
    if (state.norm === undefined) {
      const norm = new Float64Array(rows);
      rowNorms(w, rows, group.zeroMean, norm);
      state.norm = new Tensor(norm, [rows]);
      state.update_norm2 = new Tensor(new Float64Array(rows), [rows]);
      state.rotational_step = 0;
    }
    const rt = (state.rotational_step as number) + 1;
    state.rotational_step = rt;
    k.rotationalStep({
      param: w,
      direction: d,
      norm: (state.norm as Tensor).data as Float64Array,
      updateNorm2: (state.update_norm2 as Tensor).data as Float64Array,
      n: w.length,
      rows,
      step: rt,
      etaR: this.targetRotation(group),
      updateNormDecay: group.updateNormDecay,
      eps: group.rotationalEps,
      zeroMean: group.zeroMean,
    });
  }

  /**
   * The inner optimizer's step on `target` with learning rate `lr` and decay `wd`: the update
   * of w itself, or (target = d = 0, lr = −1, wd = 0) the direction d = u of a wrapped tensor.
   */
  private innerStep(c: InnerCall, target: Data, lr: number, wd: number): void {
    const { k, g, state, group, first, t } = c;
    const n = target.length;
    const buf = (key: string): Data => (state[key] as Tensor).data;
    if (this.inner === 'sgdm') {
      k.sgdStep({
        param: target,
        momentumBuf: group.momentum > 0 ? buf('momentum_buffer') : null,
        grad: g,
        n,
        lr,
        momentum: group.momentum,
        dampening: group.dampening,
        weightDecay: wd,
        nesterov: group.nesterov,
        firstStep: first,
      });
    } else if (this.inner === 'adamw') {
      k.adamStep({
        param: target,
        expAvg: buf('exp_avg'),
        expAvgSq: buf('exp_avg_sq'),
        grad: g,
        n,
        lr,
        beta1: group.betas[0],
        beta2: group.betas[1],
        eps: group.eps,
        weightDecay: wd,
        decoupled: true,
        step: t,
      });
    } else {
      k.lionStep({
        param: target,
        expAvg: buf('exp_avg'),
        grad: g,
        n,
        lr,
        beta1: group.betas[0],
        beta2: group.betas[1],
        weightDecay: wd,
      });
    }
  }
}

/** What the inner step of one parameter reads: kernels, gradient, state, group, step. */
interface InnerCall {
  k: Kernels;
  g: Data;
  state: ParamState;
  group: ParamGroup<RotationalOptions>;
  /** the SGDM buffer holds no history yet */
  first: boolean;
  /** 1-based Adam/Lion step */
  t: number;
}

/** RV-SGDM: `new RVSGDM(params, { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 })`. */
export class RVSGDM extends RotationalOptimizer {
  constructor(
    params: ParamsInput | ParamGroupInput<RotationalOptions>[],
    o: RotationalInit = {},
    impl: UpdateImpl = {},
  ) {
    super('sgdm', params, o, impl);
  }
}

/** RV-AdamW: `new RVAdamW(params, { lr: 1e-3, weightDecay: 0.05 })`. */
export class RVAdamW extends RotationalOptimizer {
  constructor(
    params: ParamsInput | ParamGroupInput<RotationalOptions>[],
    o: RotationalInit = {},
    impl: UpdateImpl = {},
  ) {
    super('adamw', params, o, impl);
  }
}

/** RV-Lion: `new RVLion(params, { lr: 1e-4, weightDecay: 1 })`. */
export class RVLion extends RotationalOptimizer {
  constructor(
    params: ParamsInput | ParamGroupInput<RotationalOptions>[],
    o: RotationalInit = {},
    impl: UpdateImpl = {},
  ) {
    super('lion', params, o, impl);
  }
}
