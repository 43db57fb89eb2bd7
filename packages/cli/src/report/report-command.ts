/**
 * `smd report RUN... [--out report.html] [--png DIR] [--svg DIR] [--layer NAME] [--max-points N]`:
 * one self-contained HTML page (bundle, styles and down-sampled data inlined; opens offline)
 * and optional paper figures rendered by the cli's Vega figure module.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE } from '@smd/runs';
import { RunConfigError } from '@smd/smd';
import { reportFigures, compactNumbers, type RunData, htmlPage } from '@smd/web';
import { renderFigure, type FigureFormat } from '../figure/render.js';
import { parseNumberField } from '../field-values.js';
import { UsageError, type CliIo } from '../usage-error.js';
import { commandHelp, flagDefault, parseCommandFlags, type CommandSpec } from '../flag-spec.js';
import { readWebAsset } from './assets.js';
import { RunCache } from './run-cache.js';
import { windowsMarkdown } from './windows-table.js';

/** `smd report`'s flags and help. */
export const REPORT_SPEC = {
  command: 'report',
  usage: ['report RUN... [flags]'],
  about: `Paper-style report of one run, or of several side by side (e.g. with and without rescaling):
measured ‖g̃‖²/h̃, ‖w_t‖ and Δ_t against the predicted w*_t, Δ* and mean-field trajectory, the
per-layer table with verdicts and the assumption checks. RUN is a run folder.`,
  flags: [
    {
      name: 'out',
      type: 'string',
      arg: 'FILE',
      default: 'report.html',
      help: 'HTML output; opens offline, data embedded',
    },
    {
      name: 'png',
      type: 'string',
      arg: 'DIR',
      help: 'also write the figures as PNG files into DIR',
    },
    {
      name: 'svg',
      type: 'string',
      arg: 'DIR',
      help: 'also write the figures as SVG files into DIR',
    },
    {
      name: 'layer',
      type: 'string',
      arg: 'NAME',
      help: 'layer of figures (a), (c), (d) (default: first scale-invariant one)',
    },
    {
      name: 'max-points',
      type: 'string',
      arg: 'N',
      default: 2000,
      help: 'points per series after min/max down-sampling',
    },
    {
      name: 'windows',
      type: 'string',
      arg: 'FILE',
      help: `also write, as Markdown, every layer's RMS Δ against its mean-field
prediction and against Δ* in every window after the first time constant`,
    },
  ],
} as const satisfies CommandSpec;

/** The `smd report --help` text. */
export const REPORT_HELP = commandHelp(REPORT_SPEC);

/** Validated inputs of `smd report`. */
export interface ReportOptions {
  runs: string[];
  out: string;
  png: string | null;
  svg: string | null;
  layer: string | null;
  maxPoints: number;
  windows: string | null;
}

/** Parses `smd report` argv (paths resolved against cwd). */
export function parseReportArgs(argv: string[], cwd: string): ReportOptions | 'help' {
  const parsed = parseCommandFlags(argv, REPORT_SPEC);
  const v = parsed.values as { help?: boolean } & Record<string, string | undefined>; // every option but help is a string
  if (v.help) return 'help';
  if (parsed.positionals.length === 0) {
    throw new UsageError(
      'smd report: RUN must be given: one or more run folders (see smd report --help)',
    );
  }
  const runs = parsed.positionals.map((p) => {
    const dir = resolve(cwd, p);
    if (!existsSync(dir) || !statSync(dir).isDirectory() || !existsSync(join(dir, MANIFEST_FILE))) {
      throw new UsageError(
        `smd report: RUN "${p}" must be a run folder containing ${MANIFEST_FILE}`,
      );
    }
    return dir;
  });
  const maxPoints =
    v['max-points'] === undefined
      ? flagDefault(REPORT_SPEC, 'max-points')
      : parseNumberField(
          v['max-points'],
          { command: 'smd report', where: '--max-points' },
          { min: 100, minInclusive: true, max: 100_000, maxInclusive: true, integer: true },
        );
  return {
    runs,
    out: resolve(cwd, v.out ?? flagDefault(REPORT_SPEC, 'out')),
    png: v.png === undefined ? null : resolve(cwd, v.png),
    svg: v.svg === undefined ? null : resolve(cwd, v.svg),
    layer: v.layer ?? null,
    maxPoints,
    windows: v.windows === undefined ? null : resolve(cwd, v.windows),
  };
}

/** The report page for already loaded runs. */
export function reportHtml(runs: RunData[], layer: string | null = null): string {
  const data = JSON.stringify({ runs, layer }, compactNumbers);
  return htmlPage({
    title: `smd report: ${runs.map((r) => r.name).join(' vs ')}`,
    subtitle: runs.map((r) => r.id).join(' · '),
    css: { inline: readWebAsset('app.css') },
    js: { inline: readWebAsset('app.js') },
    dataJson: data,
  });
}

/** Writes the figures of `runs` as files `fig-<id>.<format>` into `dir`; returns the paths. */
export async function writeReportFigures(
  runs: RunData[],
  layer: string | null,
  dir: string,
  format: FigureFormat,
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const fig of reportFigures(runs, layer)) {
    if (fig.panels.every((p) => p.lines.length === 0)) continue;
    const path = join(dir, `fig-${fig.id}.${format}`);
    writeFileSync(path, await renderFigure(fig, format));
    out.push(path);
  }
  return out;
}

/** Runs `smd report`. */
export async function runReport(argv: string[], io: CliIo): Promise<number> {
  const o = parseReportArgs(argv, io.cwd);
  if (o === 'help') {
    io.out(REPORT_HELP);
    return 0;
  }
  const caches = o.runs.map((dir) => {
    const c = new RunCache(dir);
    try {
      c.refresh();
    } catch (e) {
      // a manifest whose config cannot be read: one line naming the file and the field
      if (e instanceof RunConfigError) throw new UsageError(`smd report: ${e.message}`);
      throw e;
    }
    return c;
  });
  const runs = caches.map((c) => c.data(o.maxPoints));
  if (o.layer !== null && !runs[0].layers.includes(o.layer)) {
    throw new UsageError(
      `smd report: --layer must be a probed tensor of ${runs[0].id} (one of: ${runs[0].layers.join(', ') || 'none'}), got "${o.layer}"`,
    );
  }
  for (const r of runs)
    if (!r.layers.length) io.err(`smd report: warning: ${r.id} has no probe data\n`);
  const html = reportHtml(runs, o.layer);
  mkdirSync(resolve(o.out, '..'), { recursive: true });
  writeFileSync(o.out, html);
  io.out(
    `wrote ${o.out} (${(html.length / 1024).toFixed(0)} KiB, ${runs.length} run${runs.length > 1 ? 's' : ''})\n`,
  );
  for (const [dir, format] of [
    [o.svg, 'svg'],
    [o.png, 'png'],
  ] as const) {
    if (dir === null) continue;
    for (const p of await writeReportFigures(runs, o.layer, dir, format)) io.out(`wrote ${p}\n`);
  }
  if (o.windows !== null) {
    const md = caches.map((c, i) => windowsMarkdown(runs[i].name, c.analysis())).join('\n');
    mkdirSync(resolve(o.windows, '..'), { recursive: true });
    writeFileSync(o.windows, md);
    io.out(`wrote ${o.windows}\n`);
  }
  for (const r of runs) {
    for (const row of r.analysis.table) io.out(`${r.name}: ${row.summary}\n`);
    for (const a of r.analysis.alerts) io.out(`alert: ${a.message}; likely cause: ${a.cause}\n`);
  }
  return 0;
}
