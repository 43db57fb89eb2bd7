// Every command's flags, defaults and --help come from one typed spec (flag-spec.ts): for every
// command, the help it prints is the generated one, every flag the help lists is accepted by the
// command's own parser and the parser knows no other, an unknown flag is one line + exit 2, and
// each default the help prints is the value the command's parser resolves when the flag is absent
// (for defaults that depend on another flag, for every listed case).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { runCli, COMMAND_SPECS } from './run-cli.js';
import {
  commandHelp,
  defaultNote,
  flagDefault,
  flagTable,
  type CommandSpec,
  type FlagValue,
} from './flag-spec.js';
import { parseTrainArgs } from './train/train-options.js';
import { parsePredictArgs } from './predict/predict-options.js';
import { parseAdviseArgs } from './advise/advise-options.js';
import { parseReproduceArgs } from './reproduce/reproduce-options.js';
import { parseReportArgs } from './report/report-command.js';
import { parseServeArgs } from './serve/serve-command.js';
import { parseAnalyzeArgs } from './analyze/analyze-command.js';

const specs = Object.entries(COMMAND_SPECS) as [string, CommandSpec][];

test('every command prints its generated help, listing exactly the flags its parser accepts', async () => {
  assert.equal(specs.length, 11);
  for (const [name, spec] of specs) {
    assert.equal(spec.command, name);
    const help = await runCli([name, '--help']);
    assert.equal(help.code, 0, `${name}: ${help.stderr}`);
    assert.equal(help.stdout, commandHelp(spec), `smd ${name} --help is not the generated text`);
    // the flags the help lists (one entry per line, "  --flag …" or "  -h, --help")
    const listed = [...help.stdout.matchAll(/^ {2}(?:-h, )?--([A-Za-z0-9-]+)/gm)].map((m) => m[1]);
    assert.deepEqual(listed.sort(), Object.keys(flagTable(spec)).sort(), `smd ${name}`);
    // each listed flag reaches the command's parser (which stops at --help before doing anything)
    for (const flag of listed) {
      const f = spec.flags.find((x) => x.name === flag);
      const argv = f?.type === 'string' ? [`--${flag}`, 'x'] : [`--${flag}`];
      const r = await runCli([name, ...argv, '--help']);
      assert.equal(r.code, 0, `smd ${name} ${argv.join(' ')} --help: ${r.stderr}`);
    }
    const bad = await runCli([name, '--no-such-flag']);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      `smd ${name}: unknown option --no-such-flag (see smd ${name} --help)\n`,
    );
    // every printed default is the spec's
    for (const f of spec.flags) {
      if (f.default !== undefined) assert.ok(help.stdout.includes(defaultNote(f)), f.name);
      else assert.ok(!/\(default [^:]/.test(f.help), `${name} --${f.name}: default not in spec`);
    }
  }
});

/** kebab-case flag → camelCase key, with a command's exceptions. */
const keyOf = (flag: string, renames: Record<string, string>): string =>
  renames[flag] ?? flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Checks, for every flag of `spec` with a default, that the options `parse` resolves from each
 * argv variant without that flag hold the spec's default (picked by the resolved value of
 * `defaultCases.by`) when they have its key; every flag with a default and every one of its
 * cases must be covered by some variant.
 */
function assertDefaultsUsed(
  spec: CommandSpec,
  variants: string[][],
  parse: (argv: string[]) => Record<string, unknown>,
  cwd: string,
  renames: Record<string, string> = {},
): void {
  const norm = (v: unknown): unknown => (Array.isArray(v) ? [...v] : v);
  for (const f of spec.flags) {
    if (f.default === undefined) continue;
    const key = keyOf(f.name, renames);
    const hits = new Set<FlagValue>();
    let covered = 0;
    for (const argv of variants) {
      if (argv.includes(`--${f.name}`)) continue;
      const o = parse(argv);
      if (!(key in o)) continue;
      const by = f.defaultCases ? String(o[keyOf(f.defaultCases.by, renames)]) : undefined;
      let want: unknown = flagDefault(spec as never, f.name as never, by);
      const got = o[key];
      if (typeof got === 'string' && isAbsolute(got) && typeof want === 'string')
        want = resolve(cwd, want);
      assert.deepEqual(norm(got), norm(want), `smd ${spec.command} --${f.name} (by ${by})`);
      covered++;
      for (const c of f.defaultCases?.cases ?? [])
        if (by !== undefined && c[0].includes(by)) hits.add(c[1]);
    }
    assert.ok(covered > 0, `smd ${spec.command} --${f.name}: default never checked`);
    assert.equal(hits.size, f.defaultCases?.cases.length ?? 0, `--${f.name}: a case unchecked`);
  }
}

