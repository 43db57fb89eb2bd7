/**
 * Metric export in long format: one row per (step, param, metric, channel) with its value;
 * scalars are rows with param = null and metric = the scalar's name. Rows are ordered by step,
 * scalars before probes within a step. Formats:
 *   csv      header `step,param,metric,channel,value`; null → empty field; NaN/±Infinity spelled out
 *   json     { manifest, params, events, rows: LongRow[] } with NaN/±Infinity as strings
 *   parquet  columns step INT32, param STRING?, metric STRING, channel INT32?, value DOUBLE;
 *            key-value metadata smd.manifest / smd.params / smd.events (JSON)
 * Files are written to a temp name and renamed, so a reader never sees half an export.
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { ParquetWriter, fileWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { LongRow } from './browser/metric-types.js';
import { tempPathFor } from './fs-atomic.js';
import type { MetricStore } from './metric-store.js';
import { InputError } from '@smd/formats';
import type { Run } from './run.js';

/** Export formats. */
export type ExportFormat = 'csv' | 'json' | 'parquet';

/** Export formats accepted by {@link exportMetrics}. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json', 'parquet'];

/** What {@link exportMetrics} wrote. */
export interface ExportResult {
  path: string;
  rows: number;
}

/** All rows of the store in long format, ordered by step (scalars first within a step). */
export function* longRows(store: MetricStore): IterableIterator<LongRow> {
  const sc = store.iterateScalars();
  const pr = store.iterateProbes();
  try {
    let s = sc.next();
    let p = pr.next();
    while (!s.done || !p.done) {
      if (!s.done && (p.done || s.value.step <= p.value.step)) {
        yield {
          step: s.value.step,
          param: null,
          metric: s.value.name,
          channel: null,
          value: s.value.value,
        };
        s = sc.next();
      } else if (!p.done) {
        const r = p.value;
        yield {
          step: r.step,
          param: r.param,
          metric: r.metric,
          channel: r.channel,
          value: r.value,
        };
        p = pr.next();
      }
    }
  } catch (e) {
    // quick_check at open does not visit every page: corruption can surface mid-read
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    ) {
      throw new InputError(`${store.path}: corrupt metric store (${(e as Error).message})`);
    }
    throw e;
  } finally {
    // a read error (corrupt file) in one iterator must not leave the other's statement open:
    // closing the store would then fail with "connection is busy" and hide the real error
    sc.return?.(undefined);
    pr.return?.(undefined);
  }
}

/** Buffered append to a file descriptor. */
class TextSink {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly fd: number) {}
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length) writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

function csvField(s: string | null): string {
  if (s === null) return '';
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** NaN/±Infinity as strings (JSON has no such numbers); other numbers unchanged. */
function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function writeText(out: string, body: (sink: TextSink) => number): number {
  const tmp = tempPathFor(out);
  const fd = openSync(tmp, 'w', 0o644);
  let rows: number;
  try {
    const sink = new TextSink(fd);
    rows = body(sink);
    sink.flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, out);
  return rows;
}

async function writeParquet(run: Run, out: string): Promise<number> {
  const tmp = tempPathFor(out);
  const chunk = 100_000;
  const schema = schemaFromColumnData({
    columnData: [
      { name: 'step', data: [], type: 'INT32', nullable: false },
      { name: 'param', data: [], type: 'STRING', nullable: true },
      { name: 'metric', data: [], type: 'STRING', nullable: false },
      { name: 'channel', data: [], type: 'INT32', nullable: true },
      { name: 'value', data: [], type: 'DOUBLE', nullable: false },
    ],
  });
  const store = run.metrics;
  const pw = new ParquetWriter({
    writer: fileWriter(tmp),
    schema,
    kvMetadata: [
      { key: 'smd.manifest', value: JSON.stringify(run.manifest) },
      { key: 'smd.params', value: JSON.stringify(store.params()) },
      { key: 'smd.events', value: JSON.stringify(store.events()) },
    ],
    createdBy: '@smd/runs',
  });
  let rows = 0;
  let cols = {
    step: [] as number[],
    param: [] as (string | null)[],
    metric: [] as string[],
    channel: [] as (number | null)[],
    value: [] as number[],
  };
  const emit = async (): Promise<void> => {
    if (cols.step.length === 0) return;
    await pw.write({
      columnData: [
        { name: 'step', data: Int32Array.from(cols.step) },
        { name: 'param', data: cols.param },
        { name: 'metric', data: cols.metric },
        { name: 'channel', data: cols.channel },
        { name: 'value', data: Float64Array.from(cols.value) },
      ],
      rowGroupSize: chunk,
    });
    cols = { step: [], param: [], metric: [], channel: [], value: [] };
  };
  for (const r of longRows(store)) {
    if (r.step > 0x7fffffff)
      throw new RangeError(`exportMetrics: step ${r.step} does not fit parquet INT32`);
    cols.step.push(r.step);
    cols.param.push(r.param);
    cols.metric.push(r.metric);
    cols.channel.push(r.channel);
    cols.value.push(r.value);
    rows++;
    if (cols.step.length >= chunk) await emit();
  }
  await emit();
  await pw.finish();
  renameSync(tmp, out);
  return rows;
}

/**
 * Exports the run's metrics to `out` in `format` (see the module comment). Reads committed
 * rows (flushing first when `run` is this process's writer), so it works on a live run too.
 */
export async function exportMetrics(
  run: Run,
  format: ExportFormat,
  out: string,
): Promise<ExportResult> {
  const store = run.metrics;
  if (run.mode === 'write') store.flush(); // include this process's buffered rows
  switch (format) {
    case 'csv': {
      const rows = writeText(out, (sink) => {
        let n = 0;
        sink.write('step,param,metric,channel,value\n');
        for (const r of longRows(store)) {
          sink.write(
            `${r.step},${csvField(r.param)},${csvField(r.metric)},${r.channel ?? ''},${String(r.value)}\n`,
          );
          n++;
        }
        return n;
      });
      return { path: out, rows };
    }
    case 'json': {
      const rows = writeText(out, (sink) => {
        sink.write(
          `{"manifest":${JSON.stringify(run.manifest)},\n"params":${JSON.stringify(store.params())},\n`,
        );
        sink.write(`"events":${JSON.stringify(store.events())},\n"rows":[`);
        let n = 0;
        for (const r of longRows(store)) {
          sink.write((n ? ',\n' : '\n') + JSON.stringify({ ...r, value: jsonNumber(r.value) }));
          n++;
        }
        sink.write('\n]}\n');
        return n;
      });
      return { path: out, rows };
    }
    case 'parquet':
      return { path: out, rows: await writeParquet(run, out) };
    default: {
      const bad: never = format;
      throw new TypeError(
        `exportMetrics: format must be one of ${EXPORT_FORMATS.join(', ')}, got '${bad}'`,
      );
    }
  }
}
