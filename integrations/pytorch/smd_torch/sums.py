"""Float64 sums of one probed tensor on its device (no host sync here).

A tensor of n elements is viewed as `rows` rows of k = n / rows (rows = 1: whole tensor; rows =
out channels in per-channel mode). Its slot in the step's result buffer holds SUMS × rows
float64 values, sum-major: res[j·rows + r] is sum j of row r, j in
  0 ww = ‖w_t‖²  1 gg = ‖g_t‖²  2 wg = ⟨w_t, g_t⟩  3 vg = ⟨v_{t−1}, g_t⟩      (pre_sums)
  4 wd = ⟨w_t, d⟩  5 dd = ‖d‖²  6 w1w1 = ‖w_{t+1}‖²                        (post_sums)
pre_sums casts w_t into the slot's float64 `prev` (the copy kept across optimizer.step()) and g_t,
v_{t−1} into scratch; post_sums casts w_{t+1} and forms d = w_{t+1} − w_t in float64, exact for
float32 tensors, so Δ keeps its precision far below float32 resolution (as
packages/smd/src/probe/sums.ts). Whole tensors use BLAS ddot; rows use a batched product."""
from typing import Optional

import torch

SUMS = 7


class Scratch:
    """Float64 work buffers per device, grown to the largest request."""

    def __init__(self):
        self.buf = {}

    def get(self, device: torch.device, n: int, which: int) -> torch.Tensor:
        key = (device, which)
        b = self.buf.get(key)
        if b is None or b.numel() < n:
            b = torch.empty(n, dtype=torch.float64, device=device)
            self.buf[key] = b
        return b[:n]


def _dots(out: torch.Tensor, a: torch.Tensor, b: torch.Tensor, rows: int) -> None:
    """out [rows] = row-wise ⟨a, b⟩ of two [rows, k] float64 matrices."""
    if rows == 1:
        torch.dot(a[0], b[0], out=out[0])
    else:
        torch.bmm(a.unsqueeze(1), b.unsqueeze(2), out=out.view(rows, 1, 1))


def pre_sums(res: torch.Tensor, prev: torch.Tensor, scratch: Scratch, w: torch.Tensor, g: torch.Tensor,
             v: Optional[torch.Tensor], rows: int) -> None:
    """Fills res[0:4·rows] and saves w_t (as float64) into `prev` [n]."""
    k = w.numel() // rows
    w64 = prev.view(rows, k)
    w64.copy_(w.reshape(rows, k))
    g64 = scratch.get(w.device, rows * k, 0).view(rows, k)
    g64.copy_(g.reshape(rows, k))
    _dots(res[0:rows], w64, w64, rows)
    _dots(res[rows:2 * rows], g64, g64, rows)
    _dots(res[2 * rows:3 * rows], w64, g64, rows)
    if v is None:
        res[3 * rows:4 * rows].zero_()
    else:
        v64 = scratch.get(w.device, rows * k, 1).view(rows, k)
        v64.copy_(v.reshape(rows, k))
        _dots(res[3 * rows:4 * rows], v64, g64, rows)


def post_sums(res: torch.Tensor, prev: torch.Tensor, scratch: Scratch, w_next: torch.Tensor, rows: int) -> None:
    """Fills res[4·rows:7·rows] from the saved w_t and w_{t+1}."""
    k = w_next.numel() // rows
    w0 = prev.view(rows, k)
    w1 = scratch.get(w_next.device, rows * k, 0).view(rows, k)
    w1.copy_(w_next.reshape(rows, k))
    d = scratch.get(w_next.device, rows * k, 1).view(rows, k)
    torch.sub(w1, w0, out=d)
    _dots(res[4 * rows:5 * rows], w0, d, rows)
    _dots(res[5 * rows:6 * rows], d, d, rows)
    _dots(res[6 * rows:7 * rows], w1, w1, rows)


def row_sums(vals, offset: int, rows: int, r: int):
    """The seven sums of row r from the host copy of a slot at `offset`."""
    return tuple(vals[offset + j * rows + r] for j in range(SUMS))
