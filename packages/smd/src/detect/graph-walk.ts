/**
 * Scale-invariance of one parameter from the autograd graph of one forward pass
 * (docs/smd-theory.md §1: L(k·w) = L(w) for k > 0).
 *
 * Scaling the parameter by k > 0 (or each of its rows by its own k_c) is propagated forward
 * through the recorded ops as a degree: a tensor of degree d becomes k^d times itself.
 * Positively homogeneous ops (conv/linear in one operand, relu, pooling, reshapes, sums, mul,
 * div, pow, sqrt) combine degrees; a degree that reaches 0 (BatchNorm in train mode, the
 * division of a standardization in GroupNorm/LayerNorm, weight norm's v/‖v‖) is absorbed. The
 * parameter is scale-invariant when every path is absorbed before the output; any other op on
 * a scaled tensor (exp, log, softmax, adding an unscaled tensor, BN in eval mode, …) breaks it.
 * `axis` follows the channel axis along which per-row scalings stay separate, giving the
 * per-channel answer (each filter of a conv followed by BatchNorm is invariant on its own).
 * A per-channel constant shift (a conv/linear bias) is tolerated only up to a BatchNorm, whose
 * mean subtraction removes it.
 */
import { groupNormGroups } from '@smd/engine/ops/group-norm';
import type { Tensor } from '@smd/engine/tensor';

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
  op: string;
  /** the absorbing op's output */
  node: Tensor;
  /** per-channel scalings are absorbed separately */
  perChannel: boolean;
}

