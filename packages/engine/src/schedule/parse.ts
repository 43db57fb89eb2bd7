import type { Schedule } from './types.js';
import { scheduleFromJson, validateSchedule } from './validate.js';

/** Expected forms, quoted in error messages. */
const FORMS: Record<string, string> = {
  constant: 'constant',
  multistep: 'multistep:<epoch>,<epoch>,...:<gamma> (e.g. multistep:30,60,80:0.1)',
  step: 'step:<epochs>:<gamma> (e.g. step:30:0.1)',
  exp: 'exp:<gamma per epoch> (e.g. exp:0.95)',
  cosine: 'cosine or cosine:<min factor> (e.g. cosine:0.01)',
  warmup: 'warmup:<epochs>[:<start factor>][:<schedule>] (e.g. warmup:5:multistep:30,60,80:0.1)',
};

const ALL_FORMS = Object.values(FORMS).join(' | ');

/**
 * Parses a CLI schedule string whose times are in EPOCHS into a Schedule in steps:
 * "constant", "multistep:30,60,80:0.1", "step:30:0.1", "exp:0.95" (gamma per epoch, applied
 * smoothly per step as gamma^(1/stepsPerEpoch)), "cosine" / "cosine:0.01" (min factor, over the
 * whole run: needs `totalSteps`), "warmup:5:<inner>" / "warmup:5:0.1:<inner>" (5 epochs of linear
 * warmup from factor 0, or from 0.1, multiplied onto <inner>; inner defaults to constant).
 * Text starting with "{" is read as schedule JSON. Epoch times are rounded to whole steps.
 * Throws a one-line Error naming the bad part and the expected form.
 */
export function parseSchedule(text: string, stepsPerEpoch: number, totalSteps?: number): Schedule {
  if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 1) {
    throw new Error(`stepsPerEpoch: expected an integer ≥ 1, got ${stepsPerEpoch}`);
  }
  if (totalSteps !== undefined && (!Number.isInteger(totalSteps) || totalSteps < 1)) {
    throw new Error(`totalSteps: expected an integer ≥ 1, got ${totalSteps}`);
  }
  const t = text.trim();
  if (t.startsWith('{')) return scheduleFromJson(t);
  return parseTokens(t, t.split(':'), stepsPerEpoch, totalSteps);
}

function parseTokens(
  whole: string,
  tok: string[],
  spe: number,
  totalSteps: number | undefined,
): Schedule {
  const head = tok[0].trim().toLowerCase();
  const fail = (what: string, form: string): never => {
    throw new Error(`schedule "${whole}": ${what}; expected ${form}`);
  };
  const num = (s: string | undefined, what: string, form: string): number => {
    const x = s === undefined || s.trim() === '' ? NaN : Number(s);
    if (!Number.isFinite(x))
      fail(`${what} ${s === undefined ? 'is missing' : `"${s}" is not a number`}`, form);
    return x;
  };
  const epochsToSteps = (e: number): number => Math.round(e * spe);
  const arity = (n: number, form: string): void => {
    if (tok.length !== n) fail(`"${head}" takes ${n - 1} argument(s), got ${tok.length - 1}`, form);
  };
  switch (head) {
    case 'constant':
      arity(1, FORMS.constant);
      return { kind: 'constant' };
    case 'multistep': {
      const f = FORMS.multistep;
      arity(3, f);
      const ms = tok[1].split(',').map((m) => {
        const e = num(m, 'milestone', f);
        if (e < 0) fail(`milestone "${m}" is negative`, f);
        return epochsToSteps(e);
      });
      for (let i = 1; i < ms.length; i++) {
        if (ms[i] <= ms[i - 1]) fail(`milestones must increase (got ${tok[1]})`, f);
      }
      const gamma = num(tok[2], 'gamma', f);
      if (gamma <= 0) fail(`gamma "${tok[2]}" must be > 0`, f);
      return { kind: 'multistep', milestones: ms, gamma };
    }
    case 'step': {
      const f = FORMS.step;
      arity(3, f);
      const e = num(tok[1], 'step size in epochs', f);
      const stepSize = epochsToSteps(e);
      if (stepSize < 1) fail(`step size "${tok[1]}" epochs is under one step`, f);
      const gamma = num(tok[2], 'gamma', f);
      if (gamma <= 0) fail(`gamma "${tok[2]}" must be > 0`, f);
      return { kind: 'step', stepSize, gamma };
    }
    case 'exp':
    case 'exponential': {
      const f = FORMS.exp;
      arity(2, f);
      const g = num(tok[1], 'gamma', f);
      if (g <= 0) fail(`gamma "${tok[1]}" must be > 0`, f);
      return { kind: 'exponential', gamma: Math.pow(g, 1 / spe) };
    }
    case 'cosine': {
      const f = FORMS.cosine;
      if (tok.length > 2) fail(`"cosine" takes at most 1 argument, got ${tok.length - 1}`, f);
      const minFactor = tok.length === 2 ? num(tok[1], 'min factor', f) : 0;
      if (minFactor < 0) fail(`min factor "${tok[1]}" must be ≥ 0`, f);
      if (totalSteps === undefined) fail('cosine needs the run length (totalSteps / --epochs)', f);
      return { kind: 'cosine', totalSteps: totalSteps!, minFactor };
    }
    case 'warmup': {
      const f = FORMS.warmup;
      const e = num(tok[1], 'warmup epochs', f);
      if (e < 0) fail(`warmup epochs "${tok[1]}" must be ≥ 0`, f);
      let rest = tok.slice(2);
      let startFactor = 0;
      if (rest.length > 0 && rest[0].trim() !== '' && Number.isFinite(Number(rest[0]))) {
        startFactor = Number(rest[0]);
        if (startFactor < 0) fail(`start factor "${rest[0]}" must be ≥ 0`, f);
        rest = rest.slice(1);
      }
      const then: Schedule =
        rest.length === 0 ? { kind: 'constant' } : parseTokens(whole, rest, spe, totalSteps);
      return validateSchedule({ kind: 'warmup', warmupSteps: epochsToSteps(e), startFactor, then });
    }
    default:
      return fail(`unknown schedule "${tok[0]}"`, ALL_FORMS);
  }
}