test('defaults printed are the defaults used: train, predict, advise, reproduce', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'smd-flags-'));
  const opt = (name: string) => ['--optimizer', name];
  const train = (argv: string[]) => {
    const r = parseTrainArgs(argv, cwd);
    assert.equal(r.kind, 'new');
    return (r as unknown as { config: Record<string, unknown> }).config;
  };
  const trainVariants = [[], opt('adam'), opt('rv-lion'), opt('sgdp'), opt('rv-adamw')];
  assertDefaultsUsed(
    COMMAND_SPECS.train,
    [...trainVariants, ['--model', 'convstack']],
    train,
    cwd,
    {
      wd: 'weightDecay',
      window: 'windowSteps',
    },
  );
  const predict = (argv: string[]) => {
    const r = parsePredictArgs(['--lr', '0.1', '--wd', '1e-4', '--steps', '10', ...argv], cwd);
    return (r as unknown as { options: Record<string, unknown> }).options;
  };
  assertDefaultsUsed(
    COMMAND_SPECS.predict,
    [[], opt('lion'), opt('adamw'), opt('sgdp')],
    predict,
    cwd,
  );
  const advise = (argv: string[]) => {
    const r = parseAdviseArgs(['--lr', '0.1', '--wd', '5e-4', ...argv], cwd);
    return (r as unknown as { options: Record<string, unknown> }).options;
  };
  assertDefaultsUsed(COMMAND_SPECS.advise, [opt('sgdm'), opt('lion')], advise, cwd);
  const reproduce = (argv: string[]) =>
    parseReproduceArgs(argv, cwd) as unknown as Record<string, unknown>;
  assertDefaultsUsed(COMMAND_SPECS.reproduce, [[], ['--quick']], reproduce, cwd);
});

test('defaults printed are the defaults used: report, serve, analyze, runs, export', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'smd-flags-'));
  mkdirSync(join(cwd, 'runs', 'r1'), { recursive: true });
  writeFileSync(join(cwd, 'runs', 'r1', 'manifest.json'), '{}');
  const parsed =
    (parse: (argv: string[], cwd: string) => unknown, args: string[]) => (argv: string[]) =>
      parse([...args, ...argv], cwd) as Record<string, unknown>;
  assertDefaultsUsed(COMMAND_SPECS.report, [[]], parsed(parseReportArgs, ['runs/r1']), cwd);
  assertDefaultsUsed(COMMAND_SPECS.serve, [[]], parsed(parseServeArgs, []), cwd);
  assertDefaultsUsed(COMMAND_SPECS.analyze, [[]], parsed(parseAnalyzeArgs, ['a.pt']), cwd);
  // runs and export resolve their defaults inline: their output names the folder used
  const empty = mkdtempSync(join(tmpdir(), 'smd-flags-'));
  const runs = await runCli(['runs'], { cwd: empty });
  const runsRoot = join(empty, flagDefault(COMMAND_SPECS.runs, 'out'));
  assert.equal(runs.stdout, `no runs under ${runsRoot}\n`);
  const exp = await runCli(['export', 'nope', '--format', 'csv'], { cwd: empty });
  assert.equal(exp.code, 2);
  const root = join(empty, flagDefault(COMMAND_SPECS.export, 'runs'));
  assert.equal(
    exp.stderr,
    `smd export: no run "nope" (neither a run folder nor an id under ${root})\n`,
  );
});
