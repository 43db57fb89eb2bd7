/**
 * Structural scale-invariance detection (docs/smd-theory.md §1): one train-mode forward pass,
 * then graph-walk.ts per parameter, plus a human reason per tensor named after the modules
 * ("conv output feeds only BatchNorm2d bn1", "BN affine parameter", "bias",
 * "classifier: output not normalized").
 */
import { enableGrad, type Module, type Tensor, type OpKind } from '@smd/engine';
import { collectGraph, walkScale, type Absorption, type WalkOptions } from './graph-walk.js';

/** How runtime evidence (radial cosine) bears on the structural answer. */
export type RuntimeCheck = 'confirmed' | 'contradicted' | 'unmeasured' | 'not_applicable';

/** Scale-invariance of one parameter. */
export interface ScaleInvarianceResult {
  param: string;
  /** final answer: structurally invariant and not contradicted at runtime */
  scaleInvariant: boolean;
  reason: string;
  /** each output channel (row of dim 0) is invariant on its own */
  perChannel: boolean;
  /** the graph walk's answer */
  structural: boolean;
  /** the radial-cosine check (see runtime.ts); 'unmeasured' until confirmed */
  runtime: RuntimeCheck;
  /** windowed mean of |⟨w, g⟩|/(‖w‖‖g‖), when measured */
  meanAbsRadialCos?: number;
  /**
   * The normalization modules that make it scale-invariant (from the op records on the tape,
   * not from names); empty when it is not invariant or a normalization belongs to no module
   */
  norms: NormUse[];
}

/** A normalization module that absorbs a weight's scale. */
export interface NormUse {
  /** module name, e.g. 'layer1.0.bn2' (for weight norm: the weight's own module) */
  module: string;
  /** its class name, e.g. 'BatchNorm2d' */
  kind: string;
  /** the normalized input is k^degree times itself when the weight is scaled by k */
  degree: number;
  /** that input also carries a per-channel constant (a bias), which does not scale */
  shifted: boolean;
}

/** Options of detectFromGraph. */
export interface DetectOptions extends WalkOptions {
  /** the model's named buffers: identifies normalizations by their running statistics */
  buffers?: Iterable<readonly [string, Tensor]>;
}

const NORM_KINDS = new Set([
  'BatchNorm1d',
  'BatchNorm2d',
  'GroupNorm',
  'LayerNorm',
  'InstanceNorm2d',
]);
const PASS_THROUGH: ReadonlySet<OpKind> = new Set(['reshape', 'expand', 'toLayout', 'permute']);

function moduleOf(paramName: string): string {
  const i = paramName.lastIndexOf('.');
  return i < 0 ? '' : paramName.slice(0, i);
}

function opDesc(op: OpKind | 'output' | ''): string {
  return op === 'conv2d' ? 'conv' : op;
}

/** Names graph nodes after the modules that own the parameters feeding them. */
class Namer {
  private readonly consumers = new Map<Tensor, Tensor[]>();

  constructor(
    /** parameter and buffer tensors → their full names */
    private readonly names: Map<Tensor, string>,
    private readonly kinds: Map<string, string>,
    nodes: readonly Tensor[],
  ) {
    for (const t of nodes) {
      for (const x of t.gradFn!.inputs) {
        const list = this.consumers.get(x);
        if (list) list.push(t);
        else this.consumers.set(x, [t]);
      }
    }
  }

  /** "<Kind> <module>" of a parameter name. */
  module(paramName: string): string {
    const m = moduleOf(paramName);
    const kind = this.kinds.get(m);
    return kind ? `${kind} ${m || '(root)'}` : m || '(root)';
  }

  kindOf(paramName: string): string | undefined {
    return this.kinds.get(moduleOf(paramName));
  }

  /** The named parameter behind `t`, looking through reshape/expand/layout ops. */
  private leafParam(t: Tensor): string | undefined {
    let x = t;
    for (let i = 0; i < 8; i++) {
      const n = this.names.get(x);
      if (n !== undefined) return n;
      if (x.gradFn === null || !PASS_THROUGH.has(x.gradFn.op.kind)) return undefined;
      x = x.gradFn.inputs[0];
    }
    return undefined;
  }

  /**
   * The module whose normalization absorbed a scaled path of `self`: a fused batch or group norm
   * by its running statistics or affine parameters (read from its op record); weight norm by its g next to the
   * absorbing op (`self`'s own module); a composite normalization by the affine parameter a few
   * ops downstream; '' when none.
   */
  normModule(a: Absorption, self: string): string {
    const op = a.node.gradFn?.op;
    if (op?.kind === 'batchNorm2d' || op?.kind === 'groupNorm') {
      const running = op.kind === 'batchNorm2d' ? op.running : null;
      const byStats = running ? this.names.get(running.mean) : undefined;
      if (byStats !== undefined) return moduleOf(byStats);
      const nAffine = (op.hasWeight ? 1 : 0) + (op.hasBias ? 1 : 0);
      const affine = a.node.gradFn!.inputs.slice(1, 1 + nAffine);
      const p = affine.map((x) => this.leafParam(x)).find((n) => n !== undefined);
      return p === undefined ? '' : moduleOf(p);
    }
    const near = (n: Tensor): string | undefined => {
      for (const x of n.gradFn?.inputs ?? []) {
        const p = this.leafParam(x);
        if (p !== undefined && p !== self) return p;
      }
      return undefined;
    };
    // weight norm (w = v·(g/‖v‖)): g enters the absorbing op or the op just before it
    let hit = near(a.node);
    for (const x of a.node.gradFn?.inputs ?? []) hit ??= near(x);
    // composite normalizations: look a few ops downstream for the affine parameter
    let frontier = [a.node];
    for (let depth = 0; hit === undefined && depth < 4 && frontier.length > 0; depth++) {
      const next: Tensor[] = [];
      for (const n of frontier) {
        for (const c of this.consumers.get(n) ?? []) {
          hit ??= near(c);
          next.push(c);
        }
      }
      frontier = next;
    }
    return hit === undefined ? '' : moduleOf(hit);
  }

