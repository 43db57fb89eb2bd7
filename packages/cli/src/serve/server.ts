/**
 * The dashboard's HTTP server (node:http, GET/HEAD only). Serves exactly: the page (/), the web
 * bundle (/app.js, /app.css), the explorer (/explore/, built on first request) and JSON: api/runs
 * (the listing: one analyzed row per run), api/runs/<id>/data (whole run)
 * and api/runs/<id>/since?step=N[&analysis=M][&coarse=1] (rows after step N, the analysis when
 * it moved past step M, and the exact series for a page holding coarse ones, for live polling).
 * Series are down-sampled in SQL or sampled by index (coarse) and the analysis runs in a worker
 * thread (served-run.ts), so every answer on a 10⁶-step run takes a bounded time. Nothing is mapped to a
 * file path from the URL; a run id must name a run folder in the listing of the root. Errors
 * become JSON {error} responses; the server never crashes on a bad or vanished run.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { listRuns, MANIFEST_FILE } from '@smd/runs';
import { compactNumbers, type RunListEntry, htmlPage } from '@smd/web';
import { readWebAsset } from '../report/assets.js';
import { Analyst, ServedRun } from './served-run.js';
import { explorePage } from '../explore/explore-page.js';
import { shippedFashionMnist } from '../explore/explore-data.js';
import { DatasetError } from '../data/load-idx-dataset.js';

/** The explorer with the Fashion-MNIST subset; without it (dataset not installed) when missing. */
function exploreWithData(): string {
  try {
    return explorePage(shippedFashionMnist());
  } catch (e) {
    if (e instanceof DatasetError) return explorePage(null);
    throw e;
  }
}

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Folder holding run folders. */
  root: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Points per series in a response (default 3000). */
  maxPoints?: number;
}

/** A running dashboard. */
export interface Dashboard {
  server: Server;
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** An IPv4 literal, or an IPv6 literal in brackets (as it appears in a Host header). */
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\])$/;

/**
 * DNS-rebinding guard: a page on evil.example whose name is re-pointed at 127.0.0.1 reaches this
 * server with `Host: evil.example:PORT`, and the browser then treats our answers as same-origin.
 * So only Host names that cannot be re-pointed are served: IP literals, `localhost`, and the
 * `--host` the server was started with. A cross-site `Origin` (any browser fetch from another
 * page) is refused as well, so the JSON is never handed to another site's script.
 */
export function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(:\d{1,5})?$/.exec(hostHeader);
  if (!m) return false;
  const name = m[1].toLowerCase();
  return IP_LITERAL.test(name) || name === 'localhost' || name === boundHost.toLowerCase();
}

/** True when an `Origin` header is absent (same-origin GET, curl) or names this server's Host. */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && u.host === hostHeader;
  } catch {
    return false;
  }
}

/** The analysis columns of a run-list row that could not be analyzed. */
const EMPTY_ROW = {
  optimizer: null,
  lr: null,
  schedule: null,
  weightDecay: null,
  momentum: null,
  finalLoss: null,
  testAcc: null,
  medianDeltaRatio: null,
  medianPredictedError: null,
  explainedSpread: null,
  alerts: 0,
  pending: false,
};

/** Folder of run `id` if it is a run folder listed under `root`, else a 404. */
export function runDirOf(root: string, id: string): string {
  if (!RUN_ID.test(id) || id.includes('..'))
    throw new HttpError(404, `no run with id "${id.slice(0, 80)}"`);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    throw new HttpError(404, `runs folder ${root} does not exist`);
  }
  const dir = join(root, id);
  if (!names.includes(id) || !existsSync(join(dir, MANIFEST_FILE))) {
    throw new HttpError(404, `no run with id "${id}"`);
  }
  return dir;
}

/** Query field `name`: an integer >= -1 (default `dflt` when absent), else a 400. */
function stepField(query: URLSearchParams, name: string, dflt: number): number {
  const raw = query.get(name);
  if (raw === null) return dflt;
  const v = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(v) || v < -1) {
    throw new HttpError(
      400,
      `query field "${name}" must be an integer >= -1 (got "${raw.slice(0, 40)}")`,
    );
  }
  return v;
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  head: boolean,
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(head ? undefined : body);
}

