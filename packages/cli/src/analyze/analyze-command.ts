/**
 * `smd analyze PATH... [--out runs] [--name NAME] [--optimizer adam|adamw]` and
 * `smd analyze --watch DIR`: SMD for runs trained elsewhere. Reads PyTorch / Lightning /
 * Hugging Face checkpoints (never running code from them), writes an smd run folder, prints
 * the last checkpoint's per-layer table. --watch follows a running job's checkpoint folder and
 * appends each new checkpoint until Ctrl-C (the dashboard of `smd serve` updates live).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandHelp, flagDefault, parseCommandFlags, type CommandSpec } from '../flag-spec.js';
import { UsageError, type CliIo } from '../usage-error.js';
import { AnalyzeRunWriter } from './analyze-run.js';
import { loadRunData } from '../report/run-cache.js';
import { formatAnalysis } from './analyze-table.js';
import { collectCheckpoints, loadCheckpoint } from './collect.js';
import { findWatchRun, reloadCheckpoint, watchCheckpoints } from './watch.js';
import { InputError } from '@smd/formats';

/** `smd analyze`'s flags and help. */
export const ANALYZE_SPEC = {
  command: 'analyze',
  usage: ['analyze PATH... [flags]', 'analyze --watch DIR [flags]'],
  about: `SMD for a run trained elsewhere: reads its checkpoints and writes an smd run folder that
smd report and smd serve show like any other run. PATH is a checkpoint file (.pt .pth .bin
.ckpt .safetensors), a Hugging Face Trainer folder (checkpoint-N/), or a folder of either.
Understood: torch.save zips (torch >= 1.6) of state_dicts, {model, optimizer, step} dicts,
Lightning checkpoints, Hugging Face Trainer folders, DDP 'module.' names. Nothing in a file is
ever executed. With the optimizer state (SGD momentum, Adam, AdamW) the angular update of the
step that produced each checkpoint is exact; scale-invariant tensors are found from names and
shapes and checked by the radial test.`,
  flags: [
    { name: 'out', type: 'string', arg: 'DIR', default: 'runs', help: 'runs folder to write into' },
    {
      name: 'name',
      type: 'string',
      arg: 'NAME',
      help: "run name (default: analyze-<the first PATH's name>)",
    },
    {
      name: 'watch',
      type: 'string',
      arg: 'DIR',
      help: `follow DIR: analyze each new checkpoint as it appears, until Ctrl-C;
the same command again (same DIR, --out, --name) continues its run after Ctrl-C or a crash,
skipping the checkpoints already stored`,
    },
    {
      name: 'poll-ms',
      type: 'string',
      arg: 'N',
      default: 2000,
      help: '--watch polling interval in milliseconds',
    },
    {
      name: 'optimizer',
      type: 'string',
      choices: ['adam', 'adamw'],
      help: `which one wrote an Adam-family state (they store the same state;
default: AdamW, or what the checkpoint says)`,
    },
  ],
} as const satisfies CommandSpec;

/** The `smd analyze --help` text. */
export const ANALYZE_HELP = commandHelp(ANALYZE_SPEC);

/** Validated inputs of `smd analyze`. */
export interface AnalyzeOptions {
  paths: string[];
  watch: string | null;
  out: string;
  name: string;
  pollMs: number;
  optimizer?: 'adam' | 'adamw';
}

/** Parses `smd analyze` argv (paths resolved against `cwd`). */
export function parseAnalyzeArgs(argv: string[], cwd: string): AnalyzeOptions | 'help' {
  const { values: v, positionals } = parseCommandFlags(argv, ANALYZE_SPEC);
  if (v.help) return 'help';
  const watch = typeof v.watch === 'string' ? resolve(cwd, v.watch) : null;
  if (watch && positionals.length) {
    throw new UsageError('smd analyze: give either PATH... or --watch DIR, not both');
  }
  if (!watch && positionals.length === 0) {
    throw new UsageError('smd analyze: give at least one checkpoint PATH (see smd analyze --help)');
  }
  if (watch && (!existsSync(watch) || !statSync(watch).isDirectory())) {
    throw new UsageError(`smd analyze: --watch ${v.watch as string} must be an existing folder`);
  }
  const opt = v.optimizer as string | undefined;
  if (opt !== undefined && opt !== 'adam' && opt !== 'adamw') {
    throw new UsageError(`smd analyze: --optimizer must be adam or adamw (got "${opt}")`);
  }
  const poll =
    v['poll-ms'] === undefined ? flagDefault(ANALYZE_SPEC, 'poll-ms') : Number(v['poll-ms']);
  if (!Number.isInteger(poll) || poll < 10) {
    throw new UsageError(
      `smd analyze: --poll-ms must be an integer >= 10 (got "${String(v['poll-ms'])}")`,
    );
  }
  const first = watch ?? positionals[0];
  const name =
    typeof v.name === 'string'
      ? v.name
      : `analyze-${first
          .replace(/[/\\]+$/, '')
          .split(/[/\\]/)
          .pop()}`;
  return {
    paths: positionals,
    watch,
    out: resolve(cwd, typeof v.out === 'string' ? v.out : flagDefault(ANALYZE_SPEC, 'out')),
    name,
    pollMs: poll,
    optimizer: opt as 'adam' | 'adamw' | undefined,
  };
}

/** Runs `smd analyze`; `signal` stops --watch (tests), as do SIGINT/SIGTERM. */
export async function runAnalyze(argv: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const o = parseAnalyzeArgs(argv, io.cwd);
  if (o === 'help') {
    io.out(ANALYZE_HELP);
    return 0;
  }
  const writer = new AnalyzeRunWriter({
    out: o.out,
    name: o.name,
    inputs: o.watch ? [o.watch] : o.paths,
    optimizer: o.optimizer,
    watch: o.watch ?? undefined,
    log: (line) => io.err(`${line}\n`),
  });
  const prior = o.watch ? findWatchRun(o.out, o.name, o.watch) : null;
  if (prior) {
    try {
      writer.reopen(prior, (label) => reloadCheckpoint(o.watch!, label));
    } catch (e) {
      if (e instanceof InputError) throw e; // a damaged store names itself (exit 2)
      // a live writer holds the lock: another watch of this folder still runs
      throw new UsageError(`smd analyze: --watch: ${(e as Error).message.split('\n')[0]}`, 1);
    }
    io.err(
      `smd analyze: continuing run ${prior} (${writer.stored.size} checkpoints stored; another --name starts a new run)\n`,
    );
  }
  try {
    if (o.watch) {
      await watchCheckpoints(o.watch, writer, {
        pollMs: o.pollMs,
        signal,
        log: (l) => process.stderr.write(`${l}\n`),
      });
    } else {
      const sources = collectCheckpoints(o.paths, io.cwd);
      sources.forEach((src, i) => writer.add(loadCheckpoint(src), i + 1));
    }
  } catch (e) {
    writer.run?.close();
    throw e;
  }
  const dir = writer.run?.dir;
  writer.finish();
  if (!dir) {
    io.err('smd analyze: no checkpoint was analyzed\n');
    return o.watch ? 0 : 2;
  }
  io.out(formatAnalysis(writer.analyses, loadRunData(dir).analysis));
  io.out(`run ${dir}: ${writer.stored.size} checkpoints; smd report ${dir} / smd serve ${o.out}\n`);
  return 0;
}
