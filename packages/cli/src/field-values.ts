/**
 * Validators that turn a raw flag or config value into a typed value, or throw a UsageError whose
 * one-line message names the field and the expected form, e.g.
 * `smd predict: --wd must be a number > 0 (got "abc")`.
 */
import { UsageError } from './usage-error.js';

/** Where a raw value came from: its field name as the user wrote it, for error messages. */
export interface FieldSource {
  /** Command prefix, e.g. "smd predict". */
  command: string;
  /** How to name the field: "--wd" for a flag, `"wd" in run.yaml` for a config field. */
  where: string;
}

/** Bounds for a number field; each bound is optional. */
export interface NumberBounds {
  /** Lower bound and whether it is allowed. */
  min?: number;
  minInclusive?: boolean;
  max?: number;
  maxInclusive?: boolean;
  integer?: boolean;
}

function shown(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw);
  if (raw === null) return 'null';
  if (typeof raw === 'object') return Array.isArray(raw) ? 'a list' : 'a mapping';
  return JSON.stringify(String(raw));
}

/** Throws the standard one-line UsageError for a field. */
export function fieldError(src: FieldSource, expected: string, raw: unknown): never {
  throw new UsageError(`${src.command}: ${src.where} must be ${expected} (got ${shown(raw)})`);
}

/** Describes bounds in words: "a number > 0", "an integer >= 1", "a number in [0, 1)". */
export function describeBounds(b: NumberBounds): string {
  const noun = b.integer ? 'an integer' : 'a number';
  const hasMin = b.min !== undefined;
  const hasMax = b.max !== undefined;
  if (hasMin && hasMax) {
    return `${noun} in ${b.minInclusive ? '[' : '('}${b.min}, ${b.max}${b.maxInclusive ? ']' : ')'}`;
  }
  if (hasMin) return `${noun} ${b.minInclusive ? '>=' : '>'} ${b.min}`;
  if (hasMax) return `${noun} ${b.maxInclusive ? '<=' : '<'} ${b.max}`;
  return noun;
}

/** Parses a finite number (a JS number, or a string such as "5e-4") within bounds. */
export function parseNumberField(raw: unknown, src: FieldSource, bounds: NumberBounds): number {
  const expected = describeBounds(bounds);
  let x: number;
  if (typeof raw === 'number') x = raw;
  else if (typeof raw === 'string' && raw.trim() !== '') x = Number(raw.trim());
  else return fieldError(src, expected, raw);
  if (!Number.isFinite(x)) return fieldError(src, expected, raw);
  if (bounds.integer && !Number.isInteger(x)) return fieldError(src, expected, raw);
  if (bounds.min !== undefined && (bounds.minInclusive ? x < bounds.min : x <= bounds.min)) {
    return fieldError(src, expected, raw);
  }
  if (bounds.max !== undefined && (bounds.maxInclusive ? x > bounds.max : x >= bounds.max)) {
    return fieldError(src, expected, raw);
  }
  return x;
}

/** Parses a non-empty string. */
export function parseStringField(raw: unknown, src: FieldSource, expected: string): string {
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw !== 'string' || raw.trim() === '') return fieldError(src, expected, raw);
  return raw.trim();
}

/** Parses one of a closed set of strings. */
export function parseEnumField<T extends string>(
  raw: unknown,
  src: FieldSource,
  choices: readonly T[],
): T {
  const expected = `one of ${choices.join('|')}`;
  if (typeof raw !== 'string') return fieldError(src, expected, raw);
  const hit = choices.find((c) => c === raw.trim());
  return hit ?? fieldError(src, expected, raw);
}

/** Parses a boolean: true/false (JS booleans, or the strings "true"/"false"). */
export function parseBooleanField(raw: unknown, src: FieldSource): boolean {
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return fieldError(src, 'true or false', raw);
}

/** `--betas 0.9,0.99` (or a config list): two numbers in [0, 1). */
export function parseBetasField(r: { value: unknown; src: FieldSource }): [number, number] {
  const expected = 'two numbers in [0, 1) such as "0.9,0.999"';
  const items = Array.isArray(r.value)
    ? r.value
    : typeof r.value === 'string'
      ? r.value.split(',').map((x) => x.trim())
      : null;
  if (items === null || items.length !== 2) return fieldError(r.src, expected, r.value);
  const out = items.map((v) => (typeof v === 'number' ? v : v === '' ? NaN : Number(v)));
  if (out.some((b) => !(b >= 0 && b < 1))) return fieldError(r.src, expected, r.value);
  return [out[0], out[1]];
}
