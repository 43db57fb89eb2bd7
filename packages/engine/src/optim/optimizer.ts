/**
 * Optimizer base class, shaped like torch.optim.Optimizer: parameter groups holding their own
 * hyper-parameters (mutable, so schedulers can set `group.lr`), per-parameter state keyed by the
 * parameter's NAME (not an index), `zeroGrad`, `step`, `stateDict` / `loadStateDict`.
 *
 * Step hook (for SMD probes): `onStep(cb)` registers a callback that runs after every `step()`
 * under noGrad and sees, for each parameter it asked for, w_t (a copy taken before the update),
 * w_{t+1} (the live parameter), g_t (the loss gradient, without the weight-decay term: the
 * optimizer never writes into `.grad`) and the optimizer's main buffer before the update
 * (SGD: momentum buffer v_{t−1}; Adam/AdamW: exp_avg m_{t−1}), or null when that buffer did
 * not exist yet (first step, v_{−1} = 0) or the optimizer has none (α = 0). The copies go into
 * buffers allocated once per parameter, and are only made while a hook is registered.
 */
import { noGrad } from '../autograd.js';
import type { Data } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { fmtShape, shapesEqual } from '../shape.js';

/** A parameter with its dotted module name (`layer1.0.conv1.weight`). */
export type NamedParam = readonly [name: string, param: Tensor];

/** Parameters as given to an optimizer: named pairs, or bare tensors (named "0", "1", …). */
export type ParamsInput = Iterable<NamedParam> | Iterable<Tensor>;

/** One group as given to a constructor: its parameters plus hyper-parameter overrides. */
export type ParamGroupInput<O> = { params: ParamsInput } & Partial<O>;

/** A live parameter group: its tensors, their names, and its (mutable) hyper-parameters. */
export type ParamGroup<O> = O & {
  params: Tensor[];
  names: string[];
  /** base lr remembered by an LR scheduler (torch `initial_lr`), if one is attached */
  initialLr?: number;
};

/** Per-parameter optimizer state: tensors (buffers) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number>;

/** Serializable optimizer state; keys use torch's spelling, parameters are named. */
export interface OptimizerStateDict {
  /** parameter name → its state (e.g. { momentum_buffer } or { step, exp_avg, exp_avg_sq }) */
  state: Record<string, ParamState>;
  /** hyper-parameters per group in torch spelling, with `params` listing parameter names */
  param_groups: Record<string, unknown>[];
  /** `stepCount` (not in torch; lets step hooks keep numbering after a resume) */
  step_count?: number;
}

/** What a step hook sees for one parameter. */
export interface StepRecord {
  name: string;
  groupIndex: number;
  /** the live parameter, now holding w_{t+1} */
  param: Tensor;
  /** copy of w_t taken just before the update (same storage order as param.data) */
  wPrev: Data;
  /** g_t: the gradient the update used (param.grad.data), without weight decay */
  grad: Data;
  /** main buffer before the update (SGD v_{t−1}, Adam m_{t−1}); null if it did not exist */
  bufferPrev: Data | null;
  /** η this step used (the group's lr; other hyper-parameters: paramGroups[groupIndex]) */
  lr: number;
  /** λ this step used (0 if the optimizer has none) */
  weightDecay: number;
}

/** Argument of a step hook. */
export interface StepEvent {
  /** 0-based index of the step just taken */
  step: number;
  records: StepRecord[];
}

/** A callback run after each optimizer step. */
export type StepHook = (event: StepEvent) => void;

/** Options of `onStep`. */
export interface StepHookOptions {
  /** only these parameter names (default: all parameters) */
  params?: readonly string[];
}

interface HookEntry {
  cb: StepHook;
  names: Set<string> | null;
}

/**
 * Base of SGD, Adam, AdamW, Lion, SGDP, AdamP and the rotational variants. `O` is the hyper-parameter record (camelCase; `toTorchKey` maps
 * it to torch's spelling in state dicts).
 */
export abstract class Optimizer<O extends { lr: number }> {
  readonly paramGroups: ParamGroup<O>[] = [];
  /** parameter name → state */
  readonly state = new Map<string, ParamState>();
  /** the defaults every group falls back to */
  readonly defaults: O;
  /** number of `step()` calls so far */
  stepCount = 0;
  private readonly hooks: HookEntry[] = [];
  private readonly prevW = new Map<string, Data>();
  private readonly prevBuf = new Map<string, Data>();

