import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeExport, looksLikeExport } from './dropped-export.js';

// A valid export is analyzed in the Chromium test (explore-files.test.ts) against smd report's
// own analysis of the run; here, the one-line errors for files that are not usable exports.
const manifest = {
  format: 1,
  id: 'r1',
  name: 'r',
  createdAt: '2026-01-01T00:00:00.000Z',
  config: { optimizer: 'sgdm', lr: 0.1, weightDecay: 5e-4, momentum: 0.9 },
  seed: 0,
  backend: 'ts',
  fallbacks: [],
  versions: {},
  gitSha: null,
  machine: {
    hostname: 'h',
    platform: 'linux',
    arch: 'x64',
    cpus: 2,
    cpuModel: 'cpu',
    totalMemBytes: 0,
    node: 'v20',
  },
};

test('bad exports fail in one line naming the file and what was expected', () => {
  const bad = (text: string, re: RegExp): void =>
    assert.throws(
      () => analyzeExport(text, 'x.json'),
      (e: Error) => re.test(e.message) && !e.message.includes('\n'),
    );
  bad('{"manifest": ', /^x\.json: not JSON/);
  bad('{"manifest": {}}', /^x\.json: expected an smd export/);
  bad(JSON.stringify({ manifest: { name: 1 }, rows: [] }), /^x\.json: manifest/);
  bad(JSON.stringify({ manifest, params: [], rows: [{ step: 'a' }] }), /rows\[0\]: expected/);
  bad(JSON.stringify({ manifest, params: [], rows: [] }), /no per-tensor delta_rad rows/);
  assert.equal(looksLikeExport(' {\n "manifest":{}'), true);
  assert.equal(looksLikeExport('{"rows": []}'), false);
});
