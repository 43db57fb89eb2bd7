import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PROBE_METRICS } from './browser/metric-types.js';
import { METRIC_SCHEMA, METRIC_SCHEMA_SQL } from './metric-schema.js';
import { MetricStore } from './metric-store.js';
import { runPython } from '@smd/test-support/runs';

/** Everything that defines a store's shape: DDL of every object, the metric catalog, meta, pragmas. */
function shapeOf(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return {
      objects: db
        .prepare(
          "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all(),
      metrics: db.prepare('SELECT id, name FROM probe_metrics ORDER BY id').all(),
      meta: db.prepare('SELECT key, value FROM meta ORDER BY key').all(),
      journal: db.pragma('journal_mode', { simple: true }),
    };
  } finally {
    db.close();
  }
}

test('the TS store and the Python writer create identical schemas from metric-store.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smd-schema-'));
  try {
    const ts = join(dir, 'ts.sqlite');
    const py = join(dir, 'py.sqlite');
    MetricStore.open(ts).close();
    runPython([
      '-c',
      'import sys; from smd_torch.store import open_metric_db; open_metric_db(sys.argv[1]).close()',
      py,
    ]);
    const a = shapeOf(ts) as { objects: { sql: string }[]; metrics: unknown[] };
    assert.deepEqual(shapeOf(py), a);
    // and the shape is the schema file's: every table, the metrics at ids 1..n in order, WAL
    assert.equal(a.objects.length, 11);
    assert.deepEqual(
      a.metrics,
      PROBE_METRICS.map((name, i) => ({ id: i + 1, name })),
    );
    assert.equal((shapeOf(py) as { journal: string }).journal, 'wal');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the schema file expands to DDL with the metric and event lists and no placeholder left', () => {
  assert.doesNotMatch(METRIC_SCHEMA_SQL, /\{\{/);
  assert.match(
    METRIC_SCHEMA_SQL,
    /CHECK \(name IN \('norm', 'delta_rad', .*'checkpoint_angle_rad', 'update_rms', 'rotation_spread'\)\)/,
  );
  assert.match(METRIC_SCHEMA_SQL, /CHECK \(kind IN \('divergence', .*'note'\)\)/);
  assert.equal(METRIC_SCHEMA.version, 1);
  assert.equal(METRIC_SCHEMA.wholeTensorChannel, -1);
});
