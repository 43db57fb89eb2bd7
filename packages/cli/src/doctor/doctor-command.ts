/**
 * `smd doctor`: what this machine offers `smd train` — Node version, whether the native backend
 * loaded (and why not), its threads and ISA, the CPU count, and whether the Fashion-MNIST files
 * are present; with `--kernels`, also every native kernel against the TS reference (the engine's
 * conformance suite, ~1 s). Exit 0 when training can run (native optional), 1 when something
 * required is missing or a loaded native kernel computes wrong numbers.
 */
import { availableParallelism } from 'node:os';
import { checkConformance } from '@smd/engine/conformance';
import { nativeKernelCoverage, nativeKernels, nativeStatus } from '@smd/native';
import { DEFAULT_DATA_DIR, findIdxFiles } from '../data/index.js';
import { UsageError, type CliIo } from '../usage-error.js';
import { commandHelp, parseCommandFlags, type CommandSpec } from '../flag-spec.js';

/** One doctor check. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** required checks make the exit code 1 when they fail */
  required: boolean;
  detail: string;
}

/** Every check, in display order. */
export function doctorChecks(dataDir = DEFAULT_DATA_DIR): DoctorCheck[] {
  const major = Number(process.versions.node.split('.')[0]);
  const ns = nativeStatus();
  const checks: DoctorCheck[] = [
    {
      name: 'node',
      ok: major >= 20,
      required: true,
      detail: `${process.version}${major >= 20 ? '' : ' (need >= 20)'}`,
    },
    {
      name: 'native backend',
      ok: ns.loaded,
      required: false,
      detail: ns.loaded
        ? `loaded: ${ns.threads} OpenMP threads (waiting: ${ns.waitPolicy}), ISA ${ns.isa}` +
          (ns.onednn ? `, oneDNN ${ns.onednn}` : '')
        : `not loaded (${ns.reason ?? 'unknown reason'}); smd train uses the TS backend`,
    },
    { name: 'cpus', ok: true, required: false, detail: `${availableParallelism()} available` },
  ];
  for (const split of ['train', 'test'] as const) {
    try {
      const f = findIdxFiles(dataDir, split);
      checks.push({
        name: `fashion-mnist ${split}`,
        ok: true,
        required: false,
        detail: `${f.images}, ${f.labels}`,
      });
    } catch (e) {
      checks.push({
        name: `fashion-mnist ${split}`,
        ok: false,
        required: false,
        detail: (e as Error).message,
      });
    }
  }
  return checks;
}

/** The native kernels against the TS reference on the conformance suite (null if not loaded). */
export function kernelCheck(): DoctorCheck | null {
  if (!nativeStatus().loaded) return null;
  const res = checkConformance(nativeKernels);
  const bad = res.filter((r) => !r.ok);
  const cov = nativeKernelCoverage();
  const coverage =
    cov.ts.length === 0
      ? `all ${cov.native.length} kernels native`
      : `${cov.native.length} kernels native, TS only: ${cov.ts.join(', ')}`;
  const worst = res.reduce((a, b) => (b.maxErr / (b.tol || 1) > a.maxErr / (a.tol || 1) ? b : a));
  return {
    name: 'native kernels',
    ok: bad.length === 0,
    required: true,
    detail:
      `${coverage}; ` +
      (bad.length === 0
        ? `${res.length} cases match the TS reference (closest to its tolerance: ${worst.kernel} ` +
          `${worst.label}, ${worst.maxErr.toExponential(1)} of ${worst.tol})`
        : `${bad.length} of ${res.length} cases differ from the TS reference: ` +
          bad
            .map((r) => `${r.kernel} ${r.label} (${r.error ?? r.maxErr.toExponential(1)})`)
            .join('; ')),
  };
}

/** `smd doctor`'s flags and help. */
export const DOCTOR_SPEC = {
  command: 'doctor',
  usage: ['doctor [--kernels] [--json]'],
  about: 'Check node, the native backend, threads and the Fashion-MNIST files.',
  flags: [
    {
      name: 'kernels',
      type: 'boolean',
      help: 'also run every native kernel against the TS reference (~1 s)',
    },
    { name: 'json', type: 'boolean', help: 'print the checks as JSON' },
  ],
} as const satisfies CommandSpec;

/** Runs `smd doctor`. */
export async function runDoctor(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandFlags(argv, DOCTOR_SPEC);
  if (values.help) {
    io.out(commandHelp(DOCTOR_SPEC));
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `smd doctor: unexpected argument "${positionals[0]}" (see smd doctor --help)`,
    );
  }
  const checks = doctorChecks();
  const kernels = values.kernels ? kernelCheck() : null;
  if (kernels) checks.splice(2, 0, kernels);
  if (values.json) io.out(JSON.stringify(checks, null, 2) + '\n');
  else {
    const w = Math.max(...checks.map((c) => c.name.length));
    for (const c of checks) {
      io.out(`${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'}  ${c.name.padEnd(w)}  ${c.detail}\n`);
    }
  }
  return checks.some((c) => c.required && !c.ok) ? 1 : 0;
}
