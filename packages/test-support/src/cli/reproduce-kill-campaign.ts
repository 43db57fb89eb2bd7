/**
 * The kill campaign of `smd reproduce` (reproduce-kill.test.ts, bench/reproduce-kill-campaign.mjs):
 * `smd reproduce ARGS` as a child, SIGKILLed at seeded moments and rerun with the same command
 * after each kill (it reuses finished runs and resumes the interrupted one), then compared with
 * an uninterrupted child of the same command: every stored row and the final weights of every
 * planned run (assertSameRun), and the claims, the figures and the summary (assertSameReproduction).
 *
 * Moments are placed by plan progress (runChild with planPosition): the child prints a plan line
 * per training step (SMD_PROGRESS_EVERY_SEC=0), `plan P%` of the plan's images. Of K kills, the
 * last ⌈K/5⌉ fall in the claims/report stage (a random share of the reference's time from "last
 * run finished" to exit: measuring, figures, PNGs, page, summary); the others target P drawn
 * from the i-th share of 0–100 % and strike a random 0–1 percent-time after the child reaches it
 * (P < 1: during start-up) — training steps, probes, checkpoint writes, evaluations, the end of
 * one run and the start of the next.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runChild, seededRandom, type KillAt } from './kill-campaign.js';
import { assertSameRun, dump } from './test-helpers.js';

/** A small plan: fig2's two quick runs on synthetic data, native kernels. */
export const REPRODUCE_KILL_ARGS = [
  'reproduce',
  'fig2',
  '--quick',
  '--data',
  'synthetic',
  '--backend',
  'native',
];

/** planPosition of the line saying the plan's last run is done (the claims/report stage). */
export const PLAN_DONE = 101;

/** Plan progress of a line of `smd reproduce`'s stderr: P of `plan P%`, PLAN_DONE, or null. */
export function planPosition(line: string): number | null {
  const done = /^reproduce: run (\d+)\/(\d+) .*: (finished|diverged|reusing)/.exec(line);
  if (done) return done[1] === done[2] ? PLAN_DONE : null;
  const m = /\| plan (\d+)%/.exec(line);
  return m ? Number(m[1]) : null;
}

/** What a reproduce kill campaign did. */
export interface ReproduceKillCampaign {
  /** OUT of the killed-and-rerun command, and of the uninterrupted one. */
  out: string;
  refOut: string;
  kills: number;
  /** Per kill: the position it waited for (−1: start-up), the delay after it, the position reached. */
  log: { atStep: number; afterMs: number; reached: number | null }[];
  /** Reference: spawn → first plan line, → last run done, → exit (ms). */
  startupMs: number;
  planMs: number;
  totalMs: number;
}

/** The kill moment of kill `i` of `k` (see the module comment). */
function killMoment(
  i: number,
  k: number,
  rand: () => number,
  t: { startupMs: number; planMs: number; totalMs: number },
): KillAt {
  const inReport = Math.ceil(k / 5);
  const inPlan = k - inReport;
  if (i >= inPlan)
    return { atStep: PLAN_DONE, afterMs: Math.round(rand() * (t.totalMs - t.planMs)) };
  const target = Math.floor(((i + rand()) / inPlan) * 100);
  return target < 1
    ? { atStep: -1, afterMs: Math.round(rand() * t.startupMs) }
    : { atStep: target, afterMs: Math.round((rand() * (t.planMs - t.startupMs)) / 100) };
}

/** Runs the campaign in `cwd` (outputs in cwd/ref and cwd/killed). */
export async function reproduceKillCampaign(o: {
  args: string[];
  cwd: string;
  maxKills: number;
  seed: number;
}): Promise<ReproduceKillCampaign> {
  const rand = seededRandom(o.seed);
  const refOut = join(o.cwd, 'ref');
  let reached: number | null = null;
  let doneAt = NaN;
  const t0 = performance.now();
  const watch = (p: import('node:child_process').ChildProcess): void => {
    reached = null;
    p.stderr!.on('data', (d: string) => {
      for (const line of String(d).split('\n')) {
        const at = planPosition(line);
        if (at === null) continue;
        reached = Math.max(reached ?? -1, at);
        if (at === PLAN_DONE && Number.isNaN(doneAt)) doneAt = performance.now() - t0;
      }
    });
  };
  const ref = await runChild([...o.args, '--out', refOut], o.cwd, null, watch, planPosition);
  if (ref.code !== 0 || Number.isNaN(doneAt) || !Number.isFinite(ref.firstOutputMs))
    throw new Error(`reproduce kill campaign: reference exited ${ref.code}: ${ref.stderr}`);
  const t = { startupMs: ref.firstOutputMs, planMs: doneAt, totalMs: ref.ms };
  const out = join(o.cwd, 'killed');
  const log: ReproduceKillCampaign['log'] = [];
  // A kill the child outran (it finished first) is drawn again on the next rerun, which reuses
  // every run and reaches the report stage; the cap only guards against a child never killed.
  for (let children = 0; children < 3 * o.maxKills + 1; children++) {
    const killAt = log.length < o.maxKills ? killMoment(log.length, o.maxKills, rand, t) : null;
    const r = await runChild([...o.args, '--out', out], o.cwd, killAt, watch, planPosition);
    if (r.signal === 'SIGKILL') {
      log.push({ ...killAt!, reached });
      continue;
    }
    if (r.code !== 0)
      throw new Error(
        `reproduce kill campaign: smd ${o.args.join(' ')} exited ${r.code}: ${r.stderr}`,
      );
    if (killAt === null) break;
  }
  return { out, refOut, kills: log.length, log, ...t };
}

interface SummaryRun {
  name: string;
  dir: string;
  status: string;
  config: Record<string, unknown>;
}

function readSummary(out: string): Record<string, unknown> & { runs: SummaryRun[] } {
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown> & {
    runs: SummaryRun[];
  };
}

/**
 * Asserts that two `smd reproduce` outputs are the same reproduction: every planned run's rows
 * and final weights (assertSameRun), the summary (all but its time stamp, timings, run folders
 * and origins, and the runs root in each run's config), claims.md and every figure's SVG byte for byte.
 */
export function assertSameReproduction(out: string, refOut: string): void {
  const got = readSummary(out);
  const want = readSummary(refOut);
  assert.deepEqual(
    got.runs.map((r) => r.name),
    want.runs.map((r) => r.name),
  );
  for (let i = 0; i < want.runs.length; i++) {
    const steps = dump(want.runs[i].dir).scalars.filter((r) => r.name === 'loss').length;
    assertSameRun(got.runs[i].dir, want.runs[i].dir, steps);
  }
  const strip = (s: ReturnType<typeof readSummary>): unknown => ({
    ...s,
    createdAt: null,
    timing: null,
    runs: s.runs.map((r) => ({
      ...r,
      dir: null,
      origin: null,
      config: { ...r.config, out: null },
    })),
    figures: (s.figures as string[]).map((f) => f.slice(f.lastIndexOf('/figures/'))),
  });
  assert.deepEqual(strip(got), strip(want));
  assert.equal(
    readFileSync(join(out, 'claims.md'), 'utf8'),
    readFileSync(join(refOut, 'claims.md'), 'utf8'),
  );
  const svgs = readdirSync(join(refOut, 'figures')).filter((f) => f.endsWith('.svg'));
  assert.ok(svgs.length > 0 && existsSync(join(out, 'figures')));
  for (const f of svgs)
    assert.equal(
      readFileSync(join(out, 'figures', f), 'utf8'),
      readFileSync(join(refOut, 'figures', f), 'utf8'),
      `figures/${f}`,
    );
}
