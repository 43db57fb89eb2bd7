/**
 * A small figure model (stacked panels of line series, dashed horizontal levels and vertical
 * markers, shared x axis) and its translation into a Vega 6 spec. Rendering lives in render.ts.
 */

/** One line. x and y are parallel (already down-sampled: this module draws every point). */
export interface FigureLine {
  name: string;
  x: number[];
  y: number[];
  /** Draw dashed (e.g. a moving equilibrium Δ*(η_t)); default solid. */
  dashed?: boolean;
}

/** A dashed horizontal level drawn over [x0, x1] (e.g. Δ* of one schedule phase). */
export interface FigureLevel {
  /** Legend entry; levels sharing a name share a colour. */
  name: string;
  x0: number;
  x1: number;
  y: number;
}

/** A shaded band between lo and hi (e.g. min/max over seeds); its colour is the line of the same name's. */
export interface FigureBand {
  name: string;
  x: number[];
  lo: number[];
  hi: number[];
}

/** One panel: its own y axis. */
export interface FigurePanel {
  /** Y-axis title with units, e.g. "Δ_t (rad, log scale)". */
  yLabel: string;
  logY: boolean;
  lines: FigureLine[];
  levels: FigureLevel[];
  /** optional shaded bands drawn under the lines */
  bands?: FigureBand[];
}

/** A vertical dotted marker across every panel (e.g. an lr drop). */
export interface FigureMarker {
  x: number;
  label: string;
}

/** The whole figure. */
export interface LineFigure {
  title: string;
  subtitle: string[];
  xLabel: string;
  xMax: number;
  /** Optional second x axis on top of the first panel showing x / divisor (e.g. epochs). */
  xTop?: { label: string; divisor: number };
  panels: FigurePanel[];
  markers: FigureMarker[];
  /** Size of each panel's plotting area in px. */
  width?: number;
  panelHeight?: number;
}

/** Font stack used in the SVG; DejaVu Sans has Δ, η, λ, α and ‖. */
export const FIGURE_FONT = 'DejaVu Sans, Verdana, sans-serif';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function yDomain(panel: FigurePanel): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const see = (v: number): void => {
    if (!Number.isFinite(v) || (panel.logY && v <= 0)) return;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  };
  for (const l of panel.lines) l.y.forEach(see);
  for (const l of panel.levels) see(l.y);
  for (const b of panel.bands ?? []) {
    b.lo.forEach(see);
    b.hi.forEach(see);
  }
  if (!Number.isFinite(lo)) return panel.logY ? [1e-6, 1] : [0, 1];
  if (panel.logY) {
    // At most 4 decades: a schedule decaying to ~0 (cosine) would squash everything else.
    lo = Math.max(lo, hi * 1e-4);
    if (hi / lo < 10) {
      const mid = Math.sqrt(hi * lo);
      return [mid / Math.sqrt(10), mid * Math.sqrt(10)];
    }
    return [lo / 1.15, hi * 1.15];
  }
  const pad = (hi - lo) * 0.06 || Math.abs(hi) * 0.1 || 1;
  return [Math.max(0, lo - pad), hi + pad];
}

/** A clipped group drawing `mark` once per series name of dataset `data` (lines, bands). */
function facetGroup(
  facet: string,
  data: string,
  width: number,
  height: number,
  mark: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: 'group',
    from: { facet: { name: facet, data, groupby: 'name' } },
    clip: true,
    encode: { enter: { width: { value: width }, height: { value: height } } },
    marks: [{ ...mark, from: { data: facet } }],
  };
}

