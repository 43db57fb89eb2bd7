import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../run-cli.js';
import { smdChild, tempDir } from '@smd/test-support/cli';
import { runReproduce } from './reproduce-command.js';

interface Summary {
  quick: boolean;
  runs: { name: string; dir: string; origin: string; status: string }[];
  claims: { id: string; verdict: string; measured: string }[];
  figures: string[];
}

async function reproduce(
  argv: string[],
  cwd: string,
): Promise<{ code: number; out: string; progress: string }> {
  let out = '';
  let progress = '';
  const io = { out: (t: string) => (out += t), err: (t: string) => (out += t), cwd };
  const code = await runReproduce(argv, io, {
    sink: { write: (t) => (progress += t), isTTY: false },
    env: {},
  });
  return { code, out, progress };
}

const ARGS = ['all', '--quick', '--data', 'synthetic', '--out', 'rep'];

test('smd reproduce --quick on synthetic data: killed mid-plan, rerun trains only the missing runs, then writes page, figures and summary', async () => {
  const cwd = tempDir('smd-repro-');
  try {
    // 1. SIGKILL inside the plan's 2nd run (after its step 5)
    const killed = await smdChild(['reproduce', ...ARGS], cwd, { SMD_TEST_KILL_PLAN: '2:5' });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    assert.match(killed.stderr, /run 1\/8 fig2-sgd-quick: finished/);
    assert.match(killed.stderr, /run 2\/8 fig2-sgdm-quick: training/);
    const runsDir = join(cwd, 'rep', 'runs');
    const before = readdirSync(runsDir).sort();
    assert.equal(before.length, 2);
    const firstMtime = statSync(join(runsDir, before[0], 'metrics.sqlite')).mtimeMs;

    // the dry run sees one run to reuse, one to resume, six to train
    const dry = await runCli(['reproduce', ...ARGS, '--dry-run'], { cwd });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /plan: 8 runs \(quick\)/);
    assert.match(dry.stdout, /1 {2}reuse {2}fig2-sgd-quick/);
    assert.match(dry.stdout, /2 {2}resume fig2-sgdm-quick/);
    assert.equal(dry.stdout.match(/ train /g)?.length, 6);

    // 2. rerun: run 1 reused, run 2 resumed in its folder, the rest trained
    const r = await reproduce(ARGS, cwd);
    assert.equal(r.code, 0, r.out);
    assert.match(r.progress, /run 1\/8 fig2-sgd-quick: reusing/);
    assert.match(r.progress, /run 2\/8 fig2-sgdm-quick: resuming .*fig2-sgdm-quick/);
    assert.match(
      r.progress,
      /reproduce: \d\/8 runs done \| run \d\/8 \S+, step \d+\/\d+ \| plan \d+% \| ETA \S+/,
    );
    const after = readdirSync(runsDir).sort();
    assert.equal(after.length, 8, after.join(', '));
    assert.ok(before.every((d) => after.includes(d)));
    assert.equal(statSync(join(runsDir, before[0], 'metrics.sqlite')).mtimeMs, firstMtime);

    const summary = JSON.parse(readFileSync(join(cwd, 'rep', 'summary.json'), 'utf8')) as Summary;
    assert.equal(summary.quick, true);
    assert.deepEqual(
      summary.runs.map((x) => x.origin),
      ['reused', 'resumed', 'trained', 'trained', 'trained', 'trained', 'trained', 'trained'],
    );
    assert.ok(summary.runs.every((x) => x.status === 'finished'));
    const ids = summary.claims.map((c) => c.id);
    for (const id of [
      'fig2.norm',
      'fig2.delta',
      'fig2.rate',
      'fig3.corollary',
      'fig3.rescale',
      'fig4.drop',
      'scaling.delta',
      'scaling.rotation',
    ]) {
      assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
    }
    // quick runs on 16 steps per epoch are far too short: fig2 cannot be judged
    assert.equal(summary.claims.find((c) => c.id === 'fig2.delta')!.verdict, 'inconclusive');
    for (const stem of ['fig2-sgd', 'fig2-sgdm', 'fig3', 'fig4', 'scaling']) {
      const png = readFileSync(join(cwd, 'rep', 'figures', `${stem}.png`));
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      assert.match(readFileSync(join(cwd, 'rep', 'figures', `${stem}.svg`), 'utf8'), /^<svg/);
    }
    const html = readFileSync(join(cwd, 'rep', 'reproduce.html'), 'utf8');
    assert.match(html, /Spherical Motion Dynamics, reproduced \(quick\)/);
    assert.match(html, /<b>Quick runs<\/b>/);
    assert.equal(html.match(/<figure><svg/g)?.length, 5);
    assert.match(html, /<span class="v inconclusive">inconclusive<\/span>/);
    assert.ok(!/<script(?! id="smd-summary")/.test(html), 'no script but the JSON summary');
    assert.match(r.out, /inconclusive +fig2\.delta: SGD: median RMS Δ\/Δ\* − 1 = /);

    // 3. a third run trains nothing
    const again = await reproduce(['fig2', ...ARGS.slice(1)], cwd);
    assert.equal(again.code, 0);
    assert.equal(again.progress.match(/reusing/g)?.length, 2);
    assert.doesNotMatch(again.progress, /training|resuming/);
    assert.equal(readdirSync(runsDir).length, 8);
  } finally {
    rmSync(cwd, { recursive: true });
  }
});

test('smd reproduce: usage errors are one line with exit code 2', async () => {
  const cwd = tempDir('smd-repro-');
  try {
    const cases: [string[], RegExp][] = [
      [
        ['fig5'],
        /^smd reproduce: unknown target "fig5" \(expected fig2, fig3, fig4, scaling or all\)\n$/,
      ],
      [['--seeds', '0'], /^smd reproduce: --seeds must be an integer in \[1, 20\] \(got "0"\)\n$/],
      [
        ['--data', 'no-such-dir'],
        /^smd reproduce: --data must be fashion-mnist, synthetic or an existing folder, got "no-such-dir"\n$/,
      ],
      [['--frobnicate'], /^smd reproduce: unknown option --frobnicate/],
    ];
    for (const [argv, re] of cases) {
      const r = await runCli(['reproduce', ...argv], { cwd });
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, re);
    }
    const help = await runCli(['reproduce', '--help'], { cwd });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--quick +runs 6× shorter/);
    assert.ok(!existsSync(join(cwd, 'reproduce')));
  } finally {
    rmSync(cwd, { recursive: true });
  }
});
