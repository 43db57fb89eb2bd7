/** Reads a metric export (CSV, JSON or Parquet as written by exportMetrics) back into rows. */
import { readFileSync } from 'node:fs';
import { parquetReadObjects } from 'hyparquet';
import type { ExportFormat, LongRow } from '@smd/runs';

/** Splits one CSV line (RFC 4180 quoting; no embedded newlines in our exports' numbers). */
function splitCsv(line: string): (string | null)[] {
  const out: (string | null)[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`CSV: unterminated quote in ${JSON.stringify(line)}`);
        s += line.slice(i, q);
        if (line[q + 1] === '"') {
          s += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(s);
      i++; // skip comma
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      const f = line.slice(i, end);
      out.push(f === '' ? null : f);
      i = end + 1;
    }
  }
  return out;
}

/** Rows of an export file, in file order. Throws a one-line error naming the file on bad input. */
export async function readMetricsExport(path: string, format: ExportFormat): Promise<LongRow[]> {
  switch (format) {
    case 'csv': {
      const lines = readFileSync(path, 'utf8').split('\n');
      if (lines[0] !== 'step,param,metric,channel,value') {
        throw new Error(`${path}: CSV header must be 'step,param,metric,channel,value'`);
      }
      return lines
        .slice(1)
        .filter((l) => l.length > 0)
        .map((l) => {
          const [step, param, metric, channel, value] = splitCsv(l);
          return {
            step: Number(step),
            param,
            metric: metric ?? '',
            channel: channel === null ? null : Number(channel),
            value: Number(value),
          };
        });
    }
    case 'json': {
      const doc = JSON.parse(readFileSync(path, 'utf8')) as {
        rows?: (Omit<LongRow, 'value'> & { value: number | string })[];
      };
      if (!Array.isArray(doc.rows))
        throw new Error(`${path}: JSON export must have a 'rows' array`);
      return doc.rows.map((r) => ({ ...r, value: Number(r.value) }));
    }
    case 'parquet': {
      const buf = readFileSync(path);
      const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
      return rows.map((r) => ({
        step: Number(r.step),
        param: (r.param as string | null) ?? null,
        metric: r.metric as string,
        channel: r.channel === null || r.channel === undefined ? null : Number(r.channel),
        value: Number(r.value),
      }));
    }
  }
}
