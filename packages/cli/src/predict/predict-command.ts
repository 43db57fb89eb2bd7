/** `smd predict`: parse, compute, print in the asked format, and draw the figure if asked. */
import { writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { renderFigure } from '../figure/render.js';
import { UsageError, type CliIo } from '../usage-error.js';
import { formatPredictCsv, formatPredictJson } from './predict-data.js';
import { predictFigure } from './predict-figure.js';
import { computePrediction, type Prediction } from '@smd/smd/predict';
import { PREDICT_HELP, parsePredictArgs, type PredictOptions } from './predict-options.js';
import { formatPredictTable } from './predict-table.js';

/** Text of the prediction in the asked format. */
export function formatPrediction(p: Prediction, format: PredictOptions['format']): string {
  switch (format) {
    case 'table':
      return formatPredictTable(p);
    case 'json':
      return formatPredictJson(p);
    case 'csv':
      return formatPredictCsv(p);
  }
}

/** Writes the figure of `p` to `path` (.svg or .png, relative to cwd). */
export async function writePredictFigure(p: Prediction, path: string, cwd: string): Promise<void> {
  const format = extname(path).toLowerCase() === '.png' ? 'png' : 'svg';
  const data = await renderFigure(predictFigure(p), format);
  try {
    writeFileSync(resolve(cwd, path), data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`smd predict: cannot write --plot file "${path}": ${code}`);
  }
}

/** Runs `smd predict <argv>`; returns the exit code. */
export async function runPredict(argv: string[], io: CliIo): Promise<number> {
  const req = parsePredictArgs(argv, io.cwd);
  if (req.help) {
    io.out(PREDICT_HELP);
    return 0;
  }
  const prediction = computePrediction(req.options);
  io.out(formatPrediction(prediction, req.options.format));
  if (req.options.plot !== null) {
    await writePredictFigure(prediction, req.options.plot, io.cwd);
    // Keep stdout machine-readable for json/csv: the note goes to stderr.
    io.err(`smd predict: wrote ${req.options.plot}\n`);
  }
  return 0;
}
