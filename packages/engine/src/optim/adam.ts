/**
 * torch.optim.Adam (weight decay as L2: λ·w added to the gradient) and torch.optim.AdamW
 * (decoupled: w ← w·(1 − η·λ) before the Adam update). State per parameter: `step` (number of
 * updates of that parameter), `exp_avg` (m), `exp_avg_sq` (v) and, with amsgrad,
 * `max_exp_avg_sq`.
 */
import { kernelsFor } from '../backend.js';
import { permuteData, type Tensor } from '../tensor.js';
import {
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type ParamState,
} from './optimizer.js';
import { checkBetas, checkNonNegative, type UpdateImpl } from './sgd.js';
import { adamUpdate } from './update-rules.js';

/** Hyper-parameters of Adam / AdamW (torch names in camelCase). */
export interface AdamOptions {
  /** η, default 1e-3 */
  lr: number;
  /** (β1, β2), default (0.9, 0.999) */
  betas: [number, number];
  /** default 1e-8 */
  eps: number;
  /** λ: default 0 for Adam (L2), 1e-2 for AdamW (decoupled) */
  weightDecay: number;
  /** default false */
  amsgrad: boolean;
  /** default false */
  maximize: boolean;
}

/** Constructor options (all optional, torch defaults). */
export type AdamInit = Partial<AdamOptions>;

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected readonly hookBufferKey = 'exp_avg';
  protected abstract readonly decoupled: boolean;
  private readonly useKernels: boolean;

  constructor(
    params: ParamsInput | ParamGroupInput<AdamOptions>[],
    options: AdamInit,
    defaultDecay: number,
    impl: UpdateImpl,
  ) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ? [options.betas[0], options.betas[1]] : [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? defaultDecay,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
    this.useKernels = impl.useKernels ?? true;
  }

  protected validate(o: AdamOptions, gi: number): void {
    const where = `${this.constructor.name} param group ${gi}`;
    checkNonNegative(o.lr, `${where}: lr`);
    checkNonNegative(o.eps, `${where}: eps`);
    checkNonNegative(o.weightDecay, `${where}: weightDecay`);
    checkBetas(o.betas, where);
  }

  protected updateParam(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    group: ParamGroup<AdamOptions>,
  ): void {
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = zerosLike(param);
      state.exp_avg_sq = zerosLike(param);
      if (group.amsgrad) state.max_exp_avg_sq = zerosLike(param);
    }
    const t = (state.step as number) + 1;
    state.step = t;
    const m = state.exp_avg as Tensor;
    const v = state.exp_avg_sq as Tensor;
    const g = grad.layout === param.layout ? grad.data : permuteData(grad, param.layout);
    if (this.useKernels && !group.amsgrad && !group.maximize) {
      kernelsFor(param.data).adamStep({
        param: param.data,
        expAvg: m.data,
        expAvgSq: v.data,
        grad: g,
        n: param.size,
        lr: group.lr,
        beta1: group.betas[0],
        beta2: group.betas[1],
        eps: group.eps,
        weightDecay: group.weightDecay,
        decoupled: this.decoupled,
        step: t,
      });
      return;
    }
    const vMax = state.max_exp_avg_sq as Tensor | undefined;
    adamUpdate(
      param.data,
      g,
      { expAvg: m.data, expAvgSq: v.data, maxExpAvgSq: vMax ? vMax.data : null },
      t,
      group,
      this.decoupled,
    );
  }
}

/** Adam with L2 weight decay (torch.optim.Adam). */
export class Adam extends AdamBase {
  protected readonly decoupled = false;

  constructor(
    params: ParamsInput | ParamGroupInput<AdamOptions>[],
    options: AdamInit = {},
    impl: UpdateImpl = {},
  ) {
    super(params, options, 0, impl);
  }
}

/** AdamW: decoupled decay, w ← w·(1 − η·λ) (torch.optim.AdamW; default λ = 1e-2). */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;

  constructor(
    params: ParamsInput | ParamGroupInput<AdamOptions>[],
    options: AdamInit = {},
    impl: UpdateImpl = {},
  ) {
    super(params, options, 1e-2, impl);
  }
}

function zerosLike(p: Tensor): Tensor {
  return p.clone().fill(0);
}
