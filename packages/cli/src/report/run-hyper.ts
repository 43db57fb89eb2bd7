/**
 * Optimizer facts of a run, read tolerantly from its manifest config (`optimizer: {name, lr,
 * momentum, weightDecay, nesterov, dampening}` or the same keys at the top level) and its logged
 * lr scalar.
 */
import type { Json } from '@smd/runs';
import type { RunHyper } from '@smd/web/model/run-data';

type Obj = { [key: string]: Json };

const isObj = (v: Json | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function pick(objs: Obj[], keys: string[]): Json | undefined {
  for (const o of objs) for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

function num(v: Json | undefined): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** Optimizers whose update is §2's SGD/SGDM with coupled decay (when not Nesterov/dampened). */
const COVERED = new Set(['sgd', 'sgdm', 'momentum', 'sgd+momentum', 'heavy-ball']);

/** RunHyper from a manifest config and the last logged η (null: use the config's lr). */
export function hyperFromConfig(config: Obj, lastLr: number | null): RunHyper {
  const opt = config.optimizer;
  const objs: Obj[] = isObj(opt) ? [opt, config] : [config];
  // `optimizer: 'sgdm'` (smd train) or `optimizer: { name: 'sgd', … }`; never the run's name.
  const name =
    typeof opt === 'string'
      ? opt
      : isObj(opt)
        ? (pick([opt], ['name', 'kind', 'type']) ?? 'sgd')
        : 'sgd';
  const optimizer = String(name).toLowerCase();
  const lr = lastLr ?? num(pick(objs, ['lr', 'learningRate', 'learning_rate']));
  const wd = num(pick(objs, ['weightDecay', 'weight_decay', 'wd']));
  const momentum = num(pick(objs, ['momentum'])) ?? 0;
  const nesterov = pick(objs, ['nesterov']) === true;
  const dampening = num(pick(objs, ['dampening'])) ?? 0;
  const decoupled = pick(objs, ['decoupled', 'decoupledWeightDecay']) === true;
  return {
    lr,
    wd,
    momentum,
    optimizer,
    predictable: COVERED.has(optimizer) && !nesterov && dampening === 0 && !decoupled,
  };
}

/** A few config facts for the report header. */
export function configFacts(config: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    const text = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    out[k] = text.length > 120 ? text.slice(0, 117) + '...' : text;
    if (Object.keys(out).length >= 12) break;
  }
  return out;
}
