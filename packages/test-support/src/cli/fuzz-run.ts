/**
 * The fuzz driver shared by the CI test (a few thousand inputs) and bench/fuzz.mjs (10⁵ per
 * target). Inputs come from fast-check: mutations of real seed files (bit flips, byte
 * overwrites, truncation, insertion, size fields overwritten with huge values) and each target's
 * structure-aware generator. Criteria per input: the target returns, or throws an error that is
 * an InputError/UsageError with a one-line message; no input takes longer than `maxMs`.
 */
import fc from 'fast-check';
import { InputError } from '@smd/formats';
import { UsageError } from '@smd/cli';

/** One parser of user bytes under test. */
export interface FuzzTarget {
  name: string;
  /** Real, valid files of the format (mutation seeds). */
  seeds(): Uint8Array[];
  /** Structure-aware inputs (e.g. headers with random fields), if the format has structure. */
  structured?: fc.Arbitrary<Uint8Array>;
  /** Feeds the bytes to the real reader (through a temp file where the reader takes a path). */
  run(bytes: Uint8Array): void | Promise<void>;
}

/** What a campaign found. */
export interface FuzzStats {
  target: string;
  inputs: number;
  accepted: number;
  rejected: number;
  /** Inputs that threw something other than a one-line InputError/UsageError. */
  crashes: number;
  /** The first few of them: error and input (hex, cut). */
  examples: { message: string; input: string }[];
  /** Inputs slower than maxMs. */
  hangs: number;
  maxMs: number;
  ms: number;
}

/** Mutations applied, in order, to a seed. Offsets are fractions of the length. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'huge'; at: number; width: 4 | 8; value: bigint };

const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: frac, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: frac,
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: frac }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: frac,
    bytes: fc.uint8Array({ maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant('huge' as const),
    at: frac,
    width: fc.constantFrom(4 as const, 8 as const),
    value: fc.constantFrom(0n, 1n, 0x7fffffffn, 0xffffffffn, 10n ** 12n, 2n ** 53n, 2n ** 63n - 1n),
  }),
);

function applyMutation(src: Uint8Array, m: Mutation): Uint8Array {
  const at = Math.floor(m.at * Math.max(1, src.length));
  switch (m.kind) {
    case 'flip': {
      if (src.length === 0) return src;
      const out = src.slice();
      out[at] ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (src.length === 0) return src;
      const out = src.slice();
      out[at] = m.value;
      return out;
    }
    case 'truncate':
      return src.subarray(0, at);
    case 'insert': {
      const out = new Uint8Array(src.length + m.bytes.length);
      out.set(src.subarray(0, at));
      out.set(m.bytes, at);
      out.set(src.subarray(at), at + m.bytes.length);
      return out;
    }
    case 'huge': {
      if (src.length < m.width) return src;
      const out = src.slice();
      const pos = Math.min(at, src.length - m.width);
      const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
      const little = m.at < 0.5; // both byte orders: IDX is big-endian, safetensors little
      if (m.width === 4) dv.setUint32(pos, Number(m.value & 0xffffffffn), little);
      else dv.setBigUint64(pos, m.value, little);
      return out;
    }
  }
}

/** Inputs for `target`: mutated seeds, its structured generator, and raw random bytes. */
export function inputsOf(target: FuzzTarget): fc.Arbitrary<Uint8Array> {
  const seeds = target.seeds();
  const mutated = fc
    .tuple(
      fc.integer({ min: 0, max: seeds.length - 1 }),
      fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
    )
    .map(([i, ms]) => ms.reduce(applyMutation, seeds[i]));
  const arbs: fc.Arbitrary<Uint8Array>[] = [mutated, mutated, fc.uint8Array({ maxLength: 256 })];
  if (target.structured) arbs.push(target.structured, target.structured);
  return fc.oneof(...arbs);
}

/** True for the documented failure: a one-line InputError or UsageError. */
export function isCleanRejection(e: unknown): boolean {
  return (
    (e instanceof InputError || e instanceof UsageError) &&
    e.message.length > 0 &&
    !e.message.includes('\n')
  );
}

const hex = (b: Uint8Array): string =>
  Buffer.from(b.subarray(0, 64)).toString('hex') + (b.length > 64 ? `…(${b.length} bytes)` : '');

/** Runs `runs` inputs against `target` with a fixed seed; never throws, returns the stats. */
export async function fuzzTarget(
  target: FuzzTarget,
  runs: number,
  opts: { seed?: number; maxMs?: number } = {},
): Promise<FuzzStats> {
  const maxMs = opts.maxMs ?? 1000;
  const stats: FuzzStats = {
    target: target.name,
    inputs: 0,
    accepted: 0,
    rejected: 0,
    crashes: 0,
    examples: [],
    hangs: 0,
    maxMs: 0,
    ms: 0,
  };
  const t0 = performance.now();
  const arb = inputsOf(target);
  // Generated in chunks: 10⁵ inputs of a few kB each would not fit in memory at once.
  for (let done = 0; done < runs; done += 1000) {
    const chunk = fc.sample(arb, {
      numRuns: Math.min(1000, runs - done),
      seed: (opts.seed ?? 1) + done,
    });
    await runChunk(chunk);
  }
  stats.ms = performance.now() - t0;
  return stats;

  async function runChunk(chunk: Uint8Array[]): Promise<void> {
    for (const bytes of chunk) {
      const s = performance.now();
      try {
        await target.run(bytes);
        stats.accepted++;
      } catch (e) {
        if (isCleanRejection(e)) stats.rejected++;
        else if (stats.crashes++ < 3)
          stats.examples.push({
            message: String((e as Error)?.message ?? e).slice(0, 300),
            input: hex(bytes),
          });
      }
      const dt = performance.now() - s;
      stats.inputs++;
      stats.maxMs = Math.max(stats.maxMs, dt);
      if (dt > maxMs) stats.hangs++;
    }
  }
}
