/**
 * SGDP and AdamP (Heo et al., ICLR 2021), shaped like the authors' `adamp` package: SGD / Adam
 * whose step loses its radial component on weights that look scale-invariant (the cosine test
 * of projection-rules.ts), with decoupled weight decay scaled by `wdRatio` there.
 * State per parameter: SGDP `momentum` (starts at 0); AdamP `step`, `exp_avg`, `exp_avg_sq`.
 * Defaults as the package: delta 0.1, wdRatio 0.1, eps 1e-8; AdamP lr 1e-3, betas (0.9, 0.999).
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
import {
  adampUpdate,
  sgdpUpdate,
  type AdampHyper,
  type ProjectionHyper,
  type SgdpHyper,
} from './projection-rules.js';
import { Scratch } from './scratch.js';
import { checkBetas, checkNonNegative, type UpdateImpl } from './sgd.js';

/** Hyper-parameters of SGDP. */
export type SgdpOptions = SgdpHyper;
/** Constructor options of SGDP: `lr` required. */
export type SgdpInit = Pick<SgdpOptions, 'lr'> & Partial<SgdpOptions>;
/** Hyper-parameters of AdamP. */
export type AdampOptions = AdampHyper;
/** Constructor options of AdamP (all optional). */
export type AdampInit = Partial<AdampOptions>;

function checkProjection(o: ProjectionHyper, where: string): void {
  checkNonNegative(o.delta, `${where}: delta`);
  checkNonNegative(o.eps, `${where}: eps`);
  checkNonNegative(o.wdRatio, `${where}: wdRatio`);
}

/** SGDP, as `new SGDP(model.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 })`. */
export class SGDP extends Optimizer<SgdpOptions> {
  protected readonly hookBufferKey = 'momentum';
  private readonly scratch = new Scratch();
  private readonly useKernels: boolean;

  constructor(
    params: ParamsInput | ParamGroupInput<SgdpOptions>[],
    options: SgdpInit,
    impl: UpdateImpl = {},
  ) {
    super(params, {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      eps: options.eps ?? 1e-8,
      delta: options.delta ?? 0.1,
      wdRatio: options.wdRatio ?? 0.1,
    });
    this.useKernels = impl.useKernels ?? true;
  }

  protected validate(o: SgdpOptions, gi: number): void {
    const where = `SGDP param group ${gi}`;
    checkNonNegative(o.lr, `${where}: lr`);
    checkNonNegative(o.weightDecay, `${where}: weightDecay`);
    if (!(o.momentum >= 0 && o.momentum < 1)) {
      throw new Error(`${where}: momentum must lie in [0, 1), got ${o.momentum}`);
    }
    if (!Number.isFinite(o.dampening)) throw new Error(`${where}: dampening must be a number`);
    checkProjection(o, where);
  }

  protected updateParam(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    group: ParamGroup<SgdpOptions>,
  ): void {
    if (state.momentum === undefined) state.momentum = param.clone().fill(0);
    const g = grad.layout === param.layout ? grad.data : permuteData(grad, param.layout);
    const p = this.scratch.get(param);
    const v = (state.momentum as Tensor).data;
    if (this.useKernels) {
      kernelsFor(param.data).sgdpStep({
        param: param.data,
        momentumBuf: v,
        grad: g,
        direction: p,
        shape: param.shape,
        lr: group.lr,
        momentum: group.momentum,
        dampening: group.dampening,
        weightDecay: group.weightDecay,
        nesterov: group.nesterov,
        eps: group.eps,
        delta: group.delta,
        wdRatio: group.wdRatio,
      });
    } else sgdpUpdate(param.data, g, v, p, param.shape, group);
  }
}

/** AdamP, as `new AdamP(model.namedParameters(), { lr: 1e-3, weightDecay: 1e-2 })`. */
export class AdamP extends Optimizer<AdampOptions> {
  protected readonly hookBufferKey = 'exp_avg';
  private readonly scratch = new Scratch();
  private readonly useKernels: boolean;

  constructor(
    params: ParamsInput | ParamGroupInput<AdampOptions>[],
    options: AdampInit = {},
    impl: UpdateImpl = {},
  ) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ? [options.betas[0], options.betas[1]] : [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      delta: options.delta ?? 0.1,
      wdRatio: options.wdRatio ?? 0.1,
    });
    this.useKernels = impl.useKernels ?? true;
  }

  protected validate(o: AdampOptions, gi: number): void {
    const where = `AdamP param group ${gi}`;
    checkNonNegative(o.lr, `${where}: lr`);
    checkNonNegative(o.weightDecay, `${where}: weightDecay`);
    checkBetas(o.betas, where);
    checkProjection(o, where);
  }

  protected updateParam(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    group: ParamGroup<AdampOptions>,
  ): void {
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = param.clone().fill(0);
      state.exp_avg_sq = param.clone().fill(0);
    }
    const t = (state.step as number) + 1;
    state.step = t;
    const g = grad.layout === param.layout ? grad.data : permuteData(grad, param.layout);
    const p = this.scratch.get(param);
    const m = (state.exp_avg as Tensor).data;
    const v = (state.exp_avg_sq as Tensor).data;
    if (this.useKernels) {
      kernelsFor(param.data).adampStep({
        param: param.data,
        expAvg: m,
        expAvgSq: v,
        grad: g,
        direction: p,
        shape: param.shape,
        lr: group.lr,
        beta1: group.betas[0],
        beta2: group.betas[1],
        eps: group.eps,
        weightDecay: group.weightDecay,
        nesterov: group.nesterov,
        delta: group.delta,
        wdRatio: group.wdRatio,
        step: t,
      });
    } else adampUpdate(param.data, g, m, v, p, t, param.shape, group);
  }
}
