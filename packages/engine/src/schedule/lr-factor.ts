import type { Schedule } from './types.js';

/**
 * Multiplier on the base learning rate at optimizer step `step` (0-based, the step-th update).
 * Pure; assumes a valid schedule (see `validateSchedule`).
 */
export function lrFactor(s: Schedule, step: number): number {
  switch (s.kind) {
    case 'constant':
      return 1;
    case 'multistep': {
      let n = 0;
      for (const m of s.milestones) if (step >= m) n++;
      return Math.pow(s.gamma, n);
    }
    case 'step':
      return Math.pow(s.gamma, Math.floor(step / s.stepSize));
    case 'exponential':
      return Math.pow(s.gamma, step);
    case 'cosine': {
      const x = Math.min(step, s.totalSteps) / s.totalSteps;
      return s.minFactor + ((1 - s.minFactor) * (1 + Math.cos(Math.PI * x))) / 2;
    }
    case 'warmup':
      return warmupRamp(s.warmupSteps, s.startFactor, step) * lrFactor(s.then, step);
    case 'sequential': {
      let start = 0;
      for (let i = 0; i < s.parts.length; i++) {
        const part = s.parts[i];
        if (i === s.parts.length - 1 || step < start + part.steps) {
          return lrFactor(part.schedule, step - start);
        }
        start += part.steps;
      }
      return 1; // unreachable for a valid schedule (parts is non-empty)
    }
  }
}

/** Linear warmup ramp r(t) = startFactor + (1 − startFactor)·min(1, t/warmupSteps). */
export function warmupRamp(warmupSteps: number, startFactor: number, step: number): number {
  if (warmupSteps <= 0) return 1;
  return startFactor + (1 - startFactor) * Math.min(1, step / warmupSteps);
}
