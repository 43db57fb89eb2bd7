"""SMD measurements from float64 sums, in plain Python floats — the same formulas, names and
emission rules as packages/smd/src/probe (tensor-stats.ts, predict.ts, smd-probe.ts, window.ts).

Per tensor (or output channel) the probe reduces seven sums:
  ww = ‖w_t‖², gg = ‖g_t‖², wg = ⟨w_t, g_t⟩, vg = ⟨v_{t−1}, g_t⟩,
  wd = ⟨w_t, d⟩, dd = ‖d‖², w1w1 = ‖w_{t+1}‖²   with d = w_{t+1} − w_t formed in float64."""
import math
from typing import Dict, List, Optional, Sequence


def angle_from_sums(ww: float, wd: float, dd: float) -> float:
    """Δ = ∠(w, w + d) by the stable 2·atan2(‖u − u'‖, ‖u + u'‖) (see angleFromSums in TS)."""
    if not ww > 0:
        return math.nan
    a = math.sqrt(ww)
    r = wd / a
    t_sq = max(0.0, dd - (wd * wd) / ww)
    along = a + r
    b = math.sqrt(along * along + t_sq)
    if not b > 0:
        return math.nan
    apb = a + b + r
    e = -t_sq / apb if along >= 0 else b - along
    return 2 * math.atan2(math.sqrt(t_sq + e * e), math.sqrt(apb * apb + t_sq))


def stats_from_sums(ww, gg, wg, vg, wd, dd, w1w1, lr: float, momentum: float, n: int) -> Dict[str, float]:
    """The per-step measurements (TensorStats) keyed by store metric name; n = elements summed."""
    denom = math.sqrt(ww * gg)
    return {
        "norm": math.sqrt(ww),
        "delta_rad": angle_from_sums(ww, wd, dd),
        "grad_sq_norm": gg,
        "unit_grad_sq_norm": gg * ww,
        "h_tilde": (gg + 2 * momentum * vg) * ww,
        "v_dot_g": vg,
        "radial_cos": wg / denom if denom > 0 else math.nan,
        "lr_effective": lr / ww if ww > 0 else math.nan,
        "update_rms": math.sqrt(dd / n) if n > 0 else math.nan,
    }


def _applies(h: dict) -> bool:
    return h["predictable"] and h["lr"] > 0 and h["weight_decay"] > 0 and 0 <= h["momentum"] < 1


def delta_star(h: dict) -> float:
    """Δ* = arccos(1 − λη/(1+α)) = 2·asin(√(x/2)), or NaN where §2's dynamics do not apply."""
    if not _applies(h):
        return math.nan
    x = h["weight_decay"] * h["lr"] / (1 + h["momentum"])
    return 2 * math.asin(math.sqrt(x / 2))


def w_star(h: dict, L: float) -> float:
    """‖w*‖ with ‖w*‖⁴ = L·η/(λ(1−α)(2 − λη/(1+α))), or NaN where it does not apply."""
    if not _applies(h) or not (L > 0) or not math.isfinite(L):
        return math.nan
    lr, wd, a = h["lr"], h["weight_decay"], h["momentum"]
    return math.sqrt(math.sqrt((L * lr) / (wd * (1 - a) * (2 - (wd * lr) / (1 + a)))))


class RingWindow:
    """The last `capacity` values of `width` series; float64 means, re-summed exactly every
    `capacity` pushes (window.ts)."""

    def __init__(self, capacity: int, width: int = 1):
        self.capacity, self.width = capacity, width
        self.ring = [[0.0] * width for _ in range(capacity)]
        self.sums = [0.0] * width
        self.head = self.filled = self.since_exact = 0

    def push(self, values: Sequence[float]) -> None:
        full = self.filled == self.capacity
        row = self.ring[self.head]
        for j in range(self.width):
            x = values[j]
            self.sums[j] += x - row[j] if full else x
            row[j] = x
        self.head = (self.head + 1) % self.capacity
        if not full:
            self.filled += 1
        self.since_exact += 1
        if self.since_exact >= self.capacity:
            self.sums = [0.0] * self.width
            for i in range(self.filled):
                for j in range(self.width):
                    self.sums[j] += self.ring[i][j]
            self.since_exact = 0

    def means(self) -> List[float]:
        return [s / self.filled if self.filled else math.nan for s in self.sums]


# (metric, SGDM only), the emission order of appendSamples in smd-probe.ts
STAT_METRICS = [
    ("norm", False),
    ("delta_rad", False),
    ("grad_sq_norm", False),
    ("unit_grad_sq_norm", False),
    ("h_tilde", True),
    ("v_dot_g", True),
    ("radial_cos", False),
    ("lr_effective", False),
    ("update_rms", False),
]


def samples_of(stats: Dict[str, float], h: dict, L: float, channel: Optional[int]) -> List[tuple]:
    """(metric, value, channel) rows of one tensor or channel: stats, L_window, Δ* (whole tensor
    only), w*. Non-finite values are dropped by the writer."""
    sgdm = h["momentum"] > 0
    out = [(m, stats[m], channel) for m, only_sgdm in STAT_METRICS if sgdm or not only_sgdm]
    out.append(("L_window", L, channel))
    if channel is None:
        out.append(("delta_star", delta_star(h), None))
    out.append(("w_star", w_star(h, L), channel))
    return out


def rotation_spread(deltas: Sequence[float]) -> float:
    """Balanced rotation: std/mean of one step's Δ across a tensor's output channels
    (rotationSpread in smd-probe.ts); NaN with fewer than 2 channels."""
    n = len(deltas)
    if n < 2:
        return math.nan
    mean = sum(deltas) / n
    return math.sqrt(sum((x - mean) ** 2 for x in deltas) / n) / mean
