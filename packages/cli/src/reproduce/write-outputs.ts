/**
 * Writes the reproduction: OUT/summary.json (machine-readable: settings, runs, every claim with
 * its numbers and verdict), OUT/claims.md (the claims table in Markdown, for docs),
 * OUT/figures/<fig>.svg and .png, and OUT/reproduce.html — one
 * self-contained page (inline SVG figures, inline style, no script needed) with every figure
 * beside the paper's claim, the measured numbers and the verdict.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml, jsonForScript } from '@smd/web';
import { renderFigureSvg, svgToPng } from '../figure/render.js';
import type { ClaimResult, NumberTable } from './claim.js';
import type { Measured } from './measure.js';
import { SETTINGS, type FigureId } from './plan.js';
import { reproductionFigures } from './repro-figures.js';
import type { ReproduceOptions } from './reproduce-options.js';

/** Timing facts for the outputs. */
export interface Timing {
  /** wall time of the plan (training, resuming, reusing), seconds */
  trainSec: number;
}

const SECTION: Record<FigureId, { title: string; paper: string }> = {
  fig2: {
    title: 'Figure 2 — equilibrium at a fixed learning rate, SGD vs SGDM',
    paper:
      'With a fixed η, ‖w_t‖ follows the w*_t computed from the windowed L_t and Δ_t settles at Δ* = √(2λη/(1+α)) for every scale-invariant layer (ResNet-50/ImageNet, layer.2.0.conv2).',
  },
  fig3: {
    title: 'Figure 3 — multi-stage learning rate, with and without the rescaling trick',
    paper:
      'After each η ÷ 10 the layers fall out of equilibrium and the late stages end before they are back (Corollary 3.1); dividing scale-invariant weights by 10^¼ at each drop puts every layer at the new Δ* at once.',
  },
  fig4: {
    title: 'Figure 4 — SGDM vs SGDM + rescaling vs Adam',
    paper:
      'On CIFAR-10 (ResNet-18), plain SGDM loses test accuracy in the 2nd lr stage while Δ_t climbs to its new equilibrium; with rescaling, or with Adam, it does not.',
  },
  scaling: {
    title: 'Beyond the paper — linear scaling: batch k·B with lr k·η',
    paper:
      'The paper’s first version: scaling batch and lr by k raises the equilibrium Δ by √k per step. Is the rotation per training example preserved?',
  },
};

const CSS = `body{font:14px/1.45 "DejaVu Sans",Verdana,sans-serif;margin:0 auto;max-width:1180px;padding:16px 24px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0;font-size:12.5px}td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f4f4f4}.v{font-weight:bold;padding:1px 6px;border-radius:3px;white-space:nowrap}
.holds{background:#d7f0d7;color:#185218}.partly{background:#fbecc8;color:#6b4a00}.fails{background:#f6d3d3;color:#7a1717}
.inconclusive{background:#e4e4e4;color:#444}.meta{color:#555}.quick{background:#fff3c4;padding:6px 10px;border:1px solid #e0c060}
figure{margin:12px 0;overflow-x:auto}figure svg{max-width:100%;height:auto}code{background:#f4f4f4;padding:0 3px}`;

function verdictBadge(v: string): string {
  return `<span class="v ${escapeHtml(v)}">${escapeHtml(v)}</span>`;
}

