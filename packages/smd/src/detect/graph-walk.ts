/**
 * Scale-invariance of one parameter from the autograd graph of one forward pass
 * (docs/smd-theory.md §1: L(k·w) = L(w) for k > 0).
 *
 * Scaling the parameter by k > 0 (or each of its rows by its own k_c) is propagated forward
 * through the recorded ops as a degree: a tensor of degree d becomes k^d times itself.
 * Positively homogeneous ops (conv/linear in one operand, relu, pooling, reshapes, sums, mul,
 * div, pow, sqrt) combine degrees; a degree that reaches 0 (BatchNorm in train mode, the fused
 * GroupNorm, the division of a composed standardization such as LayerNorm, weight norm's
 * v/‖v‖) is absorbed. The parameter is scale-invariant when every path is absorbed before the output; any other op on
 * a scaled tensor (exp, log, softmax, adding an unscaled tensor, BN in eval mode, …) breaks it.
 * `axis` follows the channel axis along which per-row scalings stay separate, giving the
 * per-channel answer (each filter of a conv followed by BatchNorm is invariant on its own).
 * A per-channel constant shift (a conv/linear bias) is tolerated only up to a BatchNorm, whose
 * per-channel mean subtraction removes it.
 *
 * Each node's rule comes from its typed op record (@smd/engine op-record.ts: exponents, added
 * constants, permutations, which inputs are affine parameters or a fused residual), never from
 * the data or the op's name; `step` switches over every kind, so an unhandled kind is a compile
 * error (exhaustive.test.ts).
 */
import type { OpKind, OpRecord, Tensor } from '@smd/engine';

/** Scaling state of a tensor that depends on the probed parameter. */
interface ScaleState {
  /** the tensor is k^deg times its unscaled value */
  deg: number;
  /** axis holding the parameter's rows with separate scales, or null when mixed */
  axis: number | null;
  /** carries a per-channel constant (bias) on `axis` that does not scale */
  shift: boolean;
}

/** Where a scaled path ended in a normalization. */
export interface Absorption {
  /** the op at which the degree reached 0 ('batchNorm2d', 'div', …) */
  op: OpKind;
  /** the absorbing op's output */
  node: Tensor;
  /** per-channel scalings are absorbed separately */
  perChannel: boolean;
  /** degree of the scaled input it absorbed (a batch norm's running stats scale as k^degree) */
  degree: number;
  /** that input carried a per-channel constant (a bias), so its running mean is not k^degree·m */
  shifted: boolean;
}

/** What the scaled tensor was to the op that broke invariance. */
export type InputRole =
  | 'input'
  | 'bias' // of conv2d / linear
  | 'normAffine' // weight or bias of a normalization
  | 'residual' // added in a fused normalization's epilogue
  | 'output'; // the graph's root itself

/** Result of walking one parameter. */
export type WalkResult =
  | {
      kind: 'invariant';
      /** first op on a scaled tensor; `layerOp`: first conv2d/linear/matmul on one ('' if none) */
      firstOp: OpKind;
      layerOp: OpKind | '';
      absorptions: Absorption[];
      approximate: boolean;
    }
  | {
      kind: 'broken';
      firstOp: OpKind | 'output';
      layerOp: OpKind | '';
      /** op that broke invariance ('output' when a scaled tensor is the graph's root) */
      op: OpKind | 'output';
      /** what the scaled tensor was to that op */
      role: InputRole;
      detail: string;
    }
  | { kind: 'unused' };

/** Options of `walkScale`. */
export interface WalkOptions {
  /** a scalar added to a scaled tensor counts as negligible (like ε) below this relative size; default 1e-2 */
  epsRelative?: number;
}

/** Recorded tensors reachable from `root`, in creation (topological) order; iterative. */
export function collectGraph(root: Tensor): Tensor[] {
  const nodes: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Tensor[] = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.gradFn === null) continue;
    nodes.push(t);
    for (const x of t.gradFn.inputs) if (!seen.has(x)) stack.push(x);
  }
  return nodes.sort((a, b) => a.gradFn!.seq - b.gradFn!.seq);
}

const TOL = 1e-6;

function meanAbs(d: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += Math.abs(d[i]);
  return d.length > 0 ? s / d.length : 0;
}

/** Channel axis after a shape change: kept when the leading dims up to it are unchanged. */
function keepAxisIfPrefix(
  axis: number | null,
  from: readonly number[],
  to: readonly number[],
): number | null {
  if (axis === null || axis >= to.length) return null;
  for (let i = 0; i <= axis; i++) if (from[i] !== to[i]) return null;
  return axis;
}

