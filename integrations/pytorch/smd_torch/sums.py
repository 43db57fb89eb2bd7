"""Float64 sums of one probed tensor on its device (no host sync here).

A tensor of n elements is viewed as `rows` rows of k = n / rows (rows = 1: whole tensor; rows =
out channels in per-channel mode). Its slot in the step's result buffer holds SUMS × rows
float64 values, sum-major: res[j·rows + r] is sum j of row r, j in
  0 ww = ‖w_t‖²  1 gg = ‖g_t‖²  2 wg = ⟨w_t, g_t⟩  3 vg = ⟨v_{t−1}, g_t⟩      (pre_sums)
  4 wd = ⟨w_t, d⟩  5 dd = ‖d‖²                                             (post_sums)
with d = w_{t+1} − w_t. ‖w_{t+1}‖² = ww + 2·wd + dd is not summed (row_sums forms it; no
cancellation: it is ≈ ww, a sum of positive terms).

Passes over memory (the probe's whole cost): the tensors are read in chunks of `chunk` elements;
each chunk of w, g, v (or of the kept w_t and w_{t+1}) is cast into a small float64 buffer that
stays in cache, multiplied in place and summed there, so main memory sees each float32 value read
once per phase plus the kept copy of w_t — in the tensor's own dtype (float32: 4 bytes a value,
written before the step, read after). In-place products: torch's out-of-place float64 mul costs
twice an in-place one. d is formed in float64 from the two float32 values, which is exact
(float64 tensors: one rounding), as packages/smd/src/probe/sums.ts does, so Δ keeps its precision
far below float32 resolution. Products and sums are float64 (torch's vectorised mul and sum, not
BLAS: Debian's torch links the reference BLAS, whose ddot/dgemm are scalar loops).
chunk=None reads whole tensors at once (fewest kernel launches: the choice on a GPU)."""
from typing import Iterator, Optional, Tuple

import torch

SUMS = 6
# Elements per chunk when a user asks for chunking (watch(chunk=N)). The default is whole
# tensors on every device: on 2 quiet CPU threads they measured 63 ms per probed step against
# 92 ms for 128 K chunks (each chunk is its own small parallel region); chunks won only
# single-threaded on a loaded machine (bench/pytorch-overhead/probe_cost.py, bench/RESULTS.md).
CPU_CHUNK = 131072


def default_chunk(device: torch.device) -> Optional[int]:
    return None


class Scratch:
    """A float64 work buffer [4, m] per device, m = min(chunk, largest tensor); grown on demand."""

    def __init__(self):
        self.buf = {}

    def get(self, device: torch.device, m: int) -> torch.Tensor:
        b = self.buf.get(device)
        if b is None or b.shape[1] < m:
            b = self.buf[device] = torch.empty(4, m, dtype=torch.float64, device=device)
        return b


def _pieces(rows: int, k: int, chunk: Optional[int]) -> Iterator[Tuple[int, int, int, int]]:
    """(start, length, r0, rc) over the flat [rows·k]: whole rows r0 … r0+rc−1 (rc ≥ 1), or one
    piece of row r0 (rc = 0) when a row is longer than the chunk."""
    if chunk is None or k * rows <= chunk:
        yield 0, rows * k, 0, rows
    elif k <= chunk:
        rc = chunk // k
        for r0 in range(0, rows, rc):
            n = min(rc, rows - r0)
            yield r0 * k, n * k, r0, n
    else:
        for r in range(rows):
            for s in range(0, k, chunk):
                yield r * k + s, min(chunk, k - s), r, 0


def _reduce(out: torch.Tensor, prods: torch.Tensor, r0: int, rc: int, k: int) -> None:
    """out [S, rows] (+)= the row sums of prods [S, length] (rc whole rows, or a piece of row r0)."""
    s = out.shape[0]
    if rc:
        torch.sum(prods.view(s, rc, k), 2, out=out[:, r0:r0 + rc])
    else:
        out[:, r0].add_(prods.sum(1))


def pre_sums(res: torch.Tensor, kept: torch.Tensor, scratch: Scratch, w: torch.Tensor, g: torch.Tensor,
             v: Optional[torch.Tensor], rows: int, chunk: Optional[int]) -> None:
    """Fills res[0:4·rows] and copies w_t into `kept` [n] (w's dtype, read back by post_sums).
    The work rows [w, g, w, v] become in place [ww, gg, wg, vg] (element products), then summed."""
    n = w.numel()
    k = n // rows
    wf, gf = w.reshape(-1), g.reshape(-1)
    vf = None if v is None else v.reshape(-1)
    used = 3 if vf is None else 4  # without v, vg stays 0
    out = res[0:4 * rows].view(4, rows)
    out.zero_()
    buf = scratch.get(w.device, n if chunk is None else min(chunk, n))
    for start, length, r0, rc in _pieces(rows, k, chunk):
        end = start + length
        x = buf[:used, :length]
        x[0].copy_(wf[start:end])
        kept[start:end].copy_(wf[start:end])
        x[1].copy_(gf[start:end])
        x[2].copy_(x[0])
        if vf is not None:
            x[3].copy_(vf[start:end])
        x[2:].mul_(x[1])
        x[0:2].mul_(x[0:2])
        _reduce(out[0:used], x, r0, rc, k)


def post_sums(res: torch.Tensor, kept: torch.Tensor, scratch: Scratch, w_next: torch.Tensor, rows: int,
              chunk: Optional[int]) -> None:
    """Fills res[4·rows:6·rows] from the kept w_t and w_{t+1}: work rows [w_t, d] become [wd, dd]."""
    n = w_next.numel()
    k = n // rows
    wf = w_next.reshape(-1)
    out = res[4 * rows:6 * rows].view(2, rows)
    out.zero_()
    buf = scratch.get(w_next.device, n if chunk is None else min(chunk, n))
    for start, length, r0, rc in _pieces(rows, k, chunk):
        end = start + length
        x = buf[:, :length]
        x[0].copy_(kept[start:end])
        x[1].copy_(wf[start:end])
        x[1].sub_(x[0])  # d = w_{t+1} − w_t, exact in float64 for float32 values
        x[0].mul_(x[1])
        x[1].mul_(x[1])
        _reduce(out, x[0:2], r0, rc, k)


def row_sums(vals, offset: int, rows: int, r: int):
    """(ww, gg, wg, vg, wd, dd, w1w1) of row r from the host copy of a slot at `offset`."""
    ww, gg, wg, vg, wd, dd = (vals[offset + j * rows + r] for j in range(SUMS))
    return ww, gg, wg, vg, wd, dd, ww + 2 * wd + dd
