/**
 * Eager autograd tape. Each differentiable op calls `record` with its typed op record
 * (op-record.ts), output, inputs and a backward closure; `runBackward` walks the graph without recursion in reverse creation order
 * (a valid, deterministic topological order) and accumulates gradients. Backward closures run
 * under `noGrad` (no higher-order gradients).
 */
import type { OpKind, OpRecord } from './op-record.js';
import type { Tensor } from './tensor.js';

/**
 * Backward closure: given dLoss/dOutput, return dLoss/dInput for each input (same shape and
 * dtype as that input; any layout) or null where `needs[i]` is false or the gradient is zero.
 * `partial[i]`, when not null, is the gradient already accumulated for input i (same dtype, in
 * input i's layout; for a leaf, its `.grad`): a closure whose kernels accumulate may add its
 * result into it in place and return that very tensor, which saves a buffer and an add.
 */
export type BackwardFn = (
  gradOut: Tensor,
  needs: readonly boolean[],
  partial: readonly (Tensor | null)[],
) => (Tensor | null)[];

/** One recorded operation. */
export interface GradFn {
  /** what the op is, with its attributes (the input order is fixed per kind) */
  readonly op: OpRecord;
  /** creation sequence number (monotonic) */
  readonly seq: number;
  /** inputs; emptied once backward has run through this node (frees saved tensors) */
  inputs: readonly Tensor[];
  /** backward closure; replaced by a thrower once the graph is freed */
  backward: BackwardFn;
  /**
   * The output's storage, when the caller declared that only the graph can reach it
   * (`releaseAfterBackward`): returned to the buffer pool once backward has run through this node.
   */
  releaseOutput?: Tensor['data'];
}

const freed: BackwardFn = () => {
  throw new Error(
    'backward: this graph was already backpropagated and freed; run the forward pass again',
  );
};

/**
 * Ops whose recorded output always owns fresh storage (never a view of an input or of a tensor
 * the user holds), so that storage may be recycled once backward has passed it.
 */
const FRESH_OUTPUT_OPS: ReadonlySet<OpKind> = new Set([
  'conv2d',
  'batchNorm2d',
  'groupNorm',
  'relu',
  'add',
]);

/**
 * Engine-internal (not exported from the package): declare that `t` is an intermediate nobody
 * outside the graph can reach (e.g. an activation inside a ResNet block), so its storage goes
 * back to the buffer pool once backward has run through the op that produced it (every consumer
 * of `t` ran before, in reverse creation order). No-op unless `t` was recorded by an op with
 * fresh output storage. Returns `t`.
 */
export function releaseAfterBackward(t: Tensor): Tensor {
  const fn = t.gradFn;
  if (fn === null || !FRESH_OUTPUT_OPS.has(fn.op.kind)) return t;
  if (fn.backward !== freed) fn.releaseOutput = t.data;
  return t;
}

let gradEnabled = true;
let seqCounter = 0;

/** Whether ops currently record onto the tape. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording (probes, optimizer updates, evaluation). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Run `fn` with recording switched on (inside a noGrad region). */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Attach a backward closure to `out` when grad mode is on and some input requires grad.
 * Returns `out` for chaining.
 */
export function record(
  op: OpRecord,
  out: Tensor,
  inputs: readonly Tensor[],
  backward: BackwardFn,
): Tensor {
  if (!gradEnabled) return out;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out.gradFn = { op, seq: seqCounter++, inputs, backward };
  return out;
}

/** Hooks set by tensor.ts (avoids a value-level import cycle). */
export interface GradHooks {
  /** dst.data += src (any layouts, same logical shape); dst keeps its layout */
  accumulateInto(dst: Tensor, src: Tensor): void;
  /** a fresh tensor with src's values in `like`'s layout, not sharing storage with src */
  cloneAs(src: Tensor, like: Tensor): Tensor;
  /** src's storage re-wrapped with `like`'s shape (same layout and dtype already) */
  adoptAs(src: Tensor, like: Tensor): Tensor;
  /** a gradient buffer nobody references any more */
  release(data: Tensor['data']): void;
}

