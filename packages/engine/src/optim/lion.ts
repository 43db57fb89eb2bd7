/**
 * Lion (Chen et al., "Symbolic Discovery of Optimization Algorithms", 2023), shaped like the
 * widely used lion-pytorch class: decoupled weight decay multiplied by η, step η·sign(c) with
 * c = β1·m + (1−β1)·g, then m = β2·m + (1−β2)·g. State per parameter: `exp_avg` (m).
 * Defaults as the paper/lion-pytorch: lr 1e-4, betas (0.9, 0.99), weight decay 0.
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
import { lionUpdate, type LionHyper } from './update-rules.js';

/** Hyper-parameters of Lion (camelCase of lion-pytorch's names). */
export type LionOptions = LionHyper;

/** Constructor options (all optional). */
export type LionInit = Partial<LionOptions>;

/** Lion, as `new Lion(model.namedParameters(), { lr: 1e-4, weightDecay: 1 })`. */
export class Lion extends Optimizer<LionOptions> {
  protected readonly hookBufferKey = 'exp_avg';
  private readonly useKernels: boolean;

  constructor(
    params: ParamsInput | ParamGroupInput<LionOptions>[],
    options: LionInit = {},
    impl: UpdateImpl = {},
  ) {
    super(params, {
      lr: options.lr ?? 1e-4,
      betas: options.betas ? [options.betas[0], options.betas[1]] : [0.9, 0.99],
      weightDecay: options.weightDecay ?? 0,
      maximize: options.maximize ?? false,
    });
    this.useKernels = impl.useKernels ?? true;
  }

  protected validate(o: LionOptions, gi: number): void {
    const where = `Lion param group ${gi}`;
    checkNonNegative(o.lr, `${where}: lr`);
    checkNonNegative(o.weightDecay, `${where}: weightDecay`);
    checkBetas(o.betas, where);
  }

  protected updateParam(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    group: ParamGroup<LionOptions>,
  ): void {
    if (state.exp_avg === undefined) state.exp_avg = param.clone().fill(0);
    const g = grad.layout === param.layout ? grad.data : permuteData(grad, param.layout);
    const m = (state.exp_avg as Tensor).data;
    if (this.useKernels && !group.maximize) {
      kernelsFor(param.data).lionStep({
        param: param.data,
        expAvg: m,
        grad: g,
        n: param.size,
        lr: group.lr,
        beta1: group.betas[0],
        beta2: group.betas[1],
        weightDecay: group.weightDecay,
      });
    } else lionUpdate(param.data, g, m, group);
  }
}
