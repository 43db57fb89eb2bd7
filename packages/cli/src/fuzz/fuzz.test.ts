import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeIdx } from '@smd/formats';
import { readIdxFile } from '../data/index.js';
import {
  fuzzTarget,
  isCleanRejection,
  fuzzTargets,
  prepareFuzzWorkspace,
  type FuzzWorkspace,
} from '@smd/test-support/cli';

// A few thousand inputs per parser in CI; bench/fuzz.mjs runs 10⁵ (docs/reliability.md).
const RUNS = Number(process.env.SMD_FUZZ_RUNS ?? 1500);
let ws: FuzzWorkspace;

before(async () => {
  ws = await prepareFuzzWorkspace(mkdtempSync(join(tmpdir(), 'smd-fuzz-')));
});
after(() => rmSync(ws.dir, { recursive: true, force: true }));

test('every parser of user bytes: only one-line input errors, nothing slower than 1 s', async () => {
  for (const target of fuzzTargets(ws)) {
    const s = await fuzzTarget(target, RUNS, { seed: 7 });
    assert.equal(s.inputs, RUNS);
    assert.equal(s.crashes, 0, `${target.name}: ${JSON.stringify(s.examples)}`);
    assert.equal(s.hangs, 0, `${target.name}: ${s.hangs} inputs over 1 s (max ${s.maxMs} ms)`);
    // The campaign must reach both outcomes, or its inputs are not testing the parser.
    assert.ok(s.rejected > RUNS / 20, `${target.name}: only ${s.rejected} rejections`);
  }
});

test('a header claiming 10^12 elements fails fast, without allocating them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smd-fuzz-huge-'));
  try {
    const bytes = writeIdx({ shape: [1, 1], data: new Uint8Array(1) });
    const dv = new DataView(bytes.buffer);
    dv.setUint32(4, 1_000_000, false);
    dv.setUint32(8, 1_000_000, false); // 10¹² uint8 elements declared, 1 present
    writeFileSync(join(dir, 'x.idx'), bytes);
    const before = process.memoryUsage().arrayBuffers;
    const t = performance.now();
    assert.throws(
      () => readIdxFile(join(dir, 'x.idx')),
      (e) => isCleanRejection(e) && /x\.idx/.test(String(e)),
    );
    assert.ok(performance.now() - t < 100);
    assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
