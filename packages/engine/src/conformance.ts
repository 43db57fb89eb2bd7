/**
 * @smd/engine/conformance: the backend conformance suite for anyone implementing `Kernels`
 * (`smd doctor`, the native backend, a new backend). `checkConformance(candidate, seed, suite?)`
 * compares every kernel with the TS reference; a suite is a list of `Case`s, built with the same
 * helpers the built-in cases use (random float32 data, conv/pool geometry, group-norm shapes).
 */
export { checkConformance, type ConformanceResult } from './backends/conformance.js';
export type { Case, Params } from './backends/conformance-cases.js';
export { convGeom, f32, poolGeom } from './backends/conformance-layers.js';
export { groupNormCasesOf, type GroupNormShape } from './backends/conformance-group-norm.js';
export { optimizerCasesOf, orthogonalizeRows } from './backends/conformance-optim.js';
