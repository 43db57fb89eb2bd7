/** Synthetic scale-invariant simulator (checks the theory, §4/§6/§7). */
export { simulateScaleInvariant, angleBetween } from './scale-invariant.js';
export type {
  SimOptimizer,
  DecayMode,
  SimulateOptions,
  SimulateResult,
} from './scale-invariant.js';