/** Channel axis under right-aligned broadcasting from `from` into `to`. */
function broadcastAxis(
  axis: number | null,
  from: readonly number[],
  to: readonly number[],
): number | null {
  if (axis === null) return null;
  const a = axis + (to.length - from.length);
  return a >= 0 && to[a] === from[axis] ? a : null;
}

/** What one op does to the scaling of its scaled inputs. */
type Step =
  | { to: 'scaled'; out: ScaleState; approximate?: boolean }
  | { to: 'absorbed'; perChannel: boolean; degree: number; shifted: boolean }
  | { to: 'broken'; role: InputRole; detail: string };

const broken = (detail: string, role: InputRole = 'input'): Step => ({
  to: 'broken',
  role,
  detail,
});
const scaled = (out: ScaleState, approximate = false): Step => ({ to: 'scaled', out, approximate });

/** One node: its record, its output, its inputs and their scaling states (undefined: unscaled). */
interface NodeView {
  op: OpRecord;
  out: Tensor;
  ins: readonly Tensor[];
  st: readonly (ScaleState | undefined)[];
  /** index of the first scaled input */
  k: number;
  epsRel: number;
}

/**
 * The scaling rule of every op kind: an exhaustive switch, so a kind added to OpRecord without
 * a rule here does not compile (`const never: never = op` below).
 */
function step(v: NodeView): Step {
  const { op, out, ins, st, k } = v;
  const s0 = st[k]!;
  const kind = op.kind;
  switch (kind) {
    case 'conv2d':
    case 'linear': {
      if (st[2]) return broken(`used as the bias of ${kind}`, 'bias');
      const [x, w] = st;
      if (x?.shift || w?.shift) return broken(`a shifted tensor enters ${kind}`);
      if (x && op.hasBias) return broken(`${kind} adds a bias to a scaled input`);
      if (x && w) return scaled({ deg: x.deg + w.deg, axis: null, shift: false });
      if (w) return scaled({ deg: w.deg, axis: w.axis === 0 ? 1 : null, shift: op.hasBias });
      return scaled({ deg: x!.deg, axis: null, shift: false });
    }
    case 'matmul':
      if (st.some((s) => s?.shift)) return broken('a shifted tensor enters matmul');
      return scaled({ deg: (st[0]?.deg ?? 0) + (st[1]?.deg ?? 0), axis: null, shift: false });
    case 'batchNorm2d':
    case 'groupNorm': {
      // inputs [x, weight?, bias?, residual?]; y = relu?(norm(x) + residual?)
      const name = kind === 'batchNorm2d' ? 'BatchNorm' : 'GroupNorm';
      if (op.kind === 'batchNorm2d' && !op.training)
        return broken('feeds BatchNorm in eval mode (running statistics do not rescale)');
      const nAffine = (op.hasWeight ? 1 : 0) + (op.hasBias ? 1 : 0);
      for (let i = 1; i <= nAffine; i++)
        if (st[i]) return broken(`${name} affine parameter`, 'normAffine');
      const r = 1 + nAffine;
      if (op.epilogue.residual && st[r])
        return broken(`added after a ${name} it does not pass through`, 'residual');
      if (op.kind === 'batchNorm2d')
        return { to: 'absorbed', perChannel: s0.axis === 1, degree: s0.deg, shifted: s0.shift };
      // each (image, group) is standardized: a scale shared by the group's channels is absorbed,
      // per channel only when every group is one channel; the group mean keeps a per-channel bias
      if (s0.shift) return broken('a per-channel bias before GroupNorm (its group mean keeps it)');
      const perChannel = s0.axis === 1 && op.groups === ins[0].shape[1];
      return { to: 'absorbed', perChannel, degree: s0.deg, shifted: false };
    }
    case 'relu':
      if (s0.shift) return broken('relu after a bias');
      return scaled({ ...s0 });
    case 'neg':
    case 'mulScalar':
    case 'toLayout':
    case 'maxPool2d':
    case 'avgPool2d':
    case 'adaptiveAvgPool2d':
      return scaled({ ...s0 });
    case 'reshape':
    case 'expand':
    case 'sum':
    case 'permute': {
      if (s0.shift) return broken(`${kind} after a bias`);
      const from = ins[0].shape;
      let axis: number | null = null;
      if (kind === 'expand') axis = broadcastAxis(s0.axis, from, out.shape);
      else if (kind === 'reshape') axis = keepAxisIfPrefix(s0.axis, from, out.shape);
      else if (kind === 'permute') axis = s0.axis === null ? null : op.perm.indexOf(s0.axis);
      else if (s0.axis !== null && !op.axes.includes(s0.axis))
        axis = op.keepdim ? s0.axis : s0.axis - op.axes.filter((a) => a < s0.axis!).length;
      return scaled({ deg: s0.deg, axis: axis !== null && axis < 0 ? null : axis, shift: false });
    }
    case 'addScalar': {
      // x + c: negligible (an ε) only when small against the tensor
      if (Math.abs(op.c) > v.epsRel * meanAbs(ins[0].data))
        return broken(`a constant ${op.c.toPrecision(3)} is added`);
      return scaled({ ...s0 }, op.c !== 0);
    }
    case 'add':
    case 'sub':
    case 'mul':
    case 'div': {
      const [a, b] = st;
      const axA = a ? broadcastAxis(a.axis, ins[0].shape, out.shape) : undefined;
      const axB = b ? broadcastAxis(b.axis, ins[1].shape, out.shape) : undefined;
      if (kind === 'add' || kind === 'sub') {
        if (!a || !b) return broken(`${kind} with a tensor that does not scale with it`);
        if (Math.abs(a.deg - b.deg) > TOL) return broken(`${kind} of tensors of different degrees`);
        return scaled({ deg: a.deg, axis: axA === axB ? axA! : null, shift: a.shift || b.shift });
      }
      if (a?.shift || b?.shift) return broken(`${kind} after a bias`);
      const db = b ? (kind === 'div' ? -b.deg : b.deg) : 0;
      const axis = a && b ? (axA === axB ? axA! : null) : a ? axA! : axB!;
      return scaled({ deg: (a?.deg ?? 0) + db, axis, shift: false });
    }
    case 'rdiv':
      if (s0.shift) return broken('division after a bias');
      return scaled({ ...s0, deg: -s0.deg });
    case 'pow':
      if (s0.shift) return broken('pow after a bias');
      return scaled({ ...s0, deg: s0.deg * op.p });
    case 'sqrt':
      if (s0.shift) return broken('sqrt after a bias');
      return scaled({ ...s0, deg: s0.deg / 2 });
    case 'rsub':
    case 'exp':
    case 'log':
    case 'logSoftmax':
    case 'crossEntropy':
      return broken(`reaches ${kind}, which is not positively homogeneous`);
    default: {
      const never: never = op;
      throw new Error(`walkScale: no scaling rule for ${(never as OpRecord).kind}`);
    }
  }
}

