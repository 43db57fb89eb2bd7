/** Learning-rate schedules as plain data: types, evaluation, validation/JSON, CLI parsing, phases. */
export * from './types.js';
export { lrFactor, warmupRamp } from './lr-factor.js';
export { validateSchedule, scheduleToJson, scheduleFromJson } from './validate.js';
export { parseSchedule } from './parse.js';
export { scheduleDrops, piecewisePhases, lrSeries } from './phases.js';
