/**
 * Module: the torch.nn.Module bookkeeping — parameters, buffers and child modules registered by
 * name in order, so `namedParameters()` / `stateDict()` yield torch's dotted keys
 * (`layer1.0.conv1.weight`) in torch's order (own parameters, then own buffers, then children,
 * depth first; state_dict lists each module's parameters then buffers before its children).
 *
 * TS has no `__setattr__`, so a subclass registers explicitly and keeps a typed field:
 *   this.conv1 = this.registerModule('conv1', new Conv2d(...));
 * and reads parameters through `this.getParameter(name)`, which also honours parametrizations
 * (weight normalization replaces `weight` by a function of `weight_g` and `weight_v`).
 */
import type { Tensor } from '../tensor.js';
import { fmtShape, shapesEqual } from '../shape.js';

/** An ordered state dict: key → tensor (torch key spelling). */
export type StateDict = Map<string, Tensor>;

/** Result of `loadStateDict` (torch's `_IncompatibleKeys`). */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A parameter computed from other parameters (e.g. weight norm's g·v/‖v‖). */
export type Parametrization = () => Tensor;

/** Base class of every layer and network. */
export abstract class Module {
  /** train (true) or eval (false) mode; set through `train()` / `eval()` */
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly bufs = new Map<string, Tensor | null>();
  private readonly nonPersistent = new Set<string>();
  private readonly children = new Map<string, Module>();
  private readonly parametrizations = new Map<string, Parametrization>();

  /** The module's computation. */
  abstract forward(x: Tensor): Tensor;

  /** Register (or replace) a parameter; `null` records an absent optional one (e.g. bias). */
  registerParameter<T extends Tensor | null>(name: string, t: T): T {
    checkName(name, this);
    if (this.bufs.has(name) || this.children.has(name)) {
      throw new Error(`registerParameter: '${name}' is already a buffer or module`);
    }
    if (t !== null) t.requiresGrad = true;
    this.params.set(name, t);
    return t;
  }

  /** Register (or replace) a buffer; non-persistent buffers are left out of the state dict. */
  registerBuffer<T extends Tensor | null>(name: string, t: T, persistent = true): T {
    checkName(name, this);
    if (this.params.has(name) || this.children.has(name)) {
      throw new Error(`registerBuffer: '${name}' is already a parameter or module`);
    }
    this.bufs.set(name, t);
    if (persistent) this.nonPersistent.delete(name);
    else this.nonPersistent.add(name);
    return t;
  }

  /** Register (or replace) a child module. */
  registerModule<M extends Module>(name: string, m: M): M {
    checkName(name, this);
    if (this.params.has(name) || this.bufs.has(name)) {
      throw new Error(`registerModule: '${name}' is already a parameter or buffer`);
    }
    this.children.set(name, m);
    return m;
  }

  /** Remove a parameter registration (used by weight norm to replace `weight`). */
  deleteParameter(name: string): void {
    if (!this.params.delete(name)) throw new Error(`deleteParameter: no parameter '${name}'`);
  }

  /**
   * A parameter by name: the parametrization's output if `name` is parametrized, else the
   * registered tensor (null for an absent optional parameter). Throws for unknown names.
   */
  getParameter(name: string): Tensor | null {
    const f = this.parametrizations.get(name);
    if (f !== undefined) return f();
    if (!this.params.has(name)) throw new Error(`${this.constructor.name}: no parameter '${name}'`);
    return this.params.get(name)!;
  }

  /** A buffer by name (null if registered as absent). */
  getBuffer(name: string): Tensor | null {
    if (!this.bufs.has(name)) throw new Error(`${this.constructor.name}: no buffer '${name}'`);
    return this.bufs.get(name)!;
  }

  /** Make `getParameter(name)` return `fn()` (the name must not be a registered parameter). */
  setParametrization(name: string, fn: Parametrization): void {
    if (this.params.has(name)) {
      throw new Error(`setParametrization: '${name}' is still a registered parameter`);
    }
    this.parametrizations.set(name, fn);
  }

  /** Drop a parametrization set by `setParametrization`. */
  clearParametrization(name: string): void {
    if (!this.parametrizations.delete(name)) {
      throw new Error(`clearParametrization: '${name}' is not parametrized`);
    }
  }

  /** Whether `name` is computed by a parametrization. */
  isParametrized(name: string): boolean {
    return this.parametrizations.has(name);
  }

  /** A child module by name. */
  getModule(name: string): Module {
    const m = this.children.get(name);
    if (m === undefined) throw new Error(`${this.constructor.name}: no submodule '${name}'`);
    return m;
  }

  /** Direct children with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** Every module in the tree (this one first, name ''), depth first, each once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const stack: [string, Module][] = [[prefix, this]];
    while (stack.length > 0) {
      const [name, m] = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      out.push([name, m]);
      const kids = [...m.children].reverse();
      for (const [k, c] of kids) stack.push([name === '' ? k : `${name}.${k}`, c]);
    }
    return out;
  }

  /** Parameters with dotted names, in torch's order, each tensor once. */
  namedParameters(): [string, Tensor][] {
    return this.collect((m) => m.params);
  }

  /** Parameters in torch's order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Buffers with dotted names, in torch's order (non-persistent ones included). */
  namedBuffers(): [string, Tensor][] {
    return this.collect((m) => m.bufs);
  }

  /** Buffers in torch's order. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** Set train mode on this module and every descendant; returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Eval mode (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Set every parameter's `.grad` to zeros (or drop it with `setToNone`). */
  zeroGrad(setToNone = false): void {
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else p.zeroGrad();
    }
  }

  /**
   * torch's state_dict: per module (depth first) its parameters then its persistent buffers,
   * keys dotted. Values are detached views sharing storage with the live tensors (like torch);
   * clone them to keep a snapshot.
   */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [prefix, m] of this.namedModules()) {
      const pre = prefix === '' ? '' : `${prefix}.`;
      for (const [k, t] of m.params) if (t !== null) out.set(pre + k, t.detach());
      for (const [k, t] of m.bufs) {
        if (t !== null && !m.nonPersistent.has(k)) out.set(pre + k, t.detach());
      }
    }
    return out;
  }

  /**
   * Copy values from a state dict (Map or plain object, torch keys) into the live tensors.
   * Shapes must match. With `strict` (default) missing or unexpected keys throw; otherwise they
   * are returned.
   */
  loadStateDict(sd: StateDict | Record<string, Tensor>, strict = true): LoadResult {
    const src = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !own.has(k));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      throw new Error(
        `loadStateDict: missing keys [${missingKeys.join(', ')}], unexpected keys [${unexpectedKeys.join(', ')}]`,
      );
    }
    for (const [k, dst] of own) {
      const v = src.get(k);
      if (v === undefined) continue;
      if (!shapesEqual(v.shape, dst.shape)) {
        throw new Error(
          `loadStateDict: '${k}' has shape ${fmtShape(v.shape)}, expected ${fmtShape(dst.shape)}`,
        );
      }
    }
    for (const [k, dst] of own) {
      const v = src.get(k);
      if (v !== undefined) dst.copyFrom(v);
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    return n;
  }

  private collect(pick: (m: Module) => Map<string, Tensor | null>): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      const pre = prefix === '' ? '' : `${prefix}.`;
      for (const [k, t] of pick(m)) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([pre + k, t]);
      }
    }
    return out;
  }
}

function checkName(name: string, m: Module): void {
  if (name === '' || name.includes('.')) {
    throw new Error(`${m.constructor.name}: invalid name '${name}' (non-empty, no dots)`);
  }
}