function tableHtml(t: NumberTable): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const rows = t.rows
    .map(
      (r) =>
        `<tr>${r.map((c) => `<td>${escapeHtml(c === null ? '—' : String(c))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><tr>${head}</tr>\n${rows}</table>`;
}

function claimsTable(claims: ClaimResult[]): string {
  return tableHtml({
    columns: ['claim', 'paper’s setting', 'our setting', 'measured', 'verdict'],
    rows: claims.map((c) => [`${c.id}: ${c.claim}`, c.paper, c.ours, c.measured, c.verdict]),
  }).replace(
    /<td>(holds|partly|fails|inconclusive)<\/td>/g,
    (_m, v: string) => `<td>${verdictBadge(v)}</td>`,
  );
}

/** The claims as a Markdown table (claim, paper's setting, our setting, measured, verdict) for docs. */
export function claimsMarkdown(claims: ClaimResult[]): string {
  const cell = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = claims.map(
    (c) =>
      `| ${cell(`**${c.id}** ${c.claim}`)} | ${cell(c.paper)} | ${cell(c.ours)} | ${cell(c.measured)} | **${c.verdict}** — ${cell(c.why)} |`,
  );
  return `| claim | paper's setting | our setting | measured | verdict |\n|---|---|---|---|---|\n${rows.join('\n')}\n`;
}

/** The JSON summary object. */
export function summaryJson(
  m: Measured,
  o: ReproduceOptions,
  t: Timing,
  figures: string[],
): unknown {
  return {
    tool: 'smd reproduce',
    createdAt: new Date().toISOString(),
    quick: o.quick,
    targets: m.targets,
    seeds: o.seeds,
    data: o.data,
    timing: t,
    settings: SETTINGS,
    runs: m.executed.map((e) => ({
      name: e.planned.name,
      dir: e.dir,
      origin: e.origin,
      status: e.status,
      uses: e.planned.uses,
      config: e.planned.config,
    })),
    claims: m.claims,
    figures,
  };
}

/** The HTML page. `svgs` maps figure stems to inline SVG text. */
export function reproductionHtml(
  m: Measured,
  o: ReproduceOptions,
  t: Timing,
  svgs: Map<string, string>,
  summary: unknown,
): string {
  const parts: string[] = [];
  const quick = o.quick
    ? `<p class="quick"><b>Quick runs</b> (--quick): every run is ${Math.round(1 / SETTINGS.quickFactor)}× shorter than the full plan, so several claims are judged on too few steps; see the verdicts' reasons.</p>`
    : '';
  parts.push(`<h1>Spherical Motion Dynamics, reproduced${o.quick ? ' (quick)' : ''}</h1>
<p class="meta">Wan, Zhu, Zhang, Sun: <i>Spherical Motion Dynamics: Learning Dynamics of Normalized Neural Network using SGD and Weight Decay</i> (NeurIPS 2021), §4 — at CPU scale with smd. Data: ${escapeHtml(o.data)}; ${m.executed.length} runs (${m.executed.filter((e) => e.origin === 'reused').length} reused); plan wall time ${(t.trainSec / 60).toFixed(1)} min; written ${escapeHtml(new Date().toISOString())}.</p>
${quick}<h2>Claims and verdicts</h2>
<p>Verdicts: <b>holds</b> — the numbers meet the claim's rule; <b>partly</b> — only in part (e.g. the median layer but not every one); <b>fails</b> — they contradict it; <b>inconclusive</b> — the runs cannot tell (too short, nothing to fit). Each rule is stated under its figure.</p>
${claimsTable(m.claims)}`);
  for (const fig of m.targets) {
    const claims = m.claims.filter((c) => c.figure === fig);
    parts.push(
      `<h2>${escapeHtml(SECTION[fig].title)}</h2><p><b>The paper:</b> ${escapeHtml(SECTION[fig].paper)}</p>`,
    );
    for (const [stem, svg] of svgs) {
      if (stem === fig || stem.startsWith(`${fig}-`)) parts.push(`<figure>${svg}</figure>`);
    }
    for (const c of claims) {
      parts.push(`<h3>${escapeHtml(c.id)} ${verdictBadge(c.verdict)}</h3>
<p>${escapeHtml(c.claim)}</p><p><b>Measured:</b> ${escapeHtml(c.measured)}</p><p><b>Rule:</b> ${escapeHtml(c.why)}</p>
${c.table ? tableHtml(c.table) : ''}`);
    }
  }
  parts.push(
    `<h2>Runs</h2>${tableHtml({
      columns: ['run', 'folder', 'this invocation', 'status', 'config'],
      rows: m.executed.map((e) => {
        const c = e.planned.config;
        return [
          e.planned.name,
          e.dir,
          e.origin,
          e.status,
          `${c.optimizer} η=${c.lr} λ=${c.weightDecay} α=${c.momentum} B=${c.batchSize} ${c.epochs} epochs, ${c.schedule}${c.rescale ? ', rescale' : ''}, seed ${c.seed}`,
        ];
      }),
    })}<p>Look at any run with <code>smd report RUN</code> or <code>smd serve ${escapeHtml(join(o.out, 'runs'))}</code>.</p>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>smd reproduce${o.quick ? ' (quick)' : ''}</title><style>${CSS}</style></head>
<body>
${parts.join('\n')}
<script id="smd-summary" type="application/json">${jsonForScript(summary)}</script>
</body></html>
`;
}

/** Renders every figure and writes the page, the figures and the summary; returns the paths. */
export async function writeReproduction(
  m: Measured,
  o: ReproduceOptions,
  t: Timing,
): Promise<string[]> {
  const figDir = join(o.out, 'figures');
  mkdirSync(figDir, { recursive: true });
  const written: string[] = [];
  const svgs = new Map<string, string>();
  for (const [stem, fig] of reproductionFigures(m.runs, o.quick)) {
    const svg = await renderFigureSvg(fig);
    svgs.set(stem, svg);
    const svgPath = join(figDir, `${stem}.svg`);
    const pngPath = join(figDir, `${stem}.png`);
    writeFileSync(svgPath, svg);
    writeFileSync(pngPath, await svgToPng(svg));
    written.push(svgPath, pngPath);
  }
  const summary = summaryJson(m, o, t, written);
  const jsonPath = join(o.out, 'summary.json');
  writeFileSync(jsonPath, JSON.stringify(summary, null, 2) + '\n');
  const mdPath = join(o.out, 'claims.md');
  writeFileSync(mdPath, claimsMarkdown(m.claims));
  const htmlPath = join(o.out, 'reproduce.html');
  writeFileSync(htmlPath, reproductionHtml(m, o, t, svgs, summary));
  return [htmlPath, jsonPath, mdPath, ...written];
}