let hooks: GradHooks | null = null;

/** Install the tensor-level helpers used by runBackward (called once by tensor.ts). */
export function setGradHooks(h: GradHooks): void {
  hooks = h;
}

/**
 * Backpropagate from `root` with seed gradient `seed` (same shape as root). Leaf tensors with
 * requiresGrad accumulate into `.grad` (callers zero it between steps).
 */
export function runBackward(root: Tensor, seed: Tensor): void {
  const h = hooks!;
  // Collect reachable recorded tensors (iterative DFS).
  const nodes: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Tensor[] = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.gradFn === null) continue;
    nodes.push(t);
    for (const inp of t.gradFn.inputs) if (inp.requiresGrad && !seen.has(inp)) stack.push(inp);
  }
  // Creation order is topological; walk it backwards.
  nodes.sort((a, b) => b.gradFn!.seq - a.gradFn!.seq);
  const grads = new Map<Tensor, Tensor>();
  const seedData = seed.data;
  noGrad(() => {
    if (root.gradFn === null) {
      if (root.requiresGrad) accumulateLeaf(root, seed, h);
      return;
    }
    grads.set(root, seed);
    for (const t of nodes) {
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      const fn = t.gradFn!;
      const needs = fn.inputs.map((x) => x.requiresGrad);
      const partial = fn.inputs.map((x, i) => {
        if (!needs[i]) return null;
        const p = x.gradFn === null ? x.grad : grads.get(x);
        const ok =
          p !== null &&
          p !== undefined &&
          p.dtype === x.dtype &&
          p.size === x.size &&
          (x.ndim !== 4 || p.layout === x.layout);
        return ok ? p : null;
      });
      const gin = fn.backward(g, needs, partial);
      // Buffers handed to a new owner (grad map or leaf .grad) and buffers now dead.
      const adopted = new Set<unknown>();
      const dead = new Set<unknown>();
      if (g.data !== seedData) dead.add(g.data);
      for (let i = 0; i < fn.inputs.length; i++) {
        const x = fn.inputs[i];
        const gi = gin[i];
        if (!needs[i] || gi === null || gi === undefined) continue;
        if (gi.size !== x.size) {
          throw new Error(`autograd: ${fn.op.kind} returned a gradient of the wrong size`);
        }
        if (gi === partial[i]) continue; // accumulated in place by the closure
        // Backward results are fresh buffers or alias g (which dies here), so each buffer may be
        // adopted once without a copy, unless it is the caller's seed or needs conversion.
        const adoptable =
          gi.data !== seedData &&
          !adopted.has(gi.data) &&
          gi.dtype === x.dtype &&
          (x.ndim !== 4 || gi.layout === x.layout);
        const isLeaf = x.gradFn === null;
        const prev = isLeaf ? x.grad : grads.get(x);
        if (prev === null || prev === undefined) {
          const owned = adoptable ? h.adoptAs(gi, x) : h.cloneAs(gi, x);
          if (adoptable) adopted.add(gi.data);
          if (isLeaf) x.grad = owned;
          else grads.set(x, owned);
        } else {
          h.accumulateInto(prev, gi);
          if (adoptable) dead.add(gi.data);
        }
      }
      if (fn.releaseOutput !== undefined) {
        dead.add(fn.releaseOutput);
        fn.releaseOutput = undefined;
      }
      for (const d of dead) if (!adopted.has(d)) h.release(d as Tensor['data']);
      // Like PyTorch (retain_graph=False): drop saved tensors now that they are used.
      fn.inputs = [];
      fn.backward = freed;
    }
  });
}

function accumulateLeaf(x: Tensor, g: Tensor, h: GradHooks): void {
  if (x.grad === null) x.grad = h.cloneAs(g, x);
  else h.accumulateInto(x.grad, g);
}
