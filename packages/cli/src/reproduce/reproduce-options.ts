/** `smd reproduce` inputs: targets, flags, validation. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnumField, parseNumberField } from '../field-values.js';
import { parseFlags } from '../parse-flags.js';
import { UsageError } from '../usage-error.js';
import { FIGURE_IDS, SETTINGS, type FigureId } from './plan.js';

const COMMAND = 'smd reproduce';

/** The `smd reproduce --help` text. */
export const REPRODUCE_HELP = `Usage: smd reproduce [fig2|fig3|fig4|scaling|all]... [flags]

Reproduces the experiments of Wan et al., Spherical Motion Dynamics (NeurIPS 2021), §4, at CPU
scale (16/32/64 BN ResNet, Fashion-MNIST by default): trains the runs each figure needs, then
writes one self-contained HTML page with every figure beside the paper's claim, the measured
numbers and a verdict, the figures as PNG and SVG, and a JSON summary.

  fig2      equilibrium at a fixed lr, SGD vs SGDM (‖w‖ → w*, Δ → Δ*, approach rate)
  fig3      multi-stage lr with and without the rescaling trick
  fig4      SGDM vs SGDM + rescaling vs Adam, several seeds (test accuracy, loss, Δ_t)
  scaling   linear scaling: batch k·B with lr k·η, k = 1, 2, 4 (Δ rises by √k?)
  all       every one of them (default)

A finished run with the same resolved config (under OUT/runs) is reused; an interrupted one
is resumed, so a killed plan picks up where it stopped.

Flags:
  --quick             runs ${Math.round(1 / SETTINGS.quickFactor)}× shorter (same settings; labelled "quick" in every output)
  --seeds N           seeds of fig4 (default 2, with --quick 1)
  --out DIR           output folder (default reproduce): runs/, reproduce.html, figures/,
                      summary.json, plan.log
  --data D            fashion-mnist (default), synthetic, or a folder of IDX files or of
                      CIFAR-10 binary batches (data_batch_<n>.bin, test_batch.bin)
  --backend B         auto (default), native or ts
  --dry-run           print the plan (and which runs exist already), train nothing
  -h, --help          this text
`;

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
  const { values, positionals } = parseFlags(
    argv,
    {
      quick: { type: 'boolean' },
      seeds: { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string' },
      backend: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'reproduce',
  );
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
      ? quick
        ? 1
        : 2
      : parseNumberField(
          values.seeds,
          { command: COMMAND, where: '--seeds' },
          { min: 1, minInclusive: true, max: 20, maxInclusive: true, integer: true },
        );
  const rawData = typeof values.data === 'string' ? values.data : 'fashion-mnist';
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
      ? 'auto'
      : parseEnumField(values.backend, { command: COMMAND, where: '--backend' }, [
          'auto',
          'native',
          'ts',
        ] as const);
  return {
    // keep the documented order whatever the command line's order
    targets: FIGURE_IDS.filter((f) => targets.has(f)),
    quick,
    seeds,
    out: resolve(cwd, typeof values.out === 'string' ? values.out : 'reproduce'),
    data,
    backend,
    dryRun: values['dry-run'] === true,
  };
}
