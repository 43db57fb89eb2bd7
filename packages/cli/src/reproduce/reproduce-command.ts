/**
 * `smd reproduce [fig2|fig3|fig4|scaling|all] [--quick] [--seeds N] [--out DIR] [--data …]`:
 * plan → train / resume / reuse the runs (one progress display) → measure every claim → write
 * OUT/reproduce.html, OUT/figures/*.png|svg and OUT/summary.json.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressSink } from '../train/progress.js';
import type { CliIo } from '../usage-error.js';
import { buildPlan, type PlannedRun } from './plan.js';
import { executePlan, indexRuns } from './plan-runner.js';
import { REPRODUCE_HELP, parseReproduceArgs, type ReproduceOptions } from './reproduce-options.js';
import { measurePlan } from './measure.js';
import { writeReproduction } from './write-outputs.js';

/** Options of runReproduce beyond argv and io. */
export interface RunReproduceOptions {
  /** Plan progress (default: process.stderr). */
  sink?: ProgressSink;
  /** Environment (default process.env): SMD_TEST_KILL_PLAN (see plan-runner.ts). */
  env?: Record<string, string | undefined>;
}

function describePlan(plan: PlannedRun[], o: ReproduceOptions): string {
  const existing = indexRuns(join(o.out, 'runs'));
  const lines = plan.map((p, i) => {
    const found = existing.get(p.key) ?? [];
    const state = found.some((c) => c.status === 'finished' || c.status === 'diverged')
      ? 'reuse'
      : found.some((c) => c.status === 'killed')
        ? 'resume'
        : 'train';
    const c = p.config;
    const what = `${c.optimizer} η=${c.lr} λ=${c.weightDecay}${c.optimizer === 'sgdm' ? ` α=${c.momentum}` : ''} B=${c.batchSize} ${c.epochs} epochs ${c.schedule}${c.rescale ? ' +rescale' : ''} seed ${c.seed}`;
    return `${String(i + 1).padStart(3)}  ${state.padEnd(6)} ${p.name.padEnd(28)} ${what}`;
  });
  return `plan: ${plan.length} runs${o.quick ? ' (quick)' : ''} under ${join(o.out, 'runs')}\n${lines.join('\n')}\n`;
}

/** Runs `smd reproduce <argv>`; returns the exit code. */
export async function runReproduce(
  argv: string[],
  io: CliIo,
  opts: RunReproduceOptions = {},
): Promise<number> {
  const o = parseReproduceArgs(argv, io.cwd);
  if (o === 'help') {
    io.out(REPRODUCE_HELP);
    return 0;
  }
  const runsDir = join(o.out, 'runs');
  const plan = buildPlan({
    targets: o.targets,
    quick: o.quick,
    seeds: o.seeds,
    data: o.data,
    runsDir,
    backend: o.backend,
    cwd: io.cwd,
  });
  if (o.dryRun) {
    io.out(describePlan(plan, o));
    return 0;
  }
  mkdirSync(runsDir, { recursive: true });
  const sink = opts.sink ?? {
    write: (t: string) => void process.stderr.write(t),
    isTTY: process.stderr.isTTY === true,
  };
  const t0 = performance.now();
  const executed = await executePlan(plan, {
    runsDir,
    logFile: join(o.out, 'plan.log'),
    cwd: io.cwd,
    sink,
    env: opts.env ?? process.env,
  });
  const trainSec = (performance.now() - t0) / 1000;
  const result = measurePlan(executed, o.targets);
  const written = await writeReproduction(result, o, { trainSec });
  for (const p of written) io.out(`wrote ${p}\n`);
  for (const c of result.claims) io.out(`${c.verdict.padEnd(13)} ${c.id}: ${c.measured}\n`);
  return 0;
}
