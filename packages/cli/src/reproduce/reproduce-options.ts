/** `smd reproduce` inputs: targets, flags, validation. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnumField, parseNumberField } from '../field-values.js';
import {
  commandHelp,
  flagDefault,
  flagSpec,
  parseCommandFlags,
  type CommandSpec,
} from '../flag-spec.js';
import { UsageError } from '../usage-error.js';
import { FIGURE_IDS, SETTINGS, type FigureId } from './plan.js';

const COMMAND = 'smd reproduce';

/** `smd reproduce`'s flags and help. */
export const REPRODUCE_SPEC = {
  command: 'reproduce',
  usage: ['reproduce [fig2|fig3|fig4|scaling|all]... [flags]'],
  about: `Reproduces the experiments of Wan et al., Spherical Motion Dynamics (NeurIPS 2021), §4, at CPU
scale (16/32/64 BN ResNet, Fashion-MNIST by default): trains the runs each figure needs, then
writes one self-contained HTML page with every figure beside the paper's claim, the measured
numbers and a verdict, the figures as PNG and SVG, and a JSON summary.

  fig2      equilibrium at a fixed lr, SGD vs SGDM (‖w‖ → w*, Δ → Δ*, approach rate)
  fig3      multi-stage lr with and without the rescaling trick
  fig4      SGDM vs SGDM + rescaling vs Adam, several seeds (test accuracy, loss, Δ_t)
  scaling   linear scaling: batch k·B with lr k·η, k = 1, 2, 4 (Δ rises by √k?)
  all       every one of them (default)

A finished run with the same resolved config (under OUT/runs) is reused; an interrupted one
is resumed, so a killed plan picks up where it stopped.`,
  flags: [
    {
      name: 'quick',
      type: 'boolean',
      help: `runs ${Math.round(1 / SETTINGS.quickFactor)}× shorter (same settings; labelled "quick" in every output)`,
    },
    {
      name: 'seeds',
      type: 'string',
      arg: 'N',
      default: 2,
      defaultCases: { by: 'quick', cases: [[['true'], 1]] },
      help: 'seeds of fig4',
    },
    {
      name: 'out',
      type: 'string',
      arg: 'DIR',
      default: 'reproduce',
      help: `output folder: runs/, reproduce.html, figures/,
summary.json, plan.log`,
    },
    {
      name: 'data',
      type: 'string',
      arg: 'D',
      default: 'fashion-mnist',
      help: `fashion-mnist, synthetic, or a folder of IDX files or of
CIFAR-10 binary batches (data_batch_<n>.bin, test_batch.bin)`,
    },
    {
      name: 'backend',
      type: 'string',
      choices: ['auto', 'native', 'ts'],
      default: 'auto',
      help: 'kernels',
    },
    {
      name: 'dry-run',
      type: 'boolean',
      help: 'print the plan (and which runs exist already), train nothing',
    },
  ],
} as const satisfies CommandSpec;

/** The `smd reproduce --help` text. */
export const REPRODUCE_HELP = commandHelp(REPRODUCE_SPEC);

/** Validated `smd reproduce` inputs. */
export interface ReproduceOptions {
  targets: FigureId[];
  quick: boolean;
  seeds: number;
  /** absolute */
  out: string;
  /** fashion-mnist, synthetic, or an absolute folder */
  data: string;
  backend: 'auto' | 'native' | 'ts';
  dryRun: boolean;
}

/** Parses argv (after "reproduce"). */
export function parseReproduceArgs(argv: string[], cwd: string): ReproduceOptions | 'help' {
  const { values, positionals } = parseCommandFlags(argv, REPRODUCE_SPEC);
  if (values.help) return 'help';
  const targets = new Set<FigureId>();
  for (const p of positionals.length ? positionals : ['all']) {
    if (p === 'all') FIGURE_IDS.forEach((f) => targets.add(f));
    else if ((FIGURE_IDS as readonly string[]).includes(p)) targets.add(p as FigureId);
    else {
      throw new UsageError(
        `${COMMAND}: unknown target "${p}" (expected fig2, fig3, fig4, scaling or all)`,
      );
    }
  }
  const quick = values.quick === true;
  const seeds =
    values.seeds === undefined
      ? flagDefault(REPRODUCE_SPEC, 'seeds', String(quick))
      : parseNumberField(
          values.seeds,
          { command: COMMAND, where: '--seeds' },
          { min: 1, minInclusive: true, max: 20, maxInclusive: true, integer: true },
        );
  const rawData =
    typeof values.data === 'string' ? values.data : flagDefault(REPRODUCE_SPEC, 'data');
  let data = rawData;
  if (rawData !== 'fashion-mnist' && rawData !== 'synthetic') {
    data = resolve(cwd, rawData);
    if (!existsSync(data)) {
      throw new UsageError(
        `${COMMAND}: --data must be fashion-mnist, synthetic or an existing folder, got "${rawData}"`,
      );
    }
  }
  const backend =
    values.backend === undefined
      ? flagDefault(REPRODUCE_SPEC, 'backend')
      : parseEnumField(
          values.backend,
          { command: COMMAND, where: '--backend' },
          flagSpec(REPRODUCE_SPEC, 'backend').choices as readonly ('auto' | 'native' | 'ts')[],
        );
  return {
    // keep the documented order whatever the command line's order
    targets: FIGURE_IDS.filter((f) => targets.has(f)),
    quick,
    seeds,
    out: resolve(
      cwd,
      typeof values.out === 'string' ? values.out : flagDefault(REPRODUCE_SPEC, 'out'),
    ),
    data,
    backend,
    dryRun: values['dry-run'] === true,
  };
}