  /**
   * `params`: named parameters (e.g. `model.namedParameters()`), bare tensors, or a list of
   * groups `{ params, ...overrides }` (torch's param_groups).
   */
  constructor(params: ParamsInput | ParamGroupInput<O>[], defaults: O) {
    this.defaults = { ...defaults };
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new Error('optimizer: got an empty parameter list');
    const isGroups = isGroupInput(list[0]);
    const groups = isGroups
      ? (list as ParamGroupInput<O>[])
      : [{ params: list as Iterable<NamedParam> } as ParamGroupInput<O>];
    let auto = 0;
    const seen = new Set<string>();
    const seenT = new Set<Tensor>();
    groups.forEach((g, gi) => {
      const { params: ps, ...overrides } = g;
      const names: string[] = [];
      const tensors: Tensor[] = [];
      for (const item of ps as Iterable<NamedParam | Tensor>) {
        const [name, t] = Array.isArray(item)
          ? (item as NamedParam)
          : ([String(auto), item as Tensor] as const);
        auto++;
        if (seen.has(name)) throw new Error(`optimizer: parameter name '${name}' appears twice`);
        if (seenT.has(t)) throw new Error(`optimizer: parameter '${name}' is in two groups`);
        seen.add(name);
        seenT.add(t);
        names.push(name);
        tensors.push(t);
      }
      if (tensors.length === 0) throw new Error(`optimizer: param group ${gi} has no parameters`);
      const merged = { ...this.defaults, ...stripUndefined(overrides) } as O;
      this.validate(merged, gi);
      this.paramGroups.push({ ...merged, params: tensors, names });
    });
  }

  /** Check a group's hyper-parameters; throws a one-line error naming the field. */
  protected abstract validate(options: O, groupIndex: number): void;

  /** Update one parameter in place; `state` is its (possibly empty) state record. */
  protected abstract updateParam(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    group: ParamGroup<O>,
  ): void;

  /** Key of the state buffer that hooks receive as `bufferPrev` (e.g. 'momentum_buffer'). */
  protected abstract readonly hookBufferKey: string;

  /**
   * Shape of state tensor `key` of parameter `p` (default: p's shape). Optimizers with per-row
   * state (the rotational variants' [rows] norms) override it; loadStateDict checks against it.
   */
  protected stateShape(_key: string, p: Tensor): readonly number[] {
    return p.shape;
  }

  /** torch's spelling of a hyper-parameter key (e.g. weightDecay → weight_decay). */
  protected toTorchKey(key: string): string {
    return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  }