/** Builds the Vega spec for a figure (a plain JSON object, usable by vega.parse). */
export function lineFigureSpec(fig: LineFigure): Record<string, unknown> {
  const width = fig.width ?? 760;
  const height = fig.panelHeight ?? 240;
  const names: string[] = [];
  const dashes: number[][] = [];
  const addName = (name: string, dashed: boolean): void => {
    if (names.includes(name)) return;
    names.push(name);
    dashes.push(dashed ? [7, 4] : [1, 0]);
  };
  fig.panels.forEach((p) => {
    p.lines.forEach((l) => addName(l.name, l.dashed === true));
    p.levels.forEach((l) => addName(l.name, true));
  });
  const data: Record<string, unknown>[] = [
    { name: 'markers', values: fig.markers.map((m) => ({ x: m.x, label: m.label })) },
  ];
  const panelMarks = fig.panels.map((panel, i) => {
    const points: { name: string; x: number; y: number }[] = [];
    for (const l of panel.lines) {
      for (let k = 0; k < l.x.length; k++) {
        if (panel.logY && !(l.y[k] > 0)) continue;
        points.push({ name: l.name, x: l.x[k], y: l.y[k] });
      }
    }
    data.push({ name: `lines${i}`, values: points });
    const band: { name: string; x: number; lo: number; hi: number }[] = [];
    for (const b of panel.bands ?? []) {
      for (let k = 0; k < b.x.length; k++) {
        if (!Number.isFinite(b.lo[k]) || !Number.isFinite(b.hi[k])) continue;
        if (panel.logY && !(b.lo[k] > 0)) continue;
        band.push({ name: b.name, x: b.x[k], lo: b.lo[k], hi: b.hi[k] });
      }
    }
    data.push({ name: `bands${i}`, values: band });
    data.push({ name: `levels${i}`, values: panel.levels.map((l) => ({ ...l })) });
    const last = i === fig.panels.length - 1;
    return {
      type: 'group',
      encode: { update: { width: { value: width }, height: { value: height } } },
      scales: [
        { name: 'x', type: 'linear', domain: [0, fig.xMax], range: [0, width], nice: false },
        ...(fig.xTop
          ? [
              {
                name: 'xTop',
                type: 'linear',
                domain: [0, fig.xMax / fig.xTop.divisor],
                range: [0, width],
                nice: false,
              },
            ]
          : []),
        {
          name: 'y',
          type: panel.logY ? 'log' : 'linear',
          domain: yDomain(panel),
          range: [height, 0],
          nice: false,
          zero: false,
        },
      ],
      axes: [
        {
          orient: 'bottom',
          scale: 'x',
          title: last ? fig.xLabel : undefined,
          grid: true,
          gridOpacity: 0.25,
          labelFlush: true,
          format: ',d',
        },
        ...(fig.xTop && i === 0
          ? [
              {
                orient: 'top',
                scale: 'xTop',
                title: fig.xTop.label,
                labelFlush: true,
                format: ',d',
              },
            ]
          : []),
        {
          orient: 'left',
          scale: 'y',
          title: panel.yLabel,
          grid: true,
          gridOpacity: 0.25,
          format: panel.logY ? '.1e' : '.3~g',
          tickCount: panel.logY ? 6 : 5,
        },
      ],
      legends: [
        {
          stroke: 'color',
          strokeDash: 'dash',
          symbolType: 'stroke',
          symbolStrokeWidth: 2.5,
          symbolSize: 400,
          orient: 'right',
          offset: 12,
          padding: 4,
          labelLimit: 480,
          values: names.filter(
            (n) => panel.lines.some((l) => l.name === n) || panel.levels.some((l) => l.name === n),
          ),
        },
      ],
      marks: [
        {
          type: 'rule',
          from: { data: 'markers' },
          encode: {
            update: {
              x: { scale: 'x', field: 'x' },
              y: { value: 0 },
              y2: { value: height },
              stroke: { value: '#888' },
              strokeDash: { value: [2, 3] },
              strokeWidth: { value: 1 },
            },
          },
        },
        ...(i === 0
          ? [
              {
                type: 'text',
                from: { data: 'markers' },
                encode: {
                  update: {
                    x: { scale: 'x', field: 'x', offset: 3 },
                    y: { value: 2 },
                    text: { field: 'label' },
                    baseline: { value: 'top' },
                    fontSize: { value: 10 },
                    fill: { value: '#555' },
                  },
                },
              },
            ]
          : []),
        facetGroup(`band${i}`, `bands${i}`, width, height, {
          type: 'area',
          encode: {
            update: {
              x: { scale: 'x', field: 'x' },
              y: { scale: 'y', field: 'lo' },
              y2: { scale: 'y', field: 'hi' },
              fill: { scale: 'color', field: 'name' },
              fillOpacity: { value: 0.18 },
            },
          },
        }),
        facetGroup(`series${i}`, `lines${i}`, width, height, {
          type: 'line',
          encode: {
            update: {
              x: { scale: 'x', field: 'x' },
              y: { scale: 'y', field: 'y' },
              stroke: { scale: 'color', field: 'name' },
              strokeDash: { scale: 'dash', field: 'name' },
              strokeWidth: { value: 1.6 },
            },
          },
        }),
        {
          type: 'rule',
          clip: true,
          from: { data: `levels${i}` },
          encode: {
            update: {
              x: { scale: 'x', field: 'x0' },
              x2: { scale: 'x', field: 'x1' },
              y: { scale: 'y', field: 'y' },
              stroke: { scale: 'color', field: 'name' },
              strokeDash: { value: [7, 4] },
              strokeWidth: { value: 1.6 },
            },
          },
        },
      ],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    padding: 12,
    autosize: 'pad',
    background: 'white',
    config: {
      text: { font: FIGURE_FONT },
      title: { font: FIGURE_FONT, subtitleFont: FIGURE_FONT, fontSize: 15, subtitleFontSize: 11 },
      axis: {
        labelFont: FIGURE_FONT,
        titleFont: FIGURE_FONT,
        labelFontSize: 10,
        titleFontSize: 11,
      },
      legend: { labelFont: FIGURE_FONT, titleFont: FIGURE_FONT, labelFontSize: 11 },
    },
    title: { text: fig.title, subtitle: fig.subtitle, anchor: 'start', offset: 10 },
    layout: { columns: 1, padding: 18, bounds: 'full', align: 'all' },
    scales: [
      {
        name: 'color',
        type: 'ordinal',
        domain: names,
        range: names.map((_n, k) => PALETTE[k % PALETTE.length]),
      },
      { name: 'dash', type: 'ordinal', domain: names, range: dashes },
    ],
    data,
    marks: panelMarks,
  };
}
