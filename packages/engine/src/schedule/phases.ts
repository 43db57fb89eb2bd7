import { lrFactor } from './lr-factor.js';
import type { PhasesResult, Schedule, ScheduleDrop, SchedulePhase } from './types.js';

/**
 * Steps in (0, totalSteps) where the factor changes discontinuously, with the ratio
 * k = factor(step − 1)/factor(step) of the jump (k > 1: lr divided by k; k < 1: a jump up).
 * Continuous parts (cosine, exponential, warmup ramps) contribute none; a multiplied continuous
 * ramp does not change a jump's ratio. Used for Corollary 3.1 (time to re-equilibrate after
 * dividing η by k) and for the rescaling trick (divide weights by k^{1/4} at each drop).
 */
export function scheduleDrops(s: Schedule, totalSteps: number): ScheduleDrop[] {
  return jumps(s, 0, totalSteps).filter((d) => d.step > 0 && d.step < totalSteps && d.ratio !== 1);
}

/**
 * For a piecewise-constant schedule, the constant stretches [start, end) covering [0, totalSteps)
 * with their factor (adjacent equal factors merged). For a schedule with a continuous part
 * (cosine, exponential ≠ 1, a warmup ramp), `{kind: 'continuous', reason}` naming the part.
 */
export function piecewisePhases(s: Schedule, totalSteps: number): PhasesResult {
  const reason = continuousPart(s, totalSteps);
  if (reason !== null) return { kind: 'continuous', reason };
  const cuts = [0, ...scheduleDrops(s, totalSteps).map((d) => d.step), totalSteps];
  const phases: SchedulePhase[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    if (cuts[i + 1] <= cuts[i]) continue;
    const factor = lrFactor(s, cuts[i]);
    const last = phases[phases.length - 1];
    if (last && last.factor === factor) last.end = cuts[i + 1];
    else phases.push({ start: cuts[i], end: cuts[i + 1], factor });
  }
  return { kind: 'piecewise', phases };
}

/** Jumps of `s` at local steps in [0, horizon) (horizon may be Infinity), step-sorted. */
function jumps(s: Schedule, from: number, horizon: number): ScheduleDrop[] {
  switch (s.kind) {
    case 'constant':
    case 'exponential':
    case 'cosine':
      return [];
    case 'multistep':
      return s.milestones
        .filter((m) => m >= from && m < horizon && m > 0)
        .map((m) => ({ step: m, ratio: 1 / s.gamma }));
    case 'step': {
      const out: ScheduleDrop[] = [];
      for (let m = s.stepSize; m < horizon; m += s.stepSize)
        out.push({ step: m, ratio: 1 / s.gamma });
      return out;
    }
    case 'warmup':
      // The ramp is continuous, so a jump of `then` keeps its ratio.
      return jumps(s.then, from, horizon);
    case 'sequential': {
      const out: ScheduleDrop[] = [];
      let start = 0;
      for (let i = 0; i < s.parts.length && start < horizon; i++) {
        const part = s.parts[i];
        const isLast = i === s.parts.length - 1;
        if (i > 0) {
          const before = lrFactor(s.parts[i - 1].schedule, s.parts[i - 1].steps - 1);
          const after = lrFactor(part.schedule, 0);
          if (before !== after && after > 0) out.push({ step: start, ratio: before / after });
        }
        const localEnd = isLast ? horizon - start : Math.min(part.steps, horizon - start);
        for (const d of jumps(part.schedule, 0, localEnd))
          out.push({ step: start + d.step, ratio: d.ratio });
        start += part.steps;
      }
      return out;
    }
  }
}

/** Null when `s` is piecewise constant on [0, totalSteps); otherwise which part is continuous. */
function continuousPart(s: Schedule, totalSteps: number): string | null {
  switch (s.kind) {
    case 'constant':
    case 'multistep':
    case 'step':
      return null;
    case 'exponential':
      return s.gamma === 1 ? null : `exponential decay (gamma ${s.gamma} per step) is continuous`;
    case 'cosine':
      return s.minFactor === 1 ? null : `cosine annealing over ${s.totalSteps} steps is continuous`;
    case 'warmup':
      if (s.warmupSteps > 0 && s.startFactor !== 1) {
        return `linear warmup over ${s.warmupSteps} steps is continuous`;
      }
      return continuousPart(s.then, totalSteps);
    case 'sequential': {
      let start = 0;
      for (const part of s.parts) {
        if (start >= totalSteps) break;
        const r = continuousPart(part.schedule, totalSteps - start);
        if (r !== null) return r;
        start += part.steps;
      }
      return null;
    }
  }
}

/**
 * lr_t = baseLr · lrFactor(s, t) for t = 0..steps−1, as a Float64Array of length `steps`. A
 * piecewise-constant schedule is filled phase by phase (lrFactor once per phase: per step it
 * costs ~50 ms for 10⁶ steps, the explorer's slider path); a continuous one multiplies baseLr into
 * its per-step factors, which are kept for the last two continuous schedules asked for (a slider on η,
 * λ or α leaves the schedule as it is; the product is the same number as baseLr·lrFactor).
 * `into` (an earlier result of the same length, overwritten) saves allocating 8 bytes a step.
 */
export function lrSeries(
  s: Schedule,
  baseLr: number,
  steps: number,
  into?: Float64Array,
): Float64Array {
  const out = into?.length === steps ? into : new Float64Array(steps);
  const pw = piecewisePhases(s, steps);
  if (pw.kind === 'piecewise') {
    for (const p of pw.phases) out.fill(baseLr * p.factor, p.start, p.end);
  } else {
    const factors = continuousFactors(s, steps);
    for (let t = 0; t < steps; t++) out[t] = baseLr * factors[t];
  }
  return out;
}

/**
 * The last two continuous schedules' lrFactor per step (8 bytes a step), by JSON and length, most
 * recent first. Two, not one: the explorer warms its loops up with 10⁵-step runs of the view's
 * schedule (web explore/theory-warm-up.ts), which must not push out the view's 10⁶-step factors
 * (recomputing and re-faulting those cost a Lion + cosine view's first move ~45 ms).
 */
const factorCache: { key: string; factors: Float64Array }[] = [];

function continuousFactors(s: Schedule, steps: number): Float64Array {
  const key = `${steps}:${JSON.stringify(s)}`;
  const i = factorCache.findIndex((e) => e.key === key);
  if (i >= 0) {
    const [hit] = factorCache.splice(i, 1);
    factorCache.unshift(hit);
    return hit.factors;
  }
  const factors = new Float64Array(steps);
  for (let t = 0; t < steps; t++) factors[t] = lrFactor(s, t);
  factorCache.unshift({ key, factors });
  factorCache.length = Math.min(factorCache.length, 2);
  return factors;
}
