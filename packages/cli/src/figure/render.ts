/**
 * Renders a LineFigure to SVG text (Vega, headless) or PNG bytes (resvg with the system fonts,
 * DejaVu Sans first). Vega is imported lazily: it costs ~100 ms and only --plot needs it.
 */
import { existsSync } from 'node:fs';
import { lineFigureSpec, type LineFigure } from './line-figure.js';

/** Image formats the figure module writes. */
export type FigureFormat = 'svg' | 'png';

/** Renders the figure to a standalone SVG document. */
export async function renderFigureSvg(fig: LineFigure): Promise<string> {
  const vega = await import('vega');
  const view = new vega.View(vega.parse(lineFigureSpec(fig) as never), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const DEJAVU_DIR = '/usr/share/fonts/truetype/dejavu';

/** Rasterizes SVG text to PNG bytes at `scale` × its size (2 gives a crisp figure). */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const fontDirs = existsSync(DEJAVU_DIR) ? [DEJAVU_DIR] : [];
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, fontDirs, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** Renders the figure in the given format: SVG text or PNG bytes. */
export async function renderFigure(
  fig: LineFigure,
  format: FigureFormat,
): Promise<string | Buffer> {
  const svg = await renderFigureSvg(fig);
  return format === 'svg' ? svg : svgToPng(svg);
}
