import type { Schedule, ScheduleKind } from './types.js';

const KINDS: readonly ScheduleKind[] = [
  'constant',
  'multistep',
  'step',
  'exponential',
  'cosine',
  'warmup',
  'sequential',
];

/**
 * Checks that `value` is a well-formed Schedule (plain data, e.g. from JSON) and returns it
 * typed. Throws a one-line Error naming the bad field path (e.g. `schedule.then.gamma`) and
 * what was expected.
 */
export function validateSchedule(value: unknown, path = 'schedule'): Schedule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${path}: expected an object with a "kind" field, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  const kind = o.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    throw new Error(`${path}.kind: expected one of ${KINDS.join('|')}, got ${describe(kind)}`);
  }
  switch (kind as ScheduleKind) {
    case 'constant':
      return { kind: 'constant' };
    case 'multistep': {
      const ms = o.milestones;
      if (!Array.isArray(ms)) {
        throw new Error(
          `${path}.milestones: expected an array of step numbers, got ${describe(ms)}`,
        );
      }
      ms.forEach((m, i) => {
        nonNegInt(m, `${path}.milestones[${i}]`);
        if (i > 0 && (m as number) <= (ms[i - 1] as number)) {
          throw new Error(
            `${path}.milestones[${i}]: expected strictly increasing steps, got ${m} after ${ms[i - 1]}`,
          );
        }
      });
      return {
        kind: 'multistep',
        milestones: [...(ms as number[])],
        gamma: positive(o.gamma, `${path}.gamma`),
      };
    }
    case 'step':
      return {
        kind: 'step',
        stepSize: positiveInt(o.stepSize, `${path}.stepSize`),
        gamma: positive(o.gamma, `${path}.gamma`),
      };
    case 'exponential':
      return { kind: 'exponential', gamma: positive(o.gamma, `${path}.gamma`) };
    case 'cosine': {
      const minFactor = finite(o.minFactor, `${path}.minFactor`);
      if (minFactor < 0)
        throw new Error(`${path}.minFactor: expected a number ≥ 0, got ${minFactor}`);
      return {
        kind: 'cosine',
        totalSteps: positiveInt(o.totalSteps, `${path}.totalSteps`),
        minFactor,
      };
    }
    case 'warmup': {
      const startFactor = finite(o.startFactor, `${path}.startFactor`);
      if (startFactor < 0)
        throw new Error(`${path}.startFactor: expected a number ≥ 0, got ${startFactor}`);
      return {
        kind: 'warmup',
        warmupSteps: nonNegInt(o.warmupSteps, `${path}.warmupSteps`),
        startFactor,
        then: validateSchedule(o.then, `${path}.then`),
      };
    }
    case 'sequential': {
      const parts = o.parts;
      if (!Array.isArray(parts) || parts.length === 0) {
        throw new Error(
          `${path}.parts: expected a non-empty array of {schedule, steps}, got ${describe(parts)}`,
        );
      }
      return {
        kind: 'sequential',
        parts: parts.map((p, i) => {
          const pp = `${path}.parts[${i}]`;
          if (typeof p !== 'object' || p === null) {
            throw new Error(`${pp}: expected {schedule, steps}, got ${describe(p)}`);
          }
          const r = p as Record<string, unknown>;
          return {
            schedule: validateSchedule(r.schedule, `${pp}.schedule`),
            steps: positiveInt(r.steps, `${pp}.steps`),
          };
        }),
      };
    }
  }
}

/** JSON text of a schedule (schedules are plain data). */
export function scheduleToJson(s: Schedule): string {
  return JSON.stringify(validateSchedule(s));
}

/** Parses and validates JSON text produced by `scheduleToJson` (or written by hand). */
export function scheduleFromJson(text: string): Schedule {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`schedule: not valid JSON (${(e as Error).message})`);
  }
  return validateSchedule(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? s.slice(0, 37) + '...' : s;
}

function finite(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`${path}: expected a finite number, got ${describe(v)}`);
  }
  return v;
}

function positive(v: unknown, path: string): number {
  const x = finite(v, path);
  if (x <= 0) throw new Error(`${path}: expected a number > 0, got ${x}`);
  return x;
}

function nonNegInt(v: unknown, path: string): number {
  const x = finite(v, path);
  if (!Number.isInteger(x) || x < 0) throw new Error(`${path}: expected an integer ≥ 0, got ${x}`);
  return x;
}

function positiveInt(v: unknown, path: string): number {
  const x = finite(v, path);
  if (!Number.isInteger(x) || x < 1) throw new Error(`${path}: expected an integer ≥ 1, got ${x}`);
  return x;
}
