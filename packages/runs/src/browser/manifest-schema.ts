/**
 * The run manifest (manifest.json): everything that affects a number in the run. Pure types and
 * validation, browser-safe so the dashboard can check a manifest it fetched.
 */
import { InputError } from '@smd/formats';

/** Current manifest layout version; bump on incompatible changes. */
export const MANIFEST_FORMAT = 1;

/** Run status as `smd runs` shows it. */
export type RunStatus = 'running' | 'finished' | 'diverged' | 'killed';

/** A JSON value (what the resolved config may contain). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The machine a run was started on. */
export interface MachineInfo {
  hostname: string;
  platform: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  totalMemBytes: number;
  node: string;
}

/** Contents of manifest.json. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  name: string;
  /** ISO-8601 UTC creation time. */
  createdAt: string;
  /** Fully resolved training config (model, data, optimizer, schedule, probes, …). */
  config: { [key: string]: Json };
  seed: number;
  /** Kernel backend actually used, e.g. 'native' or 'ts'. */
  backend: string;
  /** Kernels that fell back to the TS backend (names), empty if none. */
  fallbacks: string[];
  /** Package / runtime versions, e.g. { '@smd/engine': '0.1.0', node: 'v20.20.2' }. */
  versions: { [pkg: string]: string };
  gitSha: string | null;
  machine: MachineInfo;
}

/** Thrown for a manifest that does not match {@link Manifest}; message is one line. */
export class ManifestError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? s.slice(0, 37) + '...' : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks that `v` is plain JSON data (finite numbers, no undefined, functions or class
 * instances) and returns the path of the first offending value (`path` names the root), or null.
 */
export function firstNonJson(v: unknown, path: string): string | null {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = firstNonJson(v[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const bad = firstNonJson(x, `${path}.${k}`);
      if (bad) return bad;
    }
    return null;
  }
  return path;
}

/**
 * Validates a parsed manifest and returns it typed. `source` names the file in errors.
 * @throws ManifestError "<source>: field '<f>' must be <expected>, got <value>"
 */
export function validateManifest(raw: unknown, source = 'manifest.json'): Manifest {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new ManifestError(
      `${source}: field '${field}' must be ${expected}, got ${describe(got)}`,
    );
  };
  if (!isPlainObject(raw)) throw new ManifestError(`${source}: expected a JSON object`);
  const m = raw;
  if (m.format !== MANIFEST_FORMAT) fail('format', `${MANIFEST_FORMAT}`, m.format);
  for (const f of ['id', 'name', 'createdAt', 'backend'] as const) {
    if (typeof m[f] !== 'string') fail(f, 'a string', m[f]);
  }
  if ((m.id as string).length === 0 || /[/\\]/.test(m.id as string)) {
    fail('id', 'a non-empty name without slashes', m.id);
  }
  if (Number.isNaN(Date.parse(m.createdAt as string))) {
    fail('createdAt', 'an ISO-8601 time', m.createdAt);
  }
  if (!isPlainObject(m.config)) fail('config', 'an object', m.config);
  const bad = firstNonJson(m.config, 'config');
  if (bad) fail(bad, 'JSON data (finite numbers, no undefined)', 'a non-JSON value');
  if (!Number.isSafeInteger(m.seed)) fail('seed', 'an integer', m.seed);
  if (!Array.isArray(m.fallbacks) || !m.fallbacks.every((x) => typeof x === 'string')) {
    fail('fallbacks', 'an array of strings', m.fallbacks);
  }
  if (
    !isPlainObject(m.versions) ||
    !Object.values(m.versions).every((x) => typeof x === 'string')
  ) {
    fail('versions', 'an object of strings', m.versions);
  }
  if (m.gitSha !== null && (typeof m.gitSha !== 'string' || !/^[0-9a-f]{7,64}$/.test(m.gitSha))) {
    fail('gitSha', 'null or a hex commit id', m.gitSha);
  }
  if (!isPlainObject(m.machine)) fail('machine', 'an object', m.machine);
  const mc = m.machine as Record<string, unknown>;
  for (const f of ['hostname', 'platform', 'arch', 'cpuModel', 'node'] as const) {
    if (typeof mc[f] !== 'string') fail(`machine.${f}`, 'a string', mc[f]);
  }
  for (const f of ['cpus', 'totalMemBytes'] as const) {
    if (!Number.isSafeInteger(mc[f]) || (mc[f] as number) < 0) {
      fail(`machine.${f}`, 'a non-negative integer', mc[f]);
    }
  }
  return m as unknown as Manifest;
}
