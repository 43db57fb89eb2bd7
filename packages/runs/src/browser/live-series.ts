/**
 * In-memory series of a run that a dashboard keeps up to date from `MetricStore.since` deltas
 * (polled over HTTP or read directly). Browser-safe. Handles a writer that resumed from an
 * older checkpoint (`delta.rewound`): rows after the new cursor are dropped before appending.
 */
import type { EventRow, MetricDelta, ProbeMetric, SinceCursor } from './metric-types.js';
import { START_CURSOR } from './metric-types.js';

/** A growable series: `steps[i]` ascending, `values[i]` logged at it. */
export interface GrowingSeries {
  steps: number[];
  values: number[];
}

/** Key of a probe series in {@link LiveSeries.probes}: `param|metric|channel` (channel '' = whole). */
export function probeKey(
  param: string,
  metric: ProbeMetric,
  channel: number | null = null,
): string {
  return `${param}|${metric}|${channel ?? ''}`;
}

function push(map: Map<string, GrowingSeries>, key: string, step: number, value: number): void {
  let s = map.get(key);
  if (!s) map.set(key, (s = { steps: [], values: [] }));
  s.steps.push(step);
  s.values.push(value);
}

function dropAfter(s: GrowingSeries, step: number): void {
  let n = s.steps.length;
  while (n > 0 && s.steps[n - 1] > step) n--;
  s.steps.length = n;
  s.values.length = n;
}

/** Scalars, probes and events of one run, grown by {@link LiveSeries.apply}. */
export class LiveSeries {
  readonly scalars = new Map<string, GrowingSeries>();
  readonly probes = new Map<string, GrowingSeries>();
  readonly events: EventRow[] = [];
  /** Cursor for the next `since` call. */
  cursor: SinceCursor = START_CURSOR;

  /** Applies one delta (in order) and advances the cursor. */
  apply(delta: MetricDelta): void {
    if (delta.rewound) {
      const keep = delta.cursor.step;
      for (const s of this.scalars.values()) dropAfter(s, keep);
      for (const s of this.probes.values()) dropAfter(s, keep);
      const kept = this.events.filter((e) => e.step <= keep);
      this.events.length = 0;
      this.events.push(...kept);
    }
    for (const r of delta.scalars) push(this.scalars, r.name, r.step, r.value);
    for (const r of delta.probes) {
      push(this.probes, probeKey(r.param, r.metric, r.channel), r.step, r.value);
    }
    this.events.push(...delta.events);
    this.cursor = delta.cursor;
  }

  /** The series of scalar `name` (empty if never logged). */
  scalar(name: string): GrowingSeries {
    return this.scalars.get(name) ?? { steps: [], values: [] };
  }

  /** The series of a probe metric (empty if never logged). */
  probe(param: string, metric: ProbeMetric, channel: number | null = null): GrowingSeries {
    return this.probes.get(probeKey(param, metric, channel)) ?? { steps: [], values: [] };
  }
}
