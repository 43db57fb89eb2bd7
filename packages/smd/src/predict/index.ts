/** Whole-schedule predictions (phases, drops, trajectories) shared by `smd predict` and the explorer. */
export * from './phase-trajectory.js';
export * from './prediction.js';
