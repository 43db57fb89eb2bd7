/** @smd/cli: the smd command's subcommands as functions (main.ts is the entry point). */
export const CLI_PACKAGE = '@smd/cli';
export { runCli, SMD_HELP, type RunCliOptions } from './run-cli.js';
export { UsageError, type CliResult, type CliIo } from './usage-error.js';
export { runPredict, formatPrediction, writePredictFigure } from './predict/predict-command.js';
export { parsePredictArgs, PREDICT_HELP, type PredictOptions } from './predict/predict-options.js';
export { computePrediction, type Prediction, type PhaseReport } from '@smd/smd/predict';
export { renderFigure, renderFigureSvg, svgToPng } from './figure/render.js';
export { lineFigureSpec, type LineFigure } from './figure/line-figure.js';
export { downsampleMinMax } from './figure/downsample.js';
export { runTrain } from './train/train-command.js';
export { parseTrainArgs, TRAIN_HELP } from './train/train-options.js';
export { type LoadedRun, loadRun } from './reproduce/load-run.js';
export * from './data/index.js';
