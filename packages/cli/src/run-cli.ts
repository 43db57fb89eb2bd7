/**
 * runCli: the whole `smd` command as a function of argv (without "node main.js"), returning the
 * exit code and both output streams. main.ts only forwards process.argv and prints the result,
 * so tests can run the CLI in-process.
 */
import { runPredict } from './predict/predict-command.js';
import { PREDICT_SPEC } from './predict/predict-options.js';
import { runAdvise } from './advise/advise-command.js';
import { ADVISE_SPEC } from './advise/advise-options.js';
import { runTrain } from './train/train-command.js';
import { TRAIN_SPEC } from './train/train-flags.js';
import { runRuns, runExport, RUNS_SPEC, EXPORT_SPEC } from './runs-cmd/runs-command.js';
import { runDoctor, DOCTOR_SPEC } from './doctor/doctor-command.js';
import { runReport, REPORT_SPEC } from './report/report-command.js';
import { runServe, SERVE_SPEC } from './serve/serve-command.js';
import { runExplore, EXPLORE_SPEC } from './explore/explore-command.js';
import { runReproduce } from './reproduce/reproduce-command.js';
import { REPRODUCE_SPEC } from './reproduce/reproduce-options.js';
import { runAnalyze, ANALYZE_SPEC } from './analyze/analyze-command.js';
import type { CommandSpec } from './flag-spec.js';
import { UsageError, type CliIo, type CliResult } from './usage-error.js';
import { InputError } from '@smd/formats';

/** Top-level `smd --help` text. */
export const SMD_HELP = `Usage: smd <command> [args]

smd — Spherical Motion Dynamics: predict, measure and explain how normalized networks move
under SGD / SGD+momentum (and Nesterov, AdamW, Lion) with weight decay.

Commands:
  predict    equilibrium angular update Δ*, ‖w*‖, time constants and per-phase verdicts
             for an lr schedule (mean-field recurrence; no training needed)
  advise     η or λ for a target Δ* or time constant, warmup length, per-drop
             re-equilibration and rescaling, batch-size scaling (sgd … lion)
  train      train a normalized network with SMD probes on every scale-invariant tensor,
             in a crash-safe run folder (resume with --resume RUN)
  runs       list the runs under ./runs (or --out DIR)
  export     export a run's metrics: smd export RUN --format csv|json|parquet [--out FILE]
  doctor     check node, the native backend, threads and the Fashion-MNIST files
  report     self-contained HTML report (and --png/--svg figures) of one or more runs:
             measured Δ_t, ‖w_t‖, ‖g̃‖² against Δ*, w* and the mean-field prediction
  serve      local live dashboard of a runs folder (http://127.0.0.1:8477); the explorer
             at /explore/
  explore    write the explorer as a static site (smd explore --out DIR): theory you can
             drag, a network training live in the page, your checkpoints analyzed in the browser
  reproduce  the paper's experiments (figures 2, 3, 4, linear scaling) as one command:
             trains what is missing, writes an HTML page with figures, numbers and verdicts
  analyze    SMD for a run trained elsewhere: PyTorch / Lightning / Hugging Face checkpoints
             → an smd run folder (exact last-step Δ from the optimizer state); --watch DIR

Run "smd <command> --help" for the flags of a command.
Environment: SMD_DEBUG=1 prints stack traces of unexpected errors.
`;

/** A subcommand: receives its own argv (after the command name). Returns the exit code. */
export type Subcommand = (argv: string[], io: CliIo) => Promise<number>;

/** Every command's flag spec (its parser table, defaults and --help are generated from it). */
export const COMMAND_SPECS = {
  predict: PREDICT_SPEC,
  advise: ADVISE_SPEC,
  train: TRAIN_SPEC,
  runs: RUNS_SPEC,
  export: EXPORT_SPEC,
  doctor: DOCTOR_SPEC,
  report: REPORT_SPEC,
  serve: SERVE_SPEC,
  explore: EXPLORE_SPEC,
  reproduce: REPRODUCE_SPEC,
  analyze: ANALYZE_SPEC,
} as const satisfies Record<string, CommandSpec>;

/** A command without a spec is a compile error here. */
const COMMANDS: Record<keyof typeof COMMAND_SPECS, Subcommand> = {
  predict: runPredict,
  advise: runAdvise,
  train: (argv, io) => runTrain(argv, io),
  runs: runRuns,
  export: runExport,
  doctor: runDoctor,
  report: runReport,
  serve: runServe,
  explore: runExplore,
  reproduce: (argv, io) => runReproduce(argv, io),
  analyze: runAnalyze,
};

/** Options of runCli: the working directory (defaults to process.cwd()) and env for SMD_DEBUG. */
export interface RunCliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Replaces the command table (tests). */
  commands?: Record<string, Subcommand>;
}

/** Runs `smd <argv…>` in-process and returns its exit code, stdout and stderr. */
export async function runCli(argv: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    cwd: opts.cwd ?? process.cwd(),
  };
  const env = opts.env ?? process.env;
  let code: number;
  try {
    code = await dispatch(argv, io, opts.commands ?? COMMANDS);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      io.err(`${e.message}\n`);
      code = e instanceof UsageError ? e.exitCode : 2;
    } else {
      const err = e instanceof Error ? e : new Error(String(e));
      if (env.SMD_DEBUG === '1') io.err(`${err.stack ?? err.message}\n`);
      else {
        const first = err.message.split('\n')[0];
        io.err(`smd: internal error: ${first} (run with SMD_DEBUG=1 for the stack trace)\n`);
      }
      code = 1;
    }
  }
  return { code, stdout, stderr };
}

async function dispatch(
  argv: string[],
  io: CliIo,
  commands: Record<string, Subcommand>,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(SMD_HELP);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(SMD_HELP);
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    const what = name.startsWith('-') ? 'option' : 'command';
    throw new UsageError(
      `smd: unknown ${what} "${name}" (commands: ${Object.keys(commands).join(', ')}; see smd --help)`,
    );
  }
  return command(rest, io);
}
