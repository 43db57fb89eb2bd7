/**
 * torch.optim.SGD: stochastic gradient descent with coupled weight decay, heavy-ball or Nesterov
 * momentum and dampening. The momentum buffer starts as the first (decayed) gradient, exactly
 * as torch. State per parameter: `momentum_buffer` (only when α > 0).
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
import { sgdUpdate } from './update-rules.js';

/** Hyper-parameters of SGD (torch names in camelCase). */
export interface SgdOptions {
  /** η */
  lr: number;
  /** α, default 0 */
  momentum: number;
  /** τ, default 0 */
  dampening: number;
  /** λ (coupled: added to the gradient), default 0 */
  weightDecay: number;
  /** default false */
  nesterov: boolean;
  /** default false */
  maximize: boolean;
}

/** Constructor options: `lr` required, the rest default like torch. */
export type SgdInit = Pick<SgdOptions, 'lr'> & Partial<SgdOptions>;

/** Extra, non-torch switches. */
export interface UpdateImpl {
  /**
   * true (default): run the backend's update kernel where it covers the configuration (fast on
   * a native backend); false: always the TS reference rule in update-rules.ts.
   */
  useKernels?: boolean;
}

/** SGD, as `new SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 })`. */
export class SGD extends Optimizer<SgdOptions> {
  protected readonly hookBufferKey = 'momentum_buffer';
  private readonly useKernels: boolean;

  constructor(
    params: ParamsInput | ParamGroupInput<SgdOptions>[],
    options: SgdInit,
    impl: UpdateImpl = {},
  ) {
    super(params, {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
    this.useKernels = impl.useKernels ?? true;
  }

  protected validate(o: SgdOptions, gi: number): void {
    const where = `SGD param group ${gi}`;
    checkNonNegative(o.lr, `${where}: lr`);
    checkNonNegative(o.momentum, `${where}: momentum`);
    checkNonNegative(o.weightDecay, `${where}: weightDecay`);
    if (!Number.isFinite(o.dampening)) throw new Error(`${where}: dampening must be a number`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error(`${where}: nesterov needs momentum > 0 and dampening 0`);
    }
  }

  protected updateParam(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    group: ParamGroup<SgdOptions>,
  ): void {
    let buf: Tensor | null = null;
    let first = false;
    if (group.momentum !== 0) {
      const existing = state.momentum_buffer;
      if (existing === undefined) {
        buf = param.clone(); // values overwritten: the first step copies d into it
        state.momentum_buffer = buf;
        first = true;
      } else {
        buf = existing as Tensor;
      }
    }
    const g = grad.layout === param.layout ? grad.data : permuteData(grad, param.layout);
    if (this.useKernels && !group.maximize) {
      kernelsFor(param.data).sgdStep({
        param: param.data,
        momentumBuf: buf === null ? null : buf.data,
        grad: g,
        n: param.size,
        lr: group.lr,
        momentum: group.momentum,
        dampening: group.dampening,
        weightDecay: group.weightDecay,
        nesterov: group.nesterov,
        firstStep: first,
      });
    } else {
      sgdUpdate(param.data, g, buf === null ? null : buf.data, first, group);
    }
  }
}

/** Throws `name must be a finite number ≥ 0` unless v is one. */
export function checkNonNegative(v: number, name: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${name} must be a finite number >= 0, got ${String(v)}`);
  }
}

/** Throws unless `betas` is a pair of numbers in [0, 1) (`where` names the group). */
export function checkBetas(betas: unknown, where: string): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new Error(`${where}: betas must be a pair [beta1, beta2]`);
  }
  for (const b of betas as unknown[]) {
    if (!(typeof b === 'number' && b >= 0 && b < 1)) {
      throw new Error(`${where}: betas must lie in [0, 1), got ${String(b)}`);
    }
  }
}
