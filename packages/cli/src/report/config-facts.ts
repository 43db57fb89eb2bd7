/** A few facts of a run's config for the report header (key → short text). */
import type { Json } from '@smd/runs';

type Obj = { [key: string]: Json };

/** A few config facts for the report header. */
export function configFacts(config: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    const text = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    out[k] = text.length > 120 ? text.slice(0, 117) + '...' : text;
    if (Object.keys(out).length >= 12) break;
  }
  return out;
}
