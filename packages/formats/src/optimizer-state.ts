/**
 * A PyTorch optimizer state_dict, read from an unpickled checkpoint and matched to parameter
 * names. torch keys the state by position (`state: {0: {momentum_buffer}, …}`,
 * `param_groups: [{lr, momentum, …, params: [0, 1, …]}]`), in the order the parameters were
 * given to the optimizer — model.parameters() order, except when groups split them (Hugging
 * Face's decay / no-decay groups). The match walks the model's state_dict (buffers, tied copies
 * and non-float tensors skipped) once per group, keeps the order, and requires each stored state
 * tensor's shape to equal the parameter's; every guess is written to `notes`.
 */
import { type PyValue } from './pickle.js';
import { isTorchTensor, type TorchTensor } from './torch-tensor.js';

/** One param_group's hyper-parameters (absent keys get torch's defaults). */
export interface ParamGroup {
  lr: number;
  weightDecay: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  /** Adam family: (β1, β2). */
  betas: [number, number] | null;
  eps: number | null;
  amsgrad: boolean;
  /** torch ≥ 2.x Adam(decoupled_weight_decay=True), else null when the state does not say. */
  decoupled: boolean | null;
  /** Optimizer-state ids of the group's parameters. */
  ids: number[];
}

/** What the optimizer stored for one parameter. */
export interface ParamState {
  name: string;
  group: number;
  momentumBuffer: TorchTensor | null;
  expAvg: TorchTensor | null;
  expAvgSq: TorchTensor | null;
  maxExpAvgSq: TorchTensor | null;
  /** Adam's step count t. */
  step: number | null;
}

/** An optimizer state matched to parameter names. */
export interface OptimizerState {
  /** 'sgd' (momentum_buffer or no state), 'adam' (exp_avg, exp_avg_sq; Adam or AdamW). */
  family: 'sgd' | 'adam';
  groups: ParamGroup[];
  /** By parameter name (only parameters the match found). */
  params: Map<string, ParamState>;
  notes: string[];
}

const BUFFER = /(^|\.)(running_mean|running_var|num_batches_tracked)$/;

function num(v: PyValue | undefined, dflt: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return dflt;
}

/** A 0-d or 1-element tensor's value (torch ≥ 1.12 stores Adam's step as a tensor). */
function scalar(
  v: PyValue | undefined,
  read: (t: TorchTensor) => ArrayLike<number>,
): number | null {
  if (typeof v === 'number') return v;
  if (isTorchTensor(v) && v.shape.reduce((a, b) => a * b, 1) === 1) return Number(read(v)[0]);
  return null;
}

/** True when `v` looks like an optimizer state_dict ({state, param_groups}). */
export function isOptimizerStateDict(v: PyValue | undefined): v is Map<PyValue, PyValue> {
  return v instanceof Map && v.get('state') instanceof Map && Array.isArray(v.get('param_groups'));
}

function parseGroup(g: PyValue, i: number, fail: (r: string) => never): ParamGroup {
  if (!(g instanceof Map)) fail(`param_groups[${i}] is not a dict`);
  const m = g as Map<PyValue, PyValue>;
  const ids = m.get('params');
  if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'number')) {
    fail(`param_groups[${i}].params is not a list of ids`);
  }
  const betas = m.get('betas');
  const b =
    Array.isArray(betas) && betas.length === 2 && betas.every((x) => typeof x === 'number')
      ? ([betas[0], betas[1]] as [number, number])
      : null;
  const dec = m.get('decoupled_weight_decay');
  return {
    lr: num(m.get('lr'), NaN),
    weightDecay: num(m.get('weight_decay'), 0),
    momentum: num(m.get('momentum'), 0),
    dampening: num(m.get('dampening'), 0),
    nesterov: m.get('nesterov') === true,
    betas: b,
    eps: typeof m.get('eps') === 'number' ? (m.get('eps') as number) : null,
    amsgrad: m.get('amsgrad') === true,
    decoupled: typeof dec === 'boolean' ? dec : null,
    ids: ids as number[],
  };
}

