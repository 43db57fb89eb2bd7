"""The smd run folder, written from Python: the same layout, manifest, lock and metric store as
packages/runs (run.ts, run-lock.ts, metric-store.ts), so `smd runs`, `smd serve` and `smd report`
read it unchanged.

  <root>/<id>/manifest.json    atomic JSON (format 1)
              metrics.sqlite   SQLite WAL, schema from metric-store.json
              checkpoints/     (empty: the probe saves no weights)
              run.log          append-only "<ISO time> <LEVEL> <message>" lines
              run.lock         {pid, hostname, startedAt} while writing; mtime = heartbeat
              status.json      {status, endedAt, lastStep} once closed

The folder is built under a hidden staging name and renamed into place. Rows are buffered and
committed in one transaction per batch of whole steps together with meta.ended_step, so a reader
(or a crash) never sees half a step."""
import datetime as _dt
import json
import math
import os
import platform
import re
import socket
import sqlite3
import subprocess
import sys
import time
from typing import Iterable, List, Optional, Sequence, Tuple

from . import schema

MANIFEST_FORMAT = 1


def _now_iso(t: Optional[float] = None) -> str:
    d = _dt.datetime.fromtimestamp(time.time() if t is None else t, _dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_atomic(path: str, text: str) -> None:
    """Writes `text` to `path` via a fsynced temporary file and a rename."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(os.path.dirname(path) or ".")


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]
    return s or "run"


def describe_machine() -> dict:
    """The manifest's machine record (node: the field holds the Python version here)."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        model = platform.processor() or "unknown"
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        mem = 0
    return {
        "hostname": socket.gethostname(),
        "platform": sys.platform,
        "arch": platform.machine(),
        "cpus": os.cpu_count() or 0,
        "cpuModel": model,
        "totalMemBytes": int(mem),
        "node": f"python {platform.python_version()}",
    }


def git_sha(cwd: str = ".") -> Optional[str]:
    """HEAD of the git repository around `cwd`, or None."""
    try:
        r = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    sha = r.stdout.strip()
    return sha if r.returncode == 0 and re.fullmatch(r"[0-9a-f]{7,64}", sha) else None


def _check_json(v, path: str) -> None:
    """Raises ValueError naming the first value that is not plain finite JSON data."""
    if v is None or isinstance(v, (bool, str)):
        return
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"manifest: field '{path}' must be a finite number, got {v}")
        return
    if isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            _check_json(x, f"{path}[{i}]")
        return
    if isinstance(v, dict):
        for k, x in v.items():
            if not isinstance(k, str):
                raise ValueError(f"manifest: field '{path}' has a non-string key {k!r}")
            _check_json(x, f"{path}.{k}")
        return
    raise ValueError(f"manifest: field '{path}' must be JSON data, got {type(v).__name__}")


