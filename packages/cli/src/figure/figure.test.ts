import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downsampleMinMax } from './downsample.js';
import { renderFigureSvg, svgToPng } from './render.js';
import type { LineFigure } from './line-figure.js';

test('downsampleMinMax keeps extremes, endpoints and order, within the cap', () => {
  const n = 450_001;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = i;
    y[i] = Math.sin(i / 1000);
  }
  y[123_457] = 50; // a one-step spike
  y[300_001] = -50; // a one-step dip
  const d = downsampleMinMax(x, y, 2000);
  assert.ok(d.x.length <= 2000 && d.x.length > 1900, String(d.x.length));
  assert.equal(d.x[0], 0);
  assert.equal(d.x[d.x.length - 1], n - 1);
  for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] > d.x[i - 1]);
  assert.ok(d.x.includes(123_457) && d.y.includes(50));
  assert.ok(d.x.includes(300_001) && d.y.includes(-50));
  // Short series pass through; positiveOnly drops y ≤ 0 and non-finite values (log axes).
  const s = downsampleMinMax([0, 1, 2, 3], [1, 0, NaN, 2], 2000, true);
  assert.deepEqual(s, { x: [0, 3], y: [1, 2] });
});

const FIG: LineFigure = {
  title: 'Test figure',
  subtitle: ['a subtitle'],
  xLabel: 'optimizer step t',
  xMax: 100,
  xTop: { label: 'epoch', divisor: 10 },
  panels: [
    {
      yLabel: 'Δ_t (rad, log scale)',
      logY: true,
      lines: [{ name: 'Δ_t series', x: [0, 50, 100], y: [1e-3, 2e-4, 5e-4] }],
      levels: [{ name: 'Δ* level', x0: 0, x1: 100, y: 4e-4 }],
    },
    {
      yLabel: '‖w_t‖',
      logY: false,
      lines: [{ name: 'norm series', x: [0, 100], y: [3, 2] }],
      levels: [{ name: 'norm level', x0: 50, x1: 100, y: 1.5 }],
    },
  ],
  markers: [{ x: 50, label: 'η ÷ 10' }],
};

test('renderFigureSvg draws lines, dashed levels, legend and axis titles', async () => {
  const svg = await renderFigureSvg(FIG);
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  for (const text of [
    'Test figure',
    'Δ_t series',
    'Δ* level',
    'norm level',
    'optimizer step t',
    'epoch',
    'η ÷ 10',
  ]) {
    assert.ok(svg.includes(text), `missing ${text}`);
  }
  assert.ok(svg.includes('stroke-dasharray="7,4"'), 'no dashed level');
  // Two line paths, one per series (M … L … commands).
  const paths = svg.match(/<path [^>]*d="M[^"]*L[^"]*"/g) ?? [];
  assert.ok(paths.length >= 2, String(paths.length));
});

test('svgToPng gives a PNG of the figure size × 2', async () => {
  const svg = await renderFigureSvg(FIG);
  const png = await svgToPng(svg);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const svgWidth = Number(/width="(\d+(\.\d+)?)"/.exec(svg)![1]);
  assert.equal(width, Math.round(svgWidth * 2));
  assert.ok(height > 600 && height < 3000, `${width}x${height}`);
  assert.ok(png.length > 10_000);
});

test('a band is a filled area in the colour of the line with its name', async () => {
  const panel = FIG.panels[1];
  const band = { name: 'norm series', x: [0, 50, 100], lo: [2.5, 2.2, 1.8], hi: [3.2, 2.6, 2.3] };
  const svg = await renderFigureSvg({ ...FIG, panels: [{ ...panel, bands: [band] }] });
  const area = /<path [^>]*fill="(#[0-9a-f]{6})"[^>]*fill-opacity="0\.18"/.exec(svg);
  assert.ok(area, 'no band area');
  const lineStroke = /<path d="M[^"]*L[^"]*" stroke="(#[0-9a-f]{6})" stroke-width="1\.6"/.exec(svg);
  assert.equal(area[1], lineStroke?.[1]);
  const plain = await renderFigureSvg({ ...FIG, panels: [panel] });
  assert.ok(!plain.includes('fill-opacity="0.18"'));
});
