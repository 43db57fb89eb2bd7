/** @smd/smd: SMD theory (equilibria, mean-field trajectories, rates), probes and scale-invariance detection. */
export const SMD_PACKAGE = '@smd/smd';
export * from './theory/index.js';
export * from './sim/index.js';
export * from './probe/index.js';
export * from './detect/index.js';
export * from './compare/index.js';
export * from './predict/index.js';
export * from './analysis/index.js';
export * from './offline/index.js';
