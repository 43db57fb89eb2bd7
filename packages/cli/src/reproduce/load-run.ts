/**
 * One finished run folder as the reproduction reads it: the typed config, the sampled series
 * analyzeRun takes, its analysis (offline: centred L_t, RMS Δ), the scalars the figures draw
 * (loss, test accuracy) and the events (lr drops, rescalings).
 */
import { openRun, type EventRow } from '@smd/runs';
import {
  analyzeRun,
  parseRunConfig,
  type LayerSeries,
  type RunAnalysis,
  type RunConfig,
  type RunSeries,
  type Series,
} from '@smd/smd';

/** A loaded, analyzed run. */
export interface LoadedRun {
  dir: string;
  name: string;
  config: RunConfig;
  /** the manifest's resolved config (batchSize, stepsPerEpoch, …) */
  raw: Record<string, unknown>;
  series: RunSeries;
  analysis: RunAnalysis;
  loss: Series;
  testAcc: Series;
  events: EventRow[];
  stepsPerEpoch: number;
  batchSize: number;
}

const EMPTY: Series = { steps: [], values: [] };

/** Opens `dir` read-only, reads every series analyzeRun needs and analyzes it offline. */
export function loadRun(dir: string): LoadedRun {
  const run = openRun(dir);
  try {
    const m = run.manifest;
    const config = parseRunConfig(m.config, `${dir}/manifest.json`);
    const store = run.metrics;
    const lastStep = store.endedStep();
    const probed = new Set(store.probeSeries().map((k) => k.param));
    const layers: LayerSeries[] = store
      .params()
      .filter((p) => probed.has(p.name))
      .map((p) => {
        const h = store.readProbe(p.name, 'h_tilde');
        return {
          param: p.name,
          scaleInvariant: p.scaleInvariant,
          reason: p.reason,
          delta: store.readProbe(p.name, 'delta_rad'),
          norm: store.readProbe(p.name, 'norm'),
          radialCos: store.readProbe(p.name, 'radial_cos'),
          unitGradSq: store.readProbe(p.name, 'unit_grad_sq_norm'),
          hTilde: h.steps.length > 0 ? h : null,
        };
      });
    const events = store.events(0);
    const series: RunSeries = {
      lastStep,
      lr: store.readScalars('lr'),
      layers,
      rescaled: events.some((e) => e.kind === 'rescale'),
    };
    const names = new Set(store.scalarNames());
    const num = (k: string, d: number): number => {
      const v = m.config[k];
      return typeof v === 'number' && Number.isFinite(v) ? v : d;
    };
    return {
      dir,
      name: m.name,
      config,
      raw: m.config as Record<string, unknown>,
      series,
      analysis: analyzeRun(series, config, { mode: 'offline' }),
      loss: names.has('loss') ? store.readScalars('loss') : EMPTY,
      testAcc: names.has('test_acc') ? store.readScalars('test_acc') : EMPTY,
      events,
      stepsPerEpoch: num('stepsPerEpoch', NaN),
      batchSize: num('batchSize', NaN),
    };
  } finally {
    run.close();
  }
}
