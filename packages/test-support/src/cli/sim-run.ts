/**
 * A LoadedRun made by the synthetic scale-invariant simulator (packages/smd/src/sim) instead of
 * training: several "layers" of known L under SGD/SGDM with an lr schedule, optionally with the
 * rescaling trick at each drop. The verdict tests use it to build runs that must pass or fail.
 */
import {
  analyzeRun,
  parseRunConfig,
  rescaleFactor,
  simulateScaleInvariant,
  type LayerSeries,
  type RunSeries,
} from '@smd/smd';
import type { LoadedRun } from '@smd/cli';

/** Options of simulatedRun. */
export interface SimRunOptions {
  name: string;
  steps: number;
  lr: number;
  wd: number;
  momentum: number;
  /** η ÷ 10 at these steps */
  drops?: number[];
  rescale?: boolean;
  /** dimensions of the simulated layers (default 2000, 4000, 8000) */
  dims?: number[];
  initialNormSq?: number;
  windowSteps?: number;
  seed?: number;
}

/** Simulates the layers and analyzes them as analyzeRun would a trained run. */
export function simulatedRun(o: SimRunOptions): LoadedRun {
  const drops = o.drops ?? [];
  const lr = new Float64Array(o.steps).map(
    (_v, t) => o.lr / 10 ** drops.filter((d) => t >= d).length,
  );
  const steps = Float64Array.from({ length: o.steps }, (_v, t) => t);
  const layers: LayerSeries[] = (o.dims ?? [2000, 4000, 8000]).map((d, i) => {
    const sim = simulateScaleInvariant({
      d,
      steps: o.steps,
      seed: (o.seed ?? 0) * 100 + i,
      optimizer: o.momentum > 0 ? 'sgdm' : 'sgd',
      momentum: o.momentum > 0 ? o.momentum : undefined,
      lr,
      wd: o.wd,
      initialNormSq: o.initialNormSq ?? 1,
      rescaleAt: o.rescale ? drops.map((step) => ({ step, factor: rescaleFactor(10) })) : undefined,
    });
    return {
      param: `layer${i}.weight`,
      scaleInvariant: true,
      reason: 'simulated',
      delta: { steps, values: sim.deltaRad },
      norm: { steps, values: sim.normSq.subarray(0, o.steps).map(Math.sqrt) },
      radialCos: { steps, values: new Float64Array(o.steps) },
      unitGradSq: { steps, values: sim.unitGradSq },
      hTilde: null,
    };
  });
  const series: RunSeries = {
    lastStep: o.steps - 1,
    lr: { steps, values: lr },
    layers,
    rescaled: o.rescale === true,
  };
  const raw = {
    optimizer: o.momentum > 0 ? 'sgdm' : 'sgd',
    lr: o.lr,
    momentum: o.momentum,
    wd: o.wd,
    window: o.windowSteps ?? 200,
    rescale: o.rescale === true,
    batchSize: 128,
    stepsPerEpoch: o.steps,
  };
  const config = parseRunConfig(raw, o.name);
  return {
    dir: `(simulated ${o.name})`,
    name: o.name,
    config,
    raw,
    series,
    analysis: analyzeRun(series, config, { mode: 'offline' }),
    loss: { steps: [], values: [] },
    testAcc: { steps: [], values: [] },
    events: drops.map((step, i) => ({
      step: step - 1,
      seq: i,
      kind: 'lr_drop',
      message: 'η ÷ 10',
    })),
    stepsPerEpoch: o.steps,
    batchSize: 128,
  };
}