  /** Class name of a module ('' when unknown). */
  kindOfModule(module: string): string {
    return this.kinds.get(module) ?? '';
  }

  /** Human name of what absorbed a path: the norm module, or the weight norm of `self`'s module. */
  absorber(a: Absorption, module: string, self: string): string {
    if (module === '') {
      if (a.op === 'batchNorm2d') return 'BatchNorm (no affine parameters)';
      if (a.op === 'groupNorm') return 'GroupNorm (no affine parameters)';
      return 'a normalization (x/‖x‖)';
    }
    if (module === moduleOf(self)) return `the weight norm of ${this.module(self)}`;
    const kind = this.kinds.get(module);
    return kind ? `${kind} ${module || '(root)'}` : module || '(root)';
  }
}

/**
 * Structural detection from the graph of one forward pass whose result is `output` (logits or
 * loss, computed with grad enabled and BatchNorm in train mode). `named` lists the parameters;
 * `moduleKinds` maps module names to class names (for reasons; optional).
 */
export function detectFromGraph(
  named: Iterable<readonly [string, Tensor]>,
  output: Tensor,
  moduleKinds: Map<string, string> = new Map(),
  opts: DetectOptions = {},
): ScaleInvarianceResult[] {
  const list = [...named];
  if (output.gradFn === null) {
    throw new Error(
      'detectFromGraph: output has no recorded graph (run the forward with grad enabled)',
    );
  }
  const nodes = collectGraph(output);
  const names = new Map(list.map(([n, t]) => [t, n] as const));
  for (const [n, t] of opts.buffers ?? []) names.set(t, n);
  const namer = new Namer(names, moduleKinds, nodes);
  return list.map(([name, t]) => {
    const r = walkScale(t, nodes, output, opts);
    const res = (
      structural: boolean,
      reason: string,
      perChannel = false,
      norms: NormUse[] = [],
    ): ScaleInvarianceResult => ({
      param: name,
      scaleInvariant: structural,
      reason,
      perChannel,
      structural,
      runtime: 'unmeasured',
      norms,
    });
    if (r.kind === 'unused') return res(false, 'not used in the forward pass');
    if (r.kind === 'invariant') {
      const norms: NormUse[] = [];
      const by: string[] = [];
      for (const a of r.absorptions) {
        const module = namer.normModule(a, name);
        const label = namer.absorber(a, module, name);
        if (!by.includes(label)) by.push(label);
        if (module === '' || norms.some((u) => u.module === module)) continue;
        const kind = namer.kindOfModule(module);
        norms.push({ module, kind, degree: a.degree, shifted: a.shifted });
      }
      const perChannel = r.absorptions.every((a) => a.perChannel);
      const eps = r.approximate ? ' (up to its ε)' : '';
      const reason = by.every((b) => b.startsWith('the weight norm'))
        ? `weight-normalized: only the direction enters (${by.join(', ')})`
        : `${opDesc(r.layerOp || r.firstOp)} output feeds only ${by.join(', ')}${eps}`;
      return res(true, reason, perChannel, norms);
    }
    const kind = namer.kindOf(name);
    if (r.op === 'batchNorm2d' && r.role === 'normAffine')
      return res(false, `BN affine parameter (${namer.module(name)})`);
    if (kind !== undefined && NORM_KINDS.has(kind))
      return res(false, `${kind} affine parameter (${namer.module(name)})`);
    if (r.role === 'bias') return res(false, `bias (${namer.module(name)})`);
    if (r.op === 'output') {
      if ((r.layerOp || r.firstOp) === 'linear')
        return res(false, `classifier: output not normalized (${namer.module(name)})`);
      return res(
        false,
        `${opDesc(r.layerOp || r.firstOp)} output reaches the network output unnormalized`,
      );
    }
    return res(false, `${opDesc(r.layerOp || r.firstOp)} output: ${r.detail}`);
  });
}

/** Module name → class name, for every module of `model`. */
export function moduleKinds(model: Module): Map<string, string> {
  return new Map(model.namedModules().map(([n, m]) => [n, m.constructor.name] as const));
}

/**
 * Structural scale-invariance of every parameter of `model`: runs `model.forward(input)` once
 * in train mode with grad enabled, walks its graph, then restores the mode and every buffer
 * (BatchNorm running statistics are not changed). `input` should be a small real batch
 * (≥ 2 samples so BatchNorm has statistics).
 */
export function detectScaleInvariance(
  model: Module,
  input: Tensor,
  opts: WalkOptions = {},
): ScaleInvarianceResult[] {
  const wasTraining = model.training;
  const saved = model.namedBuffers().map(([, b]) => [b, b.data.slice()] as const);
  model.train(true);
  try {
    return enableGrad(() => {
      const out = model.forward(input);
      return detectFromGraph(model.namedParameters(), out, moduleKinds(model), {
        ...opts,
        buffers: model.namedBuffers(),
      });
    });
  } finally {
    model.train(wasTraining);
    for (const [b, data] of saved) b.data.set(data);
  }
}