/** Follows the scaling of `param` through the graph of `root` (nodes from collectGraph). */
export function walkScale(
  param: Tensor,
  nodes: readonly Tensor[],
  root: Tensor,
  opts: WalkOptions = {},
): WalkResult {
  const epsRel = opts.epsRelative ?? 1e-2;
  const S = new Map<Tensor, ScaleState>();
  S.set(param, { deg: 1, axis: param.ndim >= 2 ? 0 : null, shift: false });
  const absorptions: Absorption[] = [];
  let firstOp: OpKind | '' = '';
  let layerOp: OpKind | '' = '';
  let approximate = false;
  for (const t of nodes) {
    const fn = t.gradFn!;
    const ins = fn.inputs;
    const st = ins.map((x) => S.get(x));
    const k = st.findIndex((s) => s !== undefined);
    if (k < 0) continue;
    const kind = fn.op.kind;
    if (firstOp === '') firstOp = kind;
    if (layerOp === '' && (kind === 'conv2d' || kind === 'linear' || kind === 'matmul'))
      layerOp = kind;
    const r = step({ op: fn.op, out: t, ins, st, k, epsRel });
    if (r.to === 'broken') {
      return { kind: 'broken', firstOp, layerOp, op: kind, role: r.role, detail: r.detail };
    }
    if (r.to === 'scaled') {
      if (r.approximate) approximate = true;
      if (Math.abs(r.out.deg) >= TOL || r.out.shift) {
        S.set(t, r.out);
        continue;
      }
    }
    const a =
      r.to === 'absorbed'
        ? r
        : { perChannel: r.out.axis !== null, degree: st[k]!.deg, shifted: st[k]!.shift };
    absorptions.push({ op: kind, node: t, ...a });
  }
  if (S.has(root)) {
    return {
      kind: 'broken',
      firstOp: firstOp || 'output',
      layerOp,
      op: 'output',
      role: 'output',
      detail: 'reaches the output unnormalized',
    };
  }
  if (firstOp === '') return { kind: 'unused' };
  return { kind: 'invariant', firstOp, layerOp, absorptions, approximate };
}