/** Result of walking one parameter. */
export type WalkResult =
  | {
      kind: 'invariant';
      /** first op on a scaled tensor; `layerOp`: first conv2d/linear/matmul on one ('' if none) */
      firstOp: string;
      layerOp: string;
      absorptions: Absorption[];
      approximate: boolean;
    }
  | {
      kind: 'broken';
      firstOp: string;
      layerOp: string;
      /** op that broke invariance ('output' when a scaled tensor is the graph's root) */
      op: string;
      /** index of the scaled input at that op */
      inputIndex: number;
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

const UNARY_SAME_AXIS = new Set([
  'maxPool2d',
  'avgPool2d',
  'adaptiveAvgPool2d',
  'toLayout',
  'neg',
  'mulScalar',
]);
const TOL = 1e-6;

function meanAbs(d: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += Math.abs(d[i]);
  return d.length > 0 ? s / d.length : 0;
}

/** The scalar c of a recorded `x + c` (from the stored values). */
function scalarAdded(out: Tensor, x: Tensor): number {
  let j = 0;
  for (let i = 1; i < x.size; i++) if (Math.abs(x.data[i]) < Math.abs(x.data[j])) j = i;
  return out.data[j] - x.data[j];
}

/** The exponent p of a recorded x^p (from the stored values), NaN if it cannot be read. */
function powExponent(out: Tensor, x: Tensor): number {
  for (let i = 0; i < x.size; i++) {
    const a = Math.abs(x.data[i]);
    const b = Math.abs(out.data[i]);
    if (a > 0 && b > 0 && Math.abs(Math.log(a)) > 0.1) {
      const p = Math.log(b) / Math.log(a);
      const r = Math.round(p * 1000) / 1000;
      return Math.abs(p - r) < 1e-4 ? r : p;
    }
  }
  return NaN;
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
  let firstOp = '';
  let layerOp = '';
  let approximate = false;
  for (const t of nodes) {
    const fn = t.gradFn!;
    const ins = fn.inputs;
    const st = ins.map((x) => S.get(x));
    const k = st.findIndex((s) => s !== undefined);
    if (k < 0) continue;
    const name = fn.name;
    if (firstOp === '') firstOp = name;
    if (layerOp === '' && (name === 'conv2d' || name === 'linear' || name === 'matmul'))
      layerOp = name;
    const broken = (detail: string, inputIndex = k): WalkResult => ({
      kind: 'broken',
      firstOp,
      layerOp,
      op: name,
      inputIndex,
      detail,
    });
    const s0 = st[k]!;
    let out: ScaleState;
    switch (name) {
      case 'conv2d':
      case 'linear': {
        if (st[2]) return broken(`used as the bias of ${name}`, 2);
        const [x, w] = st;
        if (x?.shift || w?.shift) return broken(`a shifted tensor enters ${name}`);
        const hasBias = ins.length > 2;
        if (x && w) out = { deg: x.deg + w.deg, axis: null, shift: false };
        else if (w) out = { deg: w.deg, axis: w.axis === 0 ? 1 : null, shift: hasBias };
        else out = { deg: x!.deg, axis: null, shift: false };
        if (x && hasBias) return broken(`${name} adds a bias to a scaled input`);
        break;
      }
      case 'matmul': {
        if (st.some((s) => s?.shift)) return broken('a shifted tensor enters matmul');
        out = { deg: (st[0]?.deg ?? 0) + (st[1]?.deg ?? 0), axis: null, shift: false };
        break;
      }
      case 'batchNorm2d': {
        if (k > 0) return broken('BatchNorm affine parameter', k);
        if (st.slice(1).some((s) => s)) return broken('BatchNorm affine parameter scales with it');
        absorptions.push({ op: name, node: t, perChannel: s0.axis === 1 });
        continue;
      }
      case 'groupNorm': {
        // Fused group norm: each (image, group) is standardized, so a scale shared by the
        // group's channels is absorbed; per channel only when every group is one channel.
        if (k > 0) return broken('GroupNorm affine parameter', k);
        if (st.slice(1).some((s) => s)) return broken('GroupNorm affine parameter scales with it');
        if (s0.shift)
          return broken('a per-channel bias before GroupNorm (its group mean keeps it)');
        const oneChannelGroups = groupNormGroups(t) === ins[0].shape[1];
        absorptions.push({ op: name, node: t, perChannel: s0.axis === 1 && oneChannelGroups });
        continue;
      }
      case 'batchNorm2dEval':
        return broken('feeds BatchNorm in eval mode (running statistics do not rescale)');
      case 'relu':
        if (s0.shift) return broken('relu after a bias');
        out = { ...s0 };
        break;
      case 'reshape':
      case 'sum':
      case 'expand': {
        if (s0.shift) return broken(`${name} after a bias`);
        const from = ins[0].shape;
        let axis: number | null;
        if (name === 'expand') axis = broadcastAxis(s0.axis, from, t.shape);
        else if (name === 'sum')
          axis =
            t.ndim === from.length && s0.axis !== null && t.shape[s0.axis] === from[s0.axis]
              ? s0.axis
              : null;
        else axis = keepAxisIfPrefix(s0.axis, from, t.shape);
        out = { deg: s0.deg, axis, shift: false };
        break;
      }
      case 'permute':
        if (s0.shift) return broken('permute after a bias');
        out = { deg: s0.deg, axis: null, shift: false };
        break;
      case 'add':
      case 'sub':
      case 'mul':
      case 'div': {
        if (ins.length === 1) {
          // add with a number (sub(x, c) records add(x, −c))
          const c = scalarAdded(t, ins[0]);
          if (Math.abs(c) > epsRel * meanAbs(ins[0].data))
            return broken(`a constant ${c.toPrecision(3)} is added`);
          if (c !== 0) approximate = true;
          out = { ...s0 };
          break;
        }
        const [a, b] = st;
        const axA = a ? broadcastAxis(a.axis, ins[0].shape, t.shape) : undefined;
        const axB = b ? broadcastAxis(b.axis, ins[1].shape, t.shape) : undefined;
        if (name === 'add' || name === 'sub') {
          if (!a || !b) return broken(`${name} with a tensor that does not scale with it`);
          if (Math.abs(a.deg - b.deg) > TOL)
            return broken(`${name} of tensors of different degrees`);
          out = { deg: a.deg, axis: axA === axB ? axA! : null, shift: a.shift || b.shift };
          break;
        }
        if (a?.shift || b?.shift) return broken(`${name} after a bias`);
        const db = b ? (name === 'div' ? -b.deg : b.deg) : 0;
        const axis = a && b ? (axA === axB ? axA! : null) : a ? axA! : axB!;
        out = { deg: (a?.deg ?? 0) + db, axis, shift: false };
        break;
      }
      case 'rdiv':
        if (s0.shift) return broken('division after a bias');
        out = { ...s0, deg: -s0.deg };
        break;
      case 'pow': {
        const p = powExponent(t, ins[0]);
        if (!Number.isFinite(p) || s0.shift)
          return broken('pow with an unreadable exponent or after a bias');
        out = { ...s0, deg: s0.deg * p };
        break;
      }
      case 'sqrt':
        if (s0.shift) return broken('sqrt after a bias');
        out = { ...s0, deg: s0.deg / 2 };
        break;
      default:
        if (UNARY_SAME_AXIS.has(name)) {
          out = { ...s0 };
          break;
        }
        return broken(`reaches ${name}, which is not positively homogeneous`);
    }
    if (Math.abs(out.deg) < TOL && !out.shift) {
      absorptions.push({ op: name, node: t, perChannel: out.axis !== null });
      continue;
    }
    S.set(t, out);
  }
  if (S.has(root)) {
    return {
      kind: 'broken',
      firstOp: firstOp || 'output',
      layerOp,
      op: 'output',
      inputIndex: -1,
      detail: 'reaches the output unnormalized',
    };
  }
  if (firstOp === '') return { kind: 'unused' };
  return { kind: 'invariant', firstOp, layerOp, absorptions, approximate };
}
