/** Offline analysis of checkpoints trained elsewhere: the exact last step from optimizer state. */
export {
  type AdamState,
  type LastStep,
  type SgdState,
  angleBetweenArrays,
  lastStep,
  sumSq,
} from './last-step.js';
