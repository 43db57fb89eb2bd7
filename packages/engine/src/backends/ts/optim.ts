/**
 * TS optimizer update kernels: thin adapters from the kernel params records to the pure update
 * rules of optim/update-rules.ts, so the TypeScript backend and the optimizers' reference path
 * run the SAME rule (one update per optimizer in TypeScript, with torch's float32 rounding).
 */
import type {
  AdampStepParams,
  AdamStepParams,
  LionStepParams,
  RotationalStepParams,
  SgdpStepParams,
  SgdStepParams,
} from '../../kernels.js';
import type { Data } from '../../dtype.js';
import { adampUpdate, sgdpUpdate } from '../../optim/projection-rules.js';
import { rotationalUpdate } from '../../optim/rotational-rules.js';
import { adamUpdate, lionUpdate, sgdUpdate } from '../../optim/update-rules.js';

/** The first n elements of a buffer (a view, no copy). */
const head = (a: Data, n: number): Data => (a.length === n ? a : a.subarray(0, n));

/** SGD with coupled weight decay, momentum, dampening and nesterov (torch.optim.SGD). */
export function sgdStep(p: SgdStepParams): void {
  const { n, momentumBuf: buf } = p;
  sgdUpdate(head(p.param, n), head(p.grad, n), buf === null ? null : head(buf, n), p.firstStep, {
    lr: p.lr,
    momentum: buf === null ? 0 : p.momentum, // the kernel contract: no buffer = plain SGD
    dampening: p.dampening,
    weightDecay: p.weightDecay,
    nesterov: p.nesterov,
    maximize: false,
  });
}

/** Adam (L2) or AdamW (decoupled) update (torch.optim.Adam/AdamW, amsgrad=false). */
export function adamStep(p: AdamStepParams): void {
  const { n } = p;
  adamUpdate(
    head(p.param, n),
    head(p.grad, n),
    { expAvg: head(p.expAvg, n), expAvgSq: head(p.expAvgSq, n), maxExpAvgSq: null },
    p.step,
    {
      lr: p.lr,
      betas: [p.beta1, p.beta2],
      eps: p.eps,
      weightDecay: p.weightDecay,
      amsgrad: false,
      maximize: false,
    },
    p.decoupled,
  );
}

/** Lion update (decoupled decay). */
export function lionStep(p: LionStepParams): void {
  const { n } = p;
  lionUpdate(head(p.param, n), head(p.grad, n), head(p.expAvg, n), {
    lr: p.lr,
    betas: [p.beta1, p.beta2],
    weightDecay: p.weightDecay,
    maximize: false,
  });
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** SGDP update (projection on scale-invariant weights). */
export function sgdpStep(p: SgdpStepParams): void {
  const n = numel(p.shape);
  sgdpUpdate(
    head(p.param, n),
    head(p.grad, n),
    head(p.momentumBuf, n),
    head(p.direction, n),
    p.shape,
    p,
  );
}

/** AdamP update (projection on scale-invariant weights). */
export function adampStep(p: AdampStepParams): void {
  const n = numel(p.shape);
  adampUpdate(
    head(p.param, n),
    head(p.grad, n),
    head(p.expAvg, n),
    head(p.expAvgSq, n),
    head(p.direction, n),
    p.step,
    p.shape,
    { ...p, betas: [p.beta1, p.beta2] },
  );
}

/** The rotational wrapper's update along a given direction. */
export function rotationalStep(p: RotationalStepParams): void {
  const { n } = p;
  const st = { norm: p.norm, updateNorm2: p.updateNorm2 };
  rotationalUpdate(head(p.param, n), head(p.direction, n), p.rows, st, p.step, p);
}
