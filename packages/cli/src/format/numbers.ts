/** Number formatting shared by the CLI's human-readable outputs. */

/**
 * x with at most `digits` significant digits and no trailing zeros, no exponent for
 * 1e-6 ≤ |x| < 1e7 ("0.0032444", "0.1", "1e-8").
 */
export function sig(x: number, digits = 5): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'n/a' : x > 0 ? '∞' : '-∞';
  if (x === 0) return '0';
  const ax = Math.abs(x);
  if (ax < 1e-6 || ax >= 1e7) return x.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  const s = x.toPrecision(digits);
  const plain = s.includes('e') ? Number(s).toString() : s;
  return plain.includes('.') ? plain.replace(/\.?0+$/, '') : plain;
}

/** Integer with thousands separators ("450,450"). */
export function int(x: number): string {
  if (!Number.isFinite(x)) return sig(x);
  return Math.round(x).toLocaleString('en-US');
}

/** Fixed decimals, dropping a useless "-0". */
export function fixed(x: number, decimals: number): string {
  if (!Number.isFinite(x)) return sig(x);
  const s = x.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** A percentage with one decimal ("98.9%"). */
export function pct(x: number): string {
  return Number.isFinite(x) ? `${fixed(x, 1)}%` : 'n/a';
}

/** Epoch count: up to 2 decimals, trailing zeros trimmed ("30", "22.09"); 2 digits below 1 ("0.0018"). */
export function epochs(x: number): string {
  if (!Number.isFinite(x)) return sig(x);
  if (x !== 0 && Math.abs(x) < 1) return sig(x, 2);
  return String(Number(x.toFixed(x >= 100 ? 0 : 2)));
}

/** Left-aligned text table with a header row and a dashed rule under it. */
export function textTable(header: string[], rows: string[][], rightAlign: boolean[] = []): string {
  const w = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, j) => (rightAlign[j] ? c.padStart(w[j]) : c.padEnd(w[j])))
      .join('  ')
      .trimEnd();
  return [line(header), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n') + '\n';
}

/** One CSV field: quoted when it holds a comma, quote or newline. */
export function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
