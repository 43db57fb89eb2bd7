/**
 * Runs the 20-step trajectories of Lion, SGDP, AdamP and RV-SGDM/AdamW/Lion of
 * fixtures/torch/optim-ext.json (made by make_optim_ext.py from the papers' equations: PyTorch
 * 1.13 ships none of them) on the current backend — same network, initial weights and batches
 * as optim.json — and reports the worst relative error of the losses, final weights and every
 * optimizer buffer. Browser-safe: the caller reads and parses the JSON.
 */
import {
  AdamP,
  CrossEntropyLoss,
  Lion,
  RVAdamW,
  RVLion,
  RVSGDM,
  SGDP,
  splitDecayParams,
  type DType,
  type NamedParam,
  type Optimizer,
  type Tensor,
} from '@smd/engine';
import { batchesOf, freshNet, type SmallNet, type TrajectoryFixture } from './fixture-net.js';
import { compareArrays, compareTensor, type FixtureTensor } from './torch-fixture.js';

/** One run of optim-ext.json. */
export interface OptimExtRun {
  name: string;
  optimizer: 'Lion' | 'SGDP' | 'AdamP' | 'RVSGDM' | 'RVAdamW' | 'RVLion';
  steps: number;
  groups?: string;
  options: Record<string, number | boolean | number[]>;
  losses: number[];
  final: Record<string, FixtureTensor>;
  buffers: Record<string, Record<string, FixtureTensor>>;
  float64: { losses: number[]; final: Record<string, FixtureTensor> };
}

type AnyOpt = Optimizer<{ lr: number }>;

/** The run's optimizer with the fixture's options (torch names in camelCase). */
function makeOptimizer(
  run: OptimExtRun,
  params: NamedParam[] | ReturnType<typeof splitDecayParams>,
): AnyOpt {
  const o = run.options as Record<string, unknown>;
  const any = (x: unknown): AnyOpt => x as AnyOpt;
  switch (run.optimizer) {
    case 'Lion':
      return any(new Lion(params, o));
    case 'SGDP':
      return any(new SGDP(params, o as { lr: number }));
    case 'AdamP':
      return any(new AdamP(params, o));
    case 'RVSGDM':
      return any(new RVSGDM(params, o));
    case 'RVAdamW':
      return any(new RVAdamW(params, o));
    case 'RVLion':
      return any(new RVLion(params, o));
  }
}

/** Trains `run` from the fixture's initial net on its batches; the net, optimizer and losses. */
export function trainOptimExt(
  base: TrajectoryFixture,
  run: OptimExtRun,
  dtype: DType,
): { net: SmallNet; opt: AnyOpt; losses: number[] } {
  const net = freshNet(base, dtype).train();
  const named = net.namedParameters();
  const opt = makeOptimizer(
    run,
    run.groups === 'noDecayOnNormAndBias' ? splitDecayParams(named) : named,
  );
  const data = batchesOf(base, dtype);
  const lossFn = new CrossEntropyLoss();
  const losses: number[] = [];
  for (let step = 0; step < run.steps; step++) {
    const b = data[step % data.length];
    opt.zeroGrad();
    const loss = lossFn.forward(net.forward(b.x), b.y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return { net, opt, losses };
}

/**
 * Worst relative error of a float32 run against the fixture: 'loss', 'final' (weights) and one
 * entry per optimizer buffer key. Throws when a state-dict key or a buffer is missing.
 */
export function optimExtErrors(base: TrajectoryFixture, run: OptimExtRun): Record<string, number> {
  const { net, opt, losses } = trainOptimExt(base, run, 'float32');
  const err: Record<string, number> = { loss: compareArrays(losses, run.losses, 1e-6, 0).maxRel };
  const sd = net.stateDict();
  const keys = [...sd.keys()].join(',');
  if (keys !== Object.keys(run.final).join(','))
    throw new Error(`${run.name}: state-dict keys ${keys}`);
  err.final = 0;
  for (const [k, v] of Object.entries(run.final)) {
    err.final = Math.max(err.final, compareTensor(sd.get(k)!, v).maxRel);
  }
  const osd = opt.stateDict().state;
  for (const [key, byParam] of Object.entries(run.buffers)) {
    err[key] = 0;
    for (const [name, v] of Object.entries(byParam)) {
      const t = osd[name]?.[key];
      if (t === undefined || typeof t === 'number')
        throw new Error(`${run.name}: no state ${name}.${key}`);
      err[key] = Math.max(err[key], compareTensor(t as Tensor, v).maxRel);
    }
  }
  return err;
}
