/**
 * Loads a JSON or YAML config file into a flat mapping of field → raw value. Any problem (missing
 * file, syntax error, top level not a mapping) becomes a one-line UsageError naming the file.
 */
import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './usage-error.js';

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
