/**
 * What the autograd tape records for each op: a closed union of typed records carrying the op's
 * attributes (issue #17). Graph walkers (the SMD scale-invariance detector) switch over `kind`
 * exhaustively, so adding a kind here is a compile error in every walker until it handles it.
 * A fused op is ONE node whose record describes its composition as data (a normalization's
 * `epilogue`: y = relu?(norm(x) + residual?)).
 *
 * Input order of each node (`GradFn.inputs`) is part of its record's contract, given per kind.
 */
import type { Tensor } from './tensor.js';

/** Running statistics a batch norm reads (eval) or updates (train), [C] each. */
export interface RunningStats {
  readonly mean: Tensor;
  readonly var: Tensor;
}

/** What a fused normalization does after its affine: + residual, then ReLU. */
export interface NormEpilogue {
  readonly residual: boolean;
  readonly relu: boolean;
}

/**
 * Batch norm over channel axis 1, optionally fused with a residual add and a ReLU.
 * Inputs: [x, weight if hasWeight, bias if hasBias, residual if epilogue.residual].
 */
export interface BatchNormRecord {
  readonly kind: 'batchNorm2d';
  /** batch statistics (true) or running statistics (false, whose output scales with x) */
  readonly training: boolean;
  readonly hasWeight: boolean;
  readonly hasBias: boolean;
  /** the module's running statistics when it has them (what the rescaling trick rescales) */
  readonly running: RunningStats | null;
  readonly epilogue: NormEpilogue;
}

/**
 * Group norm of [N, C, H, W] (layer norm over C, H, W is one group), per image: each of `groups`
 * groups of C/groups channels is standardized over its channels and pixels, then the affine and
 * the epilogue. Inputs: [x, weight if hasWeight, bias if hasBias, residual if epilogue.residual].
 */
export interface GroupNormRecord {
  readonly kind: 'groupNorm';
  readonly groups: number;
  readonly hasWeight: boolean;
  readonly hasBias: boolean;
  readonly epilogue: NormEpilogue;
}

/** The fused normalizations: one node each, one kernel forward and backward. */
export type FusedNormRecord = BatchNormRecord | GroupNormRecord;

/** Every op the tape can record. */
export type OpRecord =
  /** inputs [x, weight, bias if hasBias] */
  | { readonly kind: 'conv2d'; readonly hasBias: boolean }
  /** y = x·Wᵀ (+ b); inputs [x, weight, bias if hasBias] */
  | { readonly kind: 'linear'; readonly hasBias: boolean }
  /** inputs [a, b] */
  | { readonly kind: 'matmul' }
  | BatchNormRecord
  | GroupNormRecord
  /** element-wise, broadcasting; inputs [a, b] */
  | { readonly kind: 'add' | 'sub' | 'mul' | 'div' }
  /** x + c; inputs [x] */
  | { readonly kind: 'addScalar'; readonly c: number }
  /** s·x; inputs [x] */
  | { readonly kind: 'mulScalar'; readonly s: number }
  /** s − x; inputs [x] */
  | { readonly kind: 'rsub'; readonly s: number }
  /** s / x; inputs [x] */
  | { readonly kind: 'rdiv'; readonly s: number }
  /** x^p; inputs [x] */
  | { readonly kind: 'pow'; readonly p: number }
  /** element-wise unary; inputs [x] */
  | { readonly kind: 'relu' | 'neg' | 'exp' | 'log' | 'sqrt' }
  /** sum over `axes` (sorted, non-negative); inputs [x] */
  | { readonly kind: 'sum'; readonly axes: readonly number[]; readonly keepdim: boolean }
  /** broadcast to the output shape; inputs [x] */
  | { readonly kind: 'expand' }
  /** same values in row-major order, new shape; inputs [x] */
  | { readonly kind: 'reshape' }
  /** output axis i is input axis perm[i]; inputs [x] */
  | { readonly kind: 'permute'; readonly perm: readonly number[] }
  /** same logical tensor, other storage order; inputs [x] */
  | { readonly kind: 'toLayout' }
  /** pooling over H, W of [N,C,H,W]; inputs [x] */
  | { readonly kind: 'maxPool2d' | 'avgPool2d' | 'adaptiveAvgPool2d' }
  /** over the last axis; inputs [x] */
  | { readonly kind: 'logSoftmax' }
  /** scalar loss from logits (labels are not inputs); inputs [x] */
  | { readonly kind: 'crossEntropy' };

/** The name of every op kind. */
export type OpKind = OpRecord['kind'];