/** Bias- or norm-like names: what Hugging Face's Trainer puts in its no-decay group. */
function noDecayLike(name: string, t: TorchTensor): boolean {
  return /bias$/.test(name) || /norm|(^|\.)(bn|ln|gn)\d*\./i.test(name) || t.shape.length <= 1;
}

/**
 * Match an optimizer state_dict to the model's parameters. `model` is the model state_dict in
 * order (names → tensors); `read` decodes a tensor (for Adam's tensor step counts).
 */
export function matchOptimizerState(
  opt: Map<PyValue, PyValue>,
  model: Map<string, TorchTensor>,
  read: (t: TorchTensor) => ArrayLike<number>,
  fail: (r: string) => never,
): OptimizerState {
  const notes: string[] = [];
  const groups = (opt.get('param_groups') as readonly PyValue[]).map((g, i) =>
    parseGroup(g, i, fail),
  );
  const state = opt.get('state') as Map<PyValue, PyValue>;
  // Candidates: float tensors that are not BN buffers nor a second name for an earlier tensor.
  const cands: [string, TorchTensor][] = [];
  const seen = new Map<string, string>();
  for (const [name, t] of model) {
    if (BUFFER.test(name) || !/^(float|bfloat)/.test(t.dtype)) continue;
    const id = `${t.storage.key}:${t.storageOffset}:${t.shape.join('x')}`;
    const first = seen.get(id);
    if (first !== undefined) {
      notes.push(`${name} is tied to ${first} (one parameter)`);
      continue;
    }
    seen.set(id, name);
    cands.push([name, t]);
  }
  const total = groups.reduce((n, g) => n + g.ids.length, 0);
  if (total !== cands.length) {
    notes.push(
      `optimizer has ${total} parameters, the model ${cands.length} candidates (frozen parameters or extra buffers): matched by order and shape`,
    );
  }
  // Decay / no-decay split (Hugging Face): prefer bias- and norm-like names in the no-decay group.
  const split =
    groups.length > 1 &&
    groups.some((g) => g.weightDecay > 0) &&
    groups.some((g) => g.weightDecay === 0);
  const taken = new Set<number>();
  const params = new Map<string, ParamState>();
  let family: OptimizerState['family'] = 'sgd';
  groups.forEach((g, gi) => {
    let p = 0;
    for (const id of g.ids) {
      const st = state.get(id);
      const s = st instanceof Map ? (st as Map<PyValue, PyValue>) : null;
      const tensor = (k: string): TorchTensor | null => {
        const v = s?.get(k);
        return isTorchTensor(v) ? v : null;
      };
      const shapeOf = tensor('momentum_buffer') ?? tensor('exp_avg');
      const fits = (i: number, hint: boolean): boolean => {
        const [name, t] = cands[i];
        if (taken.has(i)) return false;
        if (shapeOf && shapeOf.shape.join('x') !== t.shape.join('x')) return false;
        return !hint || !split || noDecayLike(name, t) === (g.weightDecay === 0);
      };
      let c = p;
      while (c < cands.length && !fits(c, true)) c++;
      if (c === cands.length) for (c = p; c < cands.length && !fits(c, false); c++);
      if (c === cands.length) {
        notes.push(`optimizer parameter ${id} (group ${gi}) matches no model tensor: skipped`);
        continue;
      }
      taken.add(c);
      p = c + 1;
      if (s?.has('exp_avg')) family = 'adam';
      params.set(cands[c][0], {
        name: cands[c][0],
        group: gi,
        momentumBuffer: tensor('momentum_buffer'),
        expAvg: tensor('exp_avg'),
        expAvgSq: tensor('exp_avg_sq'),
        maxExpAvgSq: tensor('max_exp_avg_sq'),
        step: scalar(s?.get('step'), read),
      });
    }
  });
  if (family === 'sgd' && groups.some((g) => g.betas !== null)) family = 'adam';
  return { family, groups, params, notes };
}
