/** @smd/runs/browser: run types usable in the browser (no Node imports). */
export * from './metric-types.js';
export * from './manifest-schema.js';
export * from './live-series.js';
export * from './checkpoint-analysis.js';
