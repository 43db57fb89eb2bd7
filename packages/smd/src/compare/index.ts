/** Measured vs predicted SMD: verdicts with the conditions that held. */
export {
  compareSmd,
  relaxationSteps,
  type CompareVerdict,
  type CompareCondition,
  type CompareInput,
  type Comparison,
} from './compare.js';
export { SmdTracker, type SmdTrackerOptions } from './tracker.js';
