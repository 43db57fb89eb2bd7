/**
 * Read-side guard of a metrics.sqlite connection: SQLite reports a damaged file only when a
 * query reaches the damaged page ("database disk image is malformed"), which may be long after
 * the store opened. Every statement of a guarded connection turns such an SqliteError into a
 * one-line InputError naming the file, so `smd report`, `serve` and `export` say which store is
 * broken (exit 2) instead of failing with an internal error. A full integrity check at open
 * would read the whole file on every open (the run listing opens every store per poll).
 */
import type Database from 'better-sqlite3';
import { InputError } from '@smd/formats';

const isSqliteError = (e: unknown): e is Error & { code: string } => {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_');
};

function rethrow(e: unknown, path: string): never {
  if (isSqliteError(e)) throw new InputError(`${path}: cannot read metric store (${e.message})`);
  throw e;
}

/** Statement methods that return the statement itself (chainable) or run the query. */
const CHAIN = new Set(['pluck', 'raw', 'expand', 'safeIntegers', 'bind']);
const RUN = new Set(['get', 'all', 'run', 'columns']);

function guardStatement(stmt: Database.Statement, path: string): Database.Statement {
  const proxy: Database.Statement = new Proxy(stmt, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (CHAIN.has(prop))
        return (...a: unknown[]) => {
          fn.apply(target, a);
          return proxy;
        };
      if (RUN.has(prop))
        return (...a: unknown[]) => {
          try {
            return fn.apply(target, a);
          } catch (e) {
            return rethrow(e, path);
          }
        };
      if (prop === 'iterate')
        return (...a: unknown[]) => {
          let it: IterableIterator<unknown>;
          try {
            it = fn.apply(target, a) as IterableIterator<unknown>;
          } catch (e) {
            return rethrow(e, path);
          }
          const wrapped: IterableIterator<unknown> = {
            next: () => {
              try {
                return it.next();
              } catch (e) {
                return rethrow(e, path);
              }
            },
            return: (x?: unknown) => it.return?.(x) ?? { done: true, value: x },
            [Symbol.iterator]: () => wrapped,
          };
          return wrapped;
        };
      return fn.bind(target);
    },
  });
  return proxy;
}

/** `db` with every prepared statement guarded (see the file comment). */
export function guardReads(db: Database.Database, path: string): Database.Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'prepare')
        return (sql: string) => {
          try {
            return guardStatement(target.prepare(sql), path);
          } catch (e) {
            return rethrow(e, path);
          }
        };
      if (prop === 'pragma')
        return (...a: Parameters<Database.Database['pragma']>) => {
          try {
            return target.pragma(...a);
          } catch (e) {
            return rethrow(e, path);
          }
        };
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
