/**
 * The kill campaign (tests and bench/kill-campaign.mjs): `smd train FLAGS` as a child process,
 * SIGKILLed at seeded random moments and resumed with `smd train --resume` after each kill, then
 * compared with an uninterrupted child run of the same flags (assertSameRun).
 *
 * Moments: an uninterrupted reference child is timed first (startup = spawn → first output,
 * training = the rest). Each restart is killed at a delay after its spawn drawn uniformly from
 * [startup/2, startup + training/maxKills], so a kill falls anywhere from start-up (data,
 * native backend, checkpoint restore) through training steps, the probe, metric commits,
 * checkpoint writes with their SQLite WAL checkpoint and the end-of-epoch evaluation, and each
 * restart gets at most 1/maxKills of the run further: every kill is delivered before the run
 * can finish, on a quiet or a loaded machine alike. The last resume then runs to the end.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetricStore } from '@smd/runs';
import { runDir } from './test-helpers.js';

const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');

/** What a kill campaign did. */
export interface KillCampaign {
  /** The killed-and-resumed run. */
  dir: string;
  /** The uninterrupted reference run. */
  refDir: string;
  kills: number;
  /** Per kill: delay after spawn, and the last step the store held after it (null: none yet). */
  log: { delayMs: number; lastStep: number | null }[];
  /** Reference child: spawn → first output, and the whole run (ms). */
  startupMs: number;
  totalMs: number;
}

interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  firstOutputMs: number;
  ms: number;
}

function runChild(argv: string[], cwd: string, killAfterMs: number | null): Promise<ChildEnd> {
  const main = join(dirname(here), '..', fromSource ? 'main.ts' : 'main.js');
  const pre = fromSource ? ['--conditions=source', '--import', import.meta.resolve('tsx')] : [];
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    let first = NaN;
    const p = spawn(process.execPath, [...pre, main, ...argv], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const timer =
      killAfterMs === null ? undefined : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    let stderr = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (Number.isNaN(first)) first = performance.now() - t0;
      stderr += d;
    });
    p.on('error', fail);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      ok({ code, signal, stderr, firstOutputMs: first, ms: performance.now() - t0 });
    });
  });
}

/** Runs the campaign in `cwd` (runs land in cwd/ref and cwd/killed). */
export async function killCampaign(o: {
  flags: string[];
  cwd: string;
  maxKills: number;
  seed: number;
}): Promise<KillCampaign> {
  let s = o.seed >>> 0;
  const rand = (): number => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ref = await runChild(['train', ...o.flags, '--out', join(o.cwd, 'ref')], o.cwd, null);
  if (ref.code !== 0)
    throw new Error(`kill campaign: reference run exited ${ref.code}: ${ref.stderr}`);
  const startupMs = ref.firstOutputMs;
  const trainMs = ref.ms - startupMs;
  const out = join(o.cwd, 'killed');
  const log: KillCampaign['log'] = [];
  let dir: string | null = null;
  for (;;) {
    const argv = dir === null ? ['train', ...o.flags, '--out', out] : ['train', '--resume', dir];
    const killAt =
      log.length < o.maxKills
        ? startupMs / 2 + rand() * (startupMs / 2 + trainMs / o.maxKills)
        : null;
    const r = await runChild(argv, o.cwd, killAt);
    if (dir === null) {
      try {
        dir = runDir(out);
      } catch {
        // killed before the run folder existed: start over
        if (r.signal === 'SIGKILL') {
          log.push({ delayMs: Math.round(killAt!), lastStep: null });
          continue;
        }
        throw new Error(`kill campaign: no run folder: ${r.stderr}`);
      }
    }
    if (r.signal === 'SIGKILL') {
      const st = MetricStore.open(join(dir, 'metrics.sqlite'), { readonly: true });
      try {
        log.push({ delayMs: Math.round(killAt!), lastStep: st.latestStep() });
      } finally {
        st.close();
      }
      continue;
    }
    if (r.code !== 0)
      throw new Error(`kill campaign: smd ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
    return {
      dir,
      refDir: runDir(join(o.cwd, 'ref')),
      kills: log.length,
      log,
      startupMs,
      totalMs: ref.ms,
    };
  }
}
