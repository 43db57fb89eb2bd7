"""smd_torch.sums: the float64 sums against exact references (math.fsum of float64 products,
exact for float32 inputs), for whole tensors and per channel, in chunks that split rows, group
whole rows, or take the tensor at once (chunk=None, the GPU path) — all the same sums."""
import math
import sys
import unittest
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from smd_torch.sums import SUMS, Scratch, _pieces, post_sums, pre_sums, row_sums  # noqa: E402


def exact(a, b):
    """⟨a, b⟩ of two float tensors: float64 products (exact for float32) summed by fsum."""
    return math.fsum((a.double().reshape(-1) * b.double().reshape(-1)).tolist())


def reference(w, g, v, w1, rows):
    """[rows][ww, gg, wg, vg, wd, dd] computed directly."""
    k = w.numel() // rows
    out = []
    for r in range(rows):
        sl = slice(r * k, (r + 1) * k)
        a, b, c = w.reshape(-1)[sl], g.reshape(-1)[sl], w1.reshape(-1)[sl]
        d = c.double() - a.double()  # exact: the difference of two float32 values fits float64
        out.append([exact(a, a), exact(b, b), exact(a, b), 0.0 if v is None else exact(v.reshape(-1)[sl], b),
                    exact(a, d), exact(d, d)])
    return out


def run(w, g, v, w1, rows, chunk, scratch=None):
    res = torch.full((SUMS * rows,), float("nan"), dtype=torch.float64)
    kept = torch.empty(w.numel(), dtype=w.dtype)
    scratch = scratch or Scratch()
    pre_sums(res, kept, scratch, w, g, v, rows, chunk)
    assert torch.equal(kept, w.reshape(-1)), "kept must be w_t bit for bit"
    post_sums(res, kept, scratch, w1, rows, chunk)
    vals = res.tolist()
    return [list(row_sums(vals, 0, rows, r)) for r in range(rows)]


class SumsTest(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(1)
        self.w = torch.randn(6, 5, 3, 3, generator=g)  # 270 values, rows of 45
        self.g = torch.randn(6, 5, 3, 3, generator=g) * 1e-3
        self.v = torch.randn(6, 5, 3, 3, generator=g) * 1e-2
        # a step far below float32 resolution of ‖w‖: d must still come out exactly
        self.w1 = self.w - 1e-6 * self.w.sign() * torch.rand(6, 5, 3, 3, generator=g)
        # and values crossing zero, whose float32 difference would round (no Sterbenz)
        self.w.view(-1)[::37] = torch.tensor([1e-9, -3e-8, 2.5e-7, -1.1e-9, 7e-8, -4e-8, 3.3e-8, -2e-9])
        self.w1.view(-1)[::37] = torch.tensor([-7.77e-7, 1.234e-7, -3.3e-7, 9.87e-7, -1.01e-7, 2.2e-7, -6.1e-7, 5.5e-7])
        d32 = (self.w1 - self.w).double()
        assert not torch.equal(d32, self.w1.double() - self.w.double()), "the fixture must defeat float32 d"

    def check(self, got, ref, w1, label):
        for r, (row, want) in enumerate(zip(got, ref)):
            for j, (x, y) in enumerate(zip(row[:SUMS], want)):
                self.assertLessEqual(abs(x - y), 1e-13 * max(abs(y), 1e-300), f"{label} row {r} sum {j}: {x} vs {y}")
            ww, wd, dd = want[0], want[4], want[5]
            w1r = w1.reshape(len(got), -1)[r]
            self.assertAlmostEqual(row[6], exact(w1r, w1r), delta=1e-13 * (ww + 2 * abs(wd) + dd), msg=f"{label} row {r} w1w1")

    def test_every_chunking_gives_the_exact_sums(self):
        for rows in (1, 6):
            ref = reference(self.w, self.g, self.v, self.w1, rows)
            # None: whole tensor; 270: fits; 100: groups of 2 rows (rows=6) / pieces; 7, 45, 46: pieces and odd tails
            for chunk in (None, 270, 1000, 100, 46, 45, 7):
                self.check(run(self.w, self.g, self.v, self.w1, rows, chunk), ref, self.w1, f"rows={rows} chunk={chunk}")

    def test_without_momentum_buffer_vg_is_zero(self):
        for rows, chunk in ((1, None), (1, 50), (6, 100)):
            got = run(self.w, self.g, None, self.w1, rows, chunk)
            self.check(got, reference(self.w, self.g, None, self.w1, rows), self.w1, f"no v rows={rows} chunk={chunk}")
            self.assertEqual([row[3] for row in got], [0.0] * rows)

    def test_scratch_shared_across_tensors_of_other_sizes(self):
        s = Scratch()
        small = (self.w[:1], self.g[:1], self.v[:1], self.w1[:1])
        for args, chunk in ((small, 16), ((self.w, self.g, self.v, self.w1), 64), (small, None)):
            self.check(run(*args, 1, chunk, s), reference(*args, 1), args[3], f"shared scratch chunk={chunk}")

    def test_float64_tensors(self):
        w, g, v, w1 = (t.double() for t in (self.w, self.g, self.v, self.w1))
        self.check(run(w, g, v, w1, 6, 100), reference(w, g, v, w1, 6), w1, "float64")

    def test_pieces_cover_every_element_once(self):
        for rows, k, chunk in ((1, 10, None), (1, 10, 3), (4, 10, 25), (4, 10, 10), (4, 10, 7), (5, 3, 100)):
            seen = []
            for start, length, r0, rc in _pieces(rows, k, chunk):
                if chunk is not None:
                    self.assertLessEqual(length, chunk)
                if rc:
                    self.assertEqual((start, length), (r0 * k, rc * k))
                else:
                    self.assertEqual(start // k, r0)
                    self.assertEqual((start + length - 1) // k, r0)
                seen.extend(range(start, start + length))
            self.assertEqual(seen, list(range(rows * k)), (rows, k, chunk))


if __name__ == "__main__":
    unittest.main()
