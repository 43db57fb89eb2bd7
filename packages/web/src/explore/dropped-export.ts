/**
 * An `smd export RUN --format json` file dropped onto the explorer, analyzed as `smd report`
 * and `smd analyze` analyze a run folder: the export's manifest config (parseRunConfig), its
 * params (scale invariance) and its long rows (lr scalar; per tensor delta_rad, norm,
 * radial_cos, unit_grad_sq_norm, h_tilde) become the RunSeries that @smd/smd's analyzeRun
 * takes (offline mode: the run is over). Pure and browser-safe.
 *
 * The export's shape: { manifest, params: ParamInfo[], events, rows: LongRow[] } with NaN and
 * ±Infinity spelled as strings (packages/runs/src/export-metrics.ts).
 */
import { InputError } from '@smd/formats';
import { validateManifest, type EventRow, type ParamInfo } from '@smd/runs/browser';
import {
  analyzeRun,
  parseRunConfig,
  type LayerSeries,
  type RunAnalysis,
  type RunSeries,
  type Series,
} from '@smd/smd';

/** A dropped export, analyzed. */
export interface ExportAnalysis {
  file: string;
  name: string;
  analysis: RunAnalysis;
}

const LAYER_METRICS = ['delta_rad', 'norm', 'radial_cos', 'unit_grad_sq_norm', 'h_tilde'] as const;
type LayerMetric = (typeof LAYER_METRICS)[number];

/** Growing columns of one series (steps ascend in an export). */
interface Col {
  steps: number[];
  values: number[];
}

function value(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return NaN;
}

const series = (c: Col | undefined): Series => ({
  steps: Float64Array.from(c?.steps ?? []),
  values: Float64Array.from(c?.values ?? []),
});

/** True when `text` looks like an smd JSON export (checked before a full parse). */
export function looksLikeExport(text: string): boolean {
  return /^\s*\{\s*"manifest"\s*:/.test(text);
}

/**
 * Analyze the text of an `smd export --format json` file.
 * @throws InputError, one line naming `file` and what was expected
 */
export function analyzeExport(text: string, file: string): ExportAnalysis {
  const fail = (why: string): never => {
    throw new InputError(`${file}: ${why}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const o = raw as { manifest?: unknown; params?: unknown; events?: unknown; rows?: unknown };
  if (typeof o !== 'object' || o === null || !('manifest' in o) || !Array.isArray(o.rows))
    fail('expected an smd export (smd export RUN --format json): { manifest, params, rows }');
  const manifest = validateManifest(o.manifest, `${file}: manifest`);
  const config = parseRunConfig(manifest.config, `${file}: manifest.config`);
  const params = (Array.isArray(o.params) ? o.params : []) as ParamInfo[];
  const events = (Array.isArray(o.events) ? o.events : []) as EventRow[];
  const lr: Col = { steps: [], values: [] };
  const cols = new Map<string, Map<LayerMetric, Col>>();
  let lastStep = -1;
  (o.rows as unknown[]).forEach((r, i) => {
    const row = r as { step?: unknown; param?: unknown; metric?: unknown; channel?: unknown };
    if (typeof row !== 'object' || row === null || !Number.isSafeInteger(row.step))
      fail(`rows[${i}]: expected { step, param, metric, channel, value } with an integer step`);
    const step = row.step as number;
    lastStep = Math.max(lastStep, step);
    const v = value((r as { value?: unknown }).value);
    if (row.param === null && row.metric === 'lr') {
      lr.steps.push(step);
      lr.values.push(v);
    } else if (
      typeof row.param === 'string' &&
      row.channel === null &&
      (LAYER_METRICS as readonly unknown[]).includes(row.metric)
    ) {
      let m = cols.get(row.param);
      if (!m) cols.set(row.param, (m = new Map()));
      let c = m.get(row.metric as LayerMetric);
      if (!c) m.set(row.metric as LayerMetric, (c = { steps: [], values: [] }));
      c.steps.push(step);
      c.values.push(v);
    }
  });
  // Probed tensors in model order (the params list), then any the list does not name.
  const info = new Map(params.map((p) => [p.name, p]));
  const probed = [...cols].filter(([, m]) => m.has('delta_rad')).map(([n]) => n);
  const order = [
    ...params.map((p) => p.name).filter((n) => probed.includes(n)),
    ...probed.filter((n) => !info.has(n)).sort(),
  ];
  const layers: LayerSeries[] = order.map((param) => {
    const m = cols.get(param)!;
    return {
      param,
      scaleInvariant: info.get(param)?.scaleInvariant ?? null,
      reason: info.get(param)?.reason ?? '',
      delta: series(m.get('delta_rad')),
      norm: series(m.get('norm')),
      radialCos: series(m.get('radial_cos')),
      unitGradSq: series(m.get('unit_grad_sq_norm')),
      hTilde: m.has('h_tilde') ? series(m.get('h_tilde')) : null,
    };
  });
  if (layers.length === 0) fail('no per-tensor delta_rad rows: nothing to analyze');
  const runSeries: RunSeries = {
    lastStep,
    lr: series(lr),
    layers,
    rescaled: events.some((e) => e?.kind === 'rescale'),
  };
  return {
    file,
    name: manifest.name,
    analysis: analyzeRun(runSeries, config, { mode: 'offline' }),
  };
}
