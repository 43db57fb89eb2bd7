"""The metrics.sqlite schema, read from metric-store.json: the same file packages/runs reads
(this package's copy is a symlink to packages/runs/schema/metric-store.json; a wheel holds the
file itself). Nothing here restates a table: the DDL, the metric and event lists, the ids and the
pragmas all come from that file."""
import json
from pathlib import Path
from typing import Dict, List

SCHEMA_FILE = Path(__file__).with_name("metric-store.json")


def _load() -> dict:
    try:
        return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise RuntimeError(f"{SCHEMA_FILE}: cannot read the smd metric-store schema ({e})") from e


SCHEMA = _load()
VERSION: int = SCHEMA["version"]
WHOLE_TENSOR_CHANNEL: int = SCHEMA["wholeTensorChannel"]
PROBE_METRICS: List[str] = list(SCHEMA["probeMetrics"])
EVENT_KINDS: List[str] = list(SCHEMA["eventKinds"])
PRAGMAS: Dict[str, object] = dict(SCHEMA["pragmas"])
# metric id in probes.metric_id: 1-based position in probeMetrics (fixed forever)
PROBE_METRIC_IDS: Dict[str, int] = {m: i + 1 for i, m in enumerate(PROBE_METRICS)}


def _quote_list(xs: List[str]) -> str:
    return ", ".join(f"'{x}'" for x in xs)


SCHEMA_SQL: str = (
    "\n".join(SCHEMA["sql"])
    .replace("{{PROBE_METRICS}}", _quote_list(PROBE_METRICS))
    .replace("{{EVENT_KINDS}}", _quote_list(EVENT_KINDS))
    .replace("{{WHOLE_TENSOR_CHANNEL}}", str(WHOLE_TENSOR_CHANNEL))
)
