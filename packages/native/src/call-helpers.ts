/** What the generated kernel calls (addon-calls.ts) use: op codes and the small-call cutoff. */
import type { BinaryOp, ScalarOp, UnaryOp } from '@smd/engine';

/** Below this many elements, strided kernels run in TS (per-call array marshalling dominates). */
export const SMALL = 4096;

/** The addon's op codes (elementwise.cc switches on them). */
export const BINARY_OPS: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };
export const UNARY_OPS: Record<UnaryOp, number> = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  abs: 4,
  relu: 5,
};
export const SCALAR_OPS: Record<ScalarOp, number> = { add: 0, mul: 1, pow: 2, rsub: 3, rdiv: 4 };

/** Elements of a shape. */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
