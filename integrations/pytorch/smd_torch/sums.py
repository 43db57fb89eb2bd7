"""Float64 sums of one probed tensor on its device, as Gram matrices (no host sync here).

A tensor of n elements is viewed as `rows` rows of k = n / rows (rows = 1: whole tensor; rows =
out channels in per-channel mode). Its vectors are cast into a float64 scratch block S [rows, m, k]
and one batched matmul S·Sᵀ gives every dot product at once:
  pre  (before optimizer.step): S = [w_t, g_t, v_{t−1}]  → ww = G00, gg = G11, wg = G01, vg = G21
                                (m = 2 without a momentum buffer: vg = 0)
  post (after it):              S = [w_t, d, w_{t+1}]    → wd = G01, dd = G11, w1w1 = G22
d = w_{t+1} − w_t is formed in float64 from the two stored values (exact for float32 tensors), so
Δ keeps its precision far below float32 resolution, as in packages/smd/src/probe/sums.ts."""
from typing import Optional

import torch

PRE = 9  # floats per row reserved for the pre-step Gram (3×3, or 2×2 in the first 4)
POST = 9  # floats per row for the post-step Gram (3×3)


class Scratch:
    """One float64 work buffer per device, grown to the largest request."""

    def __init__(self):
        self.buf = {}

    def get(self, device: torch.device, n: int) -> torch.Tensor:
        b = self.buf.get(device)
        if b is None or b.numel() < n:
            b = torch.empty(n, dtype=torch.float64, device=device)
            self.buf[device] = b
        return b[:n]


def pre_gram(out: torch.Tensor, scratch: Scratch, w: torch.Tensor, g: torch.Tensor,
             v: Optional[torch.Tensor], rows: int) -> int:
    """Writes the pre-step Gram of each row into `out` [rows·PRE] (float64, w's device);
    returns m (3 with a momentum buffer, else 2)."""
    k = w.numel() // rows
    m = 3 if v is not None else 2
    s = scratch.get(w.device, rows * m * k).view(rows, m, k)
    s[:, 0].copy_(w.reshape(rows, k))
    s[:, 1].copy_(g.reshape(rows, k))
    if v is not None:
        s[:, 2].copy_(v.reshape(rows, k))
    torch.bmm(s, s.transpose(1, 2), out=out[: rows * m * m].view(rows, m, m))
    return m


def post_gram(out: torch.Tensor, scratch: Scratch, w_prev: torch.Tensor, w_next: torch.Tensor, rows: int) -> None:
    """Writes the post-step Gram [w_t, d, w_{t+1}] of each row into `out` [rows·POST]."""
    k = w_next.numel() // rows
    s = scratch.get(w_next.device, rows * 3 * k).view(rows, 3, k)
    s[:, 0].copy_(w_prev.reshape(rows, k))
    s[:, 2].copy_(w_next.reshape(rows, k))
    torch.sub(s[:, 2], s[:, 0], out=s[:, 1])
    torch.bmm(s, s.transpose(1, 2), out=out.view(rows, 3, 3))


def read_pre(vals, base: int, m: int):
    """(ww, gg, wg, vg) from the host copy of one row's pre-step Gram at `base`."""
    if m == 3:
        return vals[base], vals[base + 4], vals[base + 1], vals[base + 7]
    return vals[base], vals[base + 3], vals[base + 1], 0.0


def read_post(vals, base: int):
    """(wd, dd, w1w1) from one row's post-step Gram at `base`."""
    return vals[base + 1], vals[base + 4], vals[base + 8]
