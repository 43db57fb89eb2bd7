/** SMD theory (docs/smd-theory.md): closed forms, rates, assumptions, mean-field recurrence, Kosson et al. */
export * from './types.js';
export * from './equilibrium.js';
export * from './rates.js';
export * from './assumptions.js';
export * from './one-step.js';
export * from './mean-field.js';
export * from './fixed-point.js';
export * from './transient.js';
export * from './kosson.js';
export * from './nesterov-recurrence.js';
export * from './optimizer-equilibrium.js';
export * from './optimizer-dynamics.js';
export * from './advice.js';
export * from './projected-equilibrium.js';
export * from './projected-dynamics.js';
export * from './recurrence-run.js';
export * from './step-angle.js';