  /**
   * Set every parameter's gradient to zero (torch 1.13 default) or, with `setToNone`, drop it;
   * parameters whose `.grad` is null are skipped by `step()`.
   */
  zeroGrad(setToNone = false): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) p.grad = null;
        else p.zeroGrad();
      }
    }
  }

  /** Apply one update to every parameter that has a gradient, then run step hooks. */
  step(): void {
    noGrad(() => {
      const hooked = this.hooks.length > 0;
      const records: StepRecord[] = [];
      this.paramGroups.forEach((group, gi) => {
        group.params.forEach((p, i) => {
          if (p.grad === null) return;
          const name = group.names[i];
          let st = this.state.get(name);
          if (st === undefined) {
            st = {};
            this.state.set(name, st);
          }
          const rec = hooked && this.wantsHook(name) ? this.snapshot(name, p, st) : null;
          this.updateParam(p, p.grad, st, group);
          if (rec !== null) {
            const weightDecay = (group as { weightDecay?: number }).weightDecay ?? 0;
            const extra = {
              groupIndex: gi,
              param: p,
              grad: p.grad.data,
              lr: group.lr,
              weightDecay,
            };
            records.push({ ...rec, ...extra });
          }
        });
      });
      const step = this.stepCount++;
      for (const h of this.hooks) {
        const mine = h.names === null ? records : records.filter((r) => h.names!.has(r.name));
        h.cb({ step, records: mine });
      }
    });
  }

  /**
   * Register `cb` to run after every step (see the file comment for what it sees).
   * Returns a function that unregisters it.
   */
  onStep(cb: StepHook, opts: StepHookOptions = {}): () => void {
    if (opts.params !== undefined) {
      const known = new Set(this.paramGroups.flatMap((g) => g.names));
      for (const n of opts.params) {
        if (!known.has(n)) throw new Error(`onStep: unknown parameter name '${n}'`);
      }
    }
    const entry: HookEntry = { cb, names: opts.params ? new Set(opts.params) : null };
    this.hooks.push(entry);
    return () => {
      const i = this.hooks.indexOf(entry);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  private wantsHook(name: string): boolean {
    return this.hooks.some((h) => h.names === null || h.names.has(name));
  }

  private snapshot(
    name: string,
    p: Tensor,
    st: ParamState,
  ): Pick<StepRecord, 'name' | 'wPrev' | 'bufferPrev'> {
    const wPrev = reuse(this.prevW, name, p.data);
    wPrev.set(p.data);
    const buf = st[this.hookBufferKey];
    let bufferPrev: Data | null = null;
    if (buf !== undefined && typeof buf !== 'number') {
      bufferPrev = reuse(this.prevBuf, name, buf.data);
      bufferPrev.set(buf.data);
    }
    return { name, wPrev, bufferPrev };
  }

  /** All named parameters in group order. */
  namedParameters(): NamedParam[] {
    return this.paramGroups.flatMap((g) => g.params.map((p, i) => [g.names[i], p] as const));
  }

  /** Snapshot of hyper-parameters and state (tensors are copies), torch key spelling. */
  stateDict(): OptimizerStateDict {
    const state: Record<string, ParamState> = {};
    for (const [name, st] of this.state) {
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(st)) copy[k] = typeof v === 'number' ? v : v.clone();
      state[name] = copy;
    }
    const groups = this.paramGroups.map((g) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) {
        if (k === 'params' || k === 'names') continue;
        if (v === undefined) continue;
        out[this.toTorchKey(k)] = Array.isArray(v) ? [...v] : v;
      }
      out.params = [...g.names];
      return out;
    });
    return { state, param_groups: groups, step_count: this.stepCount };
  }

  /**
   * Restore hyper-parameters and state saved by `stateDict` (tensors are copied in). The
   * groups must list the same parameter names as this optimizer's; shapes must match.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    if (sd.param_groups.length !== this.paramGroups.length) {
      throw new Error(
        `loadStateDict: param_groups has ${sd.param_groups.length} groups, expected ${this.paramGroups.length}`,
      );
    }
    const fromTorch = new Map<string, string>();
    for (const k of Object.keys(this.defaults)) fromTorch.set(this.toTorchKey(k), k);
    fromTorch.set('initial_lr', 'initialLr');
    sd.param_groups.forEach((saved, gi) => {
      const group = this.paramGroups[gi];
      const names = saved.params as string[];
      if (names.length !== group.names.length || names.some((n, i) => n !== group.names[i])) {
        throw new Error(`loadStateDict: param_groups[${gi}].params do not match this optimizer`);
      }
      const g = group as Record<string, unknown>;
      for (const [k, v] of Object.entries(saved)) {
        if (k === 'params') continue;
        const key = fromTorch.get(k);
        if (key === undefined) throw new Error(`loadStateDict: unknown param_groups key '${k}'`);
        g[key] = Array.isArray(v) ? [...v] : v;
      }
    });
    if (sd.step_count !== undefined) {
      if (!Number.isInteger(sd.step_count) || sd.step_count < 0) {
        throw new Error(`loadStateDict: step_count must be an integer >= 0, got ${sd.step_count}`);
      }
      this.stepCount = sd.step_count;
    }
    const byName = new Map(this.namedParameters());
    this.state.clear();
    for (const [name, st] of Object.entries(sd.state)) {
      const p = byName.get(name);
      if (p === undefined) throw new Error(`loadStateDict: state for unknown parameter '${name}'`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(st)) {
        if (typeof v === 'number') {
          copy[k] = v;
          continue;
        }
        const want = this.stateShape(k, p);
        if (!shapesEqual(v.shape, want)) {
          throw new Error(
            `loadStateDict: state '${name}.${k}' has shape ${fmtShape(v.shape)}, expected ${fmtShape(want)}`,
          );
        }
        if (want === p.shape) {
          const t = p.clone();
          t.copyFrom(v);
          copy[k] = t;
        } else copy[k] = v.to('float64'); // per-row state is float64
      }
      this.state.set(name, copy);
    }
  }
}

function isGroupInput(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'params' in x;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o))
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function reuse(cache: Map<string, Data>, name: string, like: Data): Data {
  let b = cache.get(name);
  if (b === undefined || b.length !== like.length || b.constructor !== like.constructor) {
    b =
      like instanceof Float64Array ? new Float64Array(like.length) : new Float32Array(like.length);
    cache.set(name, b);
  }
  return b;
}