def open_metric_db(path: str) -> sqlite3.Connection:
    """Opens (creating) metrics.sqlite with the schema, the metric catalog and schema_version."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    p = schema.PRAGMAS
    db.execute(f"PRAGMA busy_timeout = {int(p['busy_timeout'])}")
    db.execute(f"PRAGMA journal_mode = {p['journal_mode']}")
    db.execute(f"PRAGMA synchronous = {p['synchronous']}")
    db.execute(f"PRAGMA wal_autocheckpoint = {int(p['wal_autocheckpoint'])}")
    db.executescript(schema.SCHEMA_SQL)
    db.execute("BEGIN")
    db.executemany(
        "INSERT OR IGNORE INTO probe_metrics (id, name) VALUES (?, ?)",
        [(i, m) for m, i in schema.PROBE_METRIC_IDS.items()],
    )
    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(schema.VERSION),))
    db.execute("COMMIT")
    v = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    if v != str(schema.VERSION):
        db.close()
        raise RuntimeError(f"{path}: metric store schema_version must be {schema.VERSION}, got {v}")
    return db


def _sql(v: float) -> Optional[float]:
    return None if v != v else float(v)  # NaN → NULL


class RunWriter:
    """Creates a run folder and writes its metric store (one writer; see the module comment).

    Buffer rows with `scalar`, `probe`, `event`; `end_step(t)` declares steps <= t complete and
    commits every `batch_steps` ended steps or `max_latency_s` seconds; `close` commits, writes
    status.json and releases the lock."""

    def __init__(
        self,
        root: str,
        name: str,
        config: dict,
        seed: int,
        backend: str,
        versions: dict,
        batch_steps: int = 10,
        max_latency_s: float = 0.5,
    ):
        _check_json(config, "config")
        if not isinstance(seed, int) or isinstance(seed, bool) or abs(seed) > 2**53 - 1:
            raise ValueError(f"manifest: field 'seed' must be an integer within ±2^53, got {seed!r}")
        self.batch_steps = int(batch_steps)
        self.max_latency_s = float(max_latency_s)
        now = time.time()
        os.makedirs(root, exist_ok=True)
        stamp = _dt.datetime.fromtimestamp(now, _dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        base = f"{stamp}-{_slug(name)}"
        rid, i = base, 2
        while os.path.exists(os.path.join(root, rid)):
            rid, i = f"{base}-{i}", i + 1
        self.id = rid
        self.manifest = {
            "format": MANIFEST_FORMAT,
            "id": rid,
            "name": name,
            "createdAt": _now_iso(now),
            "config": config,
            "seed": seed,
            "backend": backend,
            "fallbacks": [],
            "versions": versions,
            "gitSha": git_sha(),
            "machine": describe_machine(),
        }
        stage = os.path.join(root, f".{rid}.creating-{os.getpid()}")
        os.mkdir(stage)
        try:
            write_file_atomic(os.path.join(stage, "manifest.json"), json.dumps(self.manifest, indent=2) + "\n")
            os.mkdir(os.path.join(stage, "checkpoints"))
            open_metric_db(os.path.join(stage, "metrics.sqlite")).close()
            self._log = open(os.path.join(stage, "run.log"), "a", encoding="utf-8")
            self.log(f"created run {rid} (pid {os.getpid()}, backend {backend}, seed {seed}) by smd_torch")
            lock = {"pid": os.getpid(), "hostname": socket.gethostname(), "startedAt": _now_iso()}
            fd = os.open(os.path.join(stage, "run.lock"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, (json.dumps(lock) + "\n").encode())
            os.fsync(fd)
            os.close(fd)
            _fsync_dir(stage)
            self.dir = os.path.join(root, rid)
            os.rename(stage, self.dir)
            _fsync_dir(root)
        except BaseException:
            import shutil

            shutil.rmtree(stage, ignore_errors=True)
            raise
        self._log.close()
        self._log = open(os.path.join(self.dir, "run.log"), "a", encoding="utf-8")
        self.db = open_metric_db(os.path.join(self.dir, "metrics.sqlite"))
        self._param_ids = {}
        self._series = set()
        self._scalar_names = set()
        self._scalars: List[Tuple[int, str, Optional[float]]] = []
        self._probes: List[Tuple[int, str, int, int, Optional[float]]] = []
        self._events: List[Tuple[int, str, str]] = []
        self._event_seq = {}
        self.last_ended = -1
        self._committed_ended = -1
        self._since_commit = 0
        self._last_commit = time.monotonic()
        self._last_beat = 0.0
        self.closed = False

    def log(self, message: str, level: str = "info") -> None:
        """Appends a timestamped line to run.log."""
        prefix = f"{_now_iso()} {level.upper()} "
        self._log.write("".join(prefix + line + "\n" for line in str(message).splitlines() or [""]))
        self._log.flush()

    def declare_params(self, infos: Iterable[Tuple[str, Optional[Sequence[int]], Optional[bool], str]]) -> None:
        """Records (or updates) (name, shape, scale_invariant, reason) rows; committed at once."""
        db = self.db
        db.execute("BEGIN")
        try:
            for name, shape, inv, reason in infos:
                db.execute(
                    "INSERT INTO params (name, shape, scale_invariant, reason) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET shape = excluded.shape, "
                    "scale_invariant = excluded.scale_invariant, reason = excluded.reason",
                    (
                        name,
                        None if shape is None else json.dumps([int(d) for d in shape], separators=(",", ":")),
                        None if inv is None else int(bool(inv)),
                        reason or "",
                    ),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _check_step(self, step: int, what: str) -> None:
        if step <= self.last_ended:
            raise ValueError(f"{what}: step {step} was already ended (end_step({self.last_ended}))")

    def scalar(self, step: int, name: str, value: float) -> None:
        """Buffers one scalar (loss, lr, …) of `step`."""
        self._check_step(step, f"scalar '{name}'")
        if not isinstance(name, str) or not name:
            raise ValueError(f"scalar name must be a non-empty string, got {name!r}")
        self._scalars.append((step, name, _sql(value)))

    def probe(self, step: int, param: str, metric: str, value: float, channel: int = -1) -> None:
        """Buffers one probe sample; channel -1 = whole tensor. Non-finite values are skipped."""
        if not math.isfinite(value):
            return
        self._probes.append((step, param, schema.PROBE_METRIC_IDS[metric], channel, float(value)))

    def event(self, step: int, kind: str, message: str) -> None:
        """Buffers an event; events of one step get seq 0, 1, … in logging order."""
        if kind not in schema.EVENT_KINDS:
            raise ValueError(f"event kind must be one of {schema.EVENT_KINDS}, got {kind!r}")
        if step not in self._event_seq:
            row = self.db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM events WHERE step = ?", (step,)).fetchone()
            self._event_seq[step] = row[0]
        seq = self._event_seq[step]
        self._event_seq[step] = seq + 1
        self._events.append((step, seq, kind, str(message)))

    def end_step(self, step: int) -> None:
        """Declares steps <= `step` complete; commits per batch_steps / max_latency_s."""
        if step < self.last_ended:
            raise ValueError(f"end_step: step {step} is before the last ended step {self.last_ended}")
        self.last_ended = step
        self._since_commit += 1
        if self._since_commit >= self.batch_steps or time.monotonic() - self._last_commit >= self.max_latency_s:
            self.flush()

    def _param_id(self, name: str) -> int:
        pid = self._param_ids.get(name)
        if pid is None:
            self.db.execute("INSERT OR IGNORE INTO params (name) VALUES (?)", (name,))
            pid = self.db.execute("SELECT id FROM params WHERE name = ?", (name,)).fetchone()[0]
            self._param_ids[name] = pid
        return pid

    def flush(self) -> None:
        """Commits every buffered row and meta.ended_step in one transaction."""
        if self._scalars or self._probes or self._events or self.last_ended != self._committed_ended:
            db = self.db
            db.execute("BEGIN")
            try:
                names = {n for _, n, _ in self._scalars} - self._scalar_names
                db.executemany("INSERT OR IGNORE INTO scalar_names (name) VALUES (?)", [(n,) for n in names])
                db.executemany("INSERT INTO scalars (step, name, value) VALUES (?, ?, ?)", self._scalars)
                rows = []
                series = []
                for step, param, mid, ch, v in self._probes:
                    pid = self._param_id(param)
                    key = (pid, mid, ch)
                    if key not in self._series:
                        self._series.add(key)
                        series.append(key)
                    rows.append((step, pid, mid, ch, v))
                db.executemany(
                    "INSERT OR IGNORE INTO probe_series (param_id, metric_id, channel) VALUES (?, ?, ?)", series
                )
                db.executemany(
                    "INSERT INTO probes (step, param_id, metric_id, channel, value) VALUES (?, ?, ?, ?, ?)", rows
                )
                db.executemany("INSERT INTO events (step, seq, kind, message) VALUES (?, ?, ?, ?)", self._events)
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('ended_step', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(self.last_ended),),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                self._param_ids.clear()
                self._series.clear()
                self._scalar_names.clear()
                raise
            self._scalar_names |= names
            self._scalars, self._probes, self._events = [], [], []
            self._committed_ended = self.last_ended
        self._since_commit = 0
        self._last_commit = time.monotonic()
        self.beat()

    def beat(self) -> None:
        """Refreshes run.lock's mtime (the heartbeat other hosts read), at most once a second."""
        now = time.time()
        if now - self._last_beat >= 1.0:
            self._last_beat = now
            try:
                os.utime(os.path.join(self.dir, "run.lock"))
            except OSError:
                pass

    def close(self, status: str = "finished") -> None:
        """Commits, writes status.json ('finished' | 'diverged'; None: leave it 'killed') and unlocks."""
        if self.closed:
            return
        self.flush()
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        last = self.db.execute("SELECT MAX(step) FROM (SELECT MAX(step) AS step FROM scalars UNION ALL SELECT MAX(step) FROM probes)").fetchone()[0]
        if status is not None:
            self.log(f"run {status} at step {last if last is not None else 'none'}")
            info = {"status": status, "endedAt": _now_iso(), "lastStep": last}
            write_file_atomic(os.path.join(self.dir, "status.json"), json.dumps(info, indent=2) + "\n")
        self.db.close()
        self._log.close()
        self.closed = True
        try:
            os.unlink(os.path.join(self.dir, "run.lock"))
        except FileNotFoundError:
            pass
