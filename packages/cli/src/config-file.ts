/**
 * Loads a JSON or YAML config file into a flat mapping of field → raw value. Any problem (missing
 * file, syntax error, top level not a mapping) becomes a one-line UsageError naming the file.
 */
import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './usage-error.js';
import type { FieldSource } from './field-values.js';

/** A loaded config file: its display name and top-level fields (values not yet validated). */
export interface ConfigFile {
  /** Path as the user gave it (used in messages). */
  name: string;
  fields: Record<string, unknown>;
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

/** Reads and parses `path` (resolved against `cwd`); .json as JSON, anything else as YAML. */
export function loadConfigFile(path: string, cwd: string, command: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : (code ?? 'unreadable');
    throw new UsageError(`${command}: cannot read config file "${path}": ${why}`);
  }
  const isJson = extname(path).toLowerCase() === '.json';
  let data: unknown;
  try {
    data = isJson ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    const kind = isJson ? 'JSON' : 'YAML';
    throw new UsageError(
      `${command}: config file "${basename(path)}" is not valid ${kind}: ${firstLine((e as Error).message)}`,
    );
  }
  if (data === null || data === undefined) return { name: path, fields: {} };
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(
      `${command}: config file "${path}" must hold a mapping of field: value at the top level`,
    );
  }
  return { name: path, fields: data as Record<string, unknown> };
}

/** Raw value of one field and where it came from (a flag or a key of a config file). */
export interface RawField {
  value: unknown;
  src: FieldSource;
}

/** camelCase or snake_case config keys in the flag spelling ("stepsPerEpoch" → "steps-per-epoch"); "L" stays. */
export function canonicalKey(key: string): string {
  if (key === 'L' || key === 'l') return 'L';
  return key
    .replace(/_/g, '-')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/**
 * The fields of the optional config file among a command's positionals (at most one), keyed by
 * flag spelling; unknown keys and extra positionals are one-line UsageErrors. Null values are skipped.
 */
export function readConfigFields<F extends string>(
  positionals: string[],
  cwd: string,
  command: string,
  fieldNames: readonly F[],
): Map<F, RawField> {
  if (positionals.length > 1) {
    throw new UsageError(
      `${command}: expected at most one config file, got ${positionals.length} (${positionals.join(' ')})`,
    );
  }
  const raw = new Map<F, RawField>();
  if (positionals.length === 0) return raw;
  const file = loadConfigFile(positionals[0], cwd, command);
  for (const [key, value] of Object.entries(file.fields)) {
    const name = canonicalKey(key) as F;
    if (!fieldNames.includes(name)) {
      throw new UsageError(
        `${command}: unknown field "${key}" in config file "${file.name}" (known: ${fieldNames.join(', ')})`,
      );
    }
    if (value === null || value === undefined) continue;
    raw.set(name, { value, src: { command, where: `"${key}" in ${file.name}` } });
  }
  return raw;
}

/**
 * The config file's fields (readConfigFields) with every flag in `flags` that names a field set
 * on top: flags win, each remembered as `--name` for error messages.
 */
export function readFieldsAndFlags<F extends string>(
  positionals: string[],
  flags: Partial<Record<F, unknown>>,
  cwd: string,
  command: string,
  fieldNames: readonly F[],
): Map<F, RawField> {
  const raw = readConfigFields(positionals, cwd, command, fieldNames);
  for (const name of fieldNames) {
    const value = flags[name];
    if (value !== undefined) raw.set(name, { value, src: { command, where: `--${name}` } });
  }
  return raw;
}