/** Starts the dashboard server and resolves once it listens. */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const root = resolve(o.root);
  const cap = o.maxPoints ?? 3000;
  const js = readWebAsset('app.js');
  const css = readWebAsset('app.css');
  const page = htmlPage({
    title: 'smd dashboard',
    subtitle: root,
    css: { href: 'app.css' },
    js: { src: 'app.js' },
  });
  const analyst = new Analyst();
  const served = new Map<string, ServedRun>();
  let explore: string | null = null;

  const runOf = (id: string): ServedRun => {
    const dir = runDirOf(root, id);
    let c = served.get(id);
    if (!c || c.dir !== dir) served.set(id, (c = new ServedRun(dir, analyst, cap)));
    return c;
  };

  const api = (path: string, query: URLSearchParams): unknown => {
    if (path === '/api/runs') {
      const { runs, invalid } = listRuns(root);
      return {
        root,
        runs: runs.map((r): RunListEntry => {
          try {
            return runOf(r.id).listEntry(r.lastStep);
          } catch (e) {
            return {
              ...EMPTY_ROW,
              id: r.id,
              name: r.name,
              createdAt: r.createdAt,
              status: r.status,
              lastStep: r.lastStep,
              error: (e as Error).message.split('\n')[0],
            };
          }
        }),
        invalid: invalid.map((x) => ({ dir: x.dir, error: x.error })),
      };
    }
    const m = /^\/api\/runs\/([^/]+)\/(data|since)$/.exec(path);
    if (!m) throw new HttpError(404, `not found: ${path.slice(0, 100)}`);
    let id: string;
    try {
      id = decodeURIComponent(m[1]);
    } catch {
      throw new HttpError(404, 'bad run id');
    }
    const c = runOf(id);
    const answer = (): unknown => {
      if (m[2] === 'data') return c.data();
      const step = stepField(query, 'step', -1);
      return c.delta(step, stepField(query, 'analysis', step), query.get('coarse') === '1');
    };
    try {
      return answer();
    } catch (e) {
      if (e instanceof HttpError) throw e;
      served.delete(id);
      if (!existsSync(join(c.dir, MANIFEST_FILE)))
        throw new HttpError(404, `run "${id}" was deleted`);
      throw e;
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const head = req.method === 'HEAD';
    try {
      if (!hostAllowed(req.headers.host, o.host))
        throw new HttpError(403, `Host "${String(req.headers.host).slice(0, 80)}" is not served`);
      if (!originAllowed(req.headers.origin, req.headers.host))
        throw new HttpError(403, `cross-origin request from "${req.headers.origin?.slice(0, 80)}"`);
      if (req.method !== 'GET' && !head)
        throw new HttpError(405, `method ${req.method} not allowed`);
      // Only origin-form targets ("/path?query"); "//x" or "http://x/y" is not ours to parse.
      const target = req.url ?? '/';
      // A backslash is a slash to WHATWG URL parsing ("/\\x" would name host x), so refuse it too.
      if (!target.startsWith('/') || target.startsWith('//') || target.includes('\\'))
        throw new HttpError(400, `request target must be a path (got "${target.slice(0, 80)}")`);
      const url = new URL(target, 'http://localhost');
      const path = url.pathname;
      if (path === '/' || path === '/index.html')
        return send(res, 200, 'text/html; charset=utf-8', page, head);
      if (path === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', js, head);
      if (path === '/app.css') return send(res, 200, 'text/css; charset=utf-8', css, head);
      if (path === '/explore') {
        res.writeHead(301, { location: '/explore/' });
        return void res.end();
      }
      if (path === '/explore/' || path === '/explore/index.html')
        return send(res, 200, 'text/html; charset=utf-8', (explore ??= exploreWithData()), head);
      if (!path.startsWith('/api/')) throw new HttpError(404, `not found: ${path.slice(0, 100)}`);
      send(
        res,
        200,
        'application/json',
        JSON.stringify(api(path, url.searchParams), compactNumbers),
        head,
      );
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      const message = (e as Error).message.split('\n')[0];
      send(res, status, 'application/json', JSON.stringify({ error: message }), head);
    }
  };

  const server = createServer(handle);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port, o.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${host}:${addr.port}/`,
    close: async () => {
      await new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      });
      await analyst.close();
    },
  };
}
