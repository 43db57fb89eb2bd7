"""Data parallel: 2 gloo processes on CPU write one run folder (rank 0) whose probe values equal
a single process on the same global batch — under DistributedDataParallel, and with the optimizer
sharded by hand (each rank holds uneven flat pieces; the probe all-reduces the partial sums)."""
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from helpers import probe_rows, query, run_dirs  # noqa: E402

WORKER = str(HERE / "ddp_worker.py")


class DataParallelTest(unittest.TestCase):
    def test_two_gloo_ranks_equal_one_process(self):
        with tempfile.TemporaryDirectory() as tmp:
            procs = [subprocess.Popen([sys.executable, WORKER, "single", os.path.join(tmp, "single")])]
            for mode in ("ddp", "sharded"):
                init = os.path.join(tmp, f"{mode}.init")
                for rank in range(2):
                    procs.append(subprocess.Popen(
                        [sys.executable, WORKER, mode, os.path.join(tmp, mode), str(rank), "2", init]))
            codes = [p.wait(timeout=600) for p in procs]
            self.assertEqual(codes, [0] * len(procs))
            (single,) = run_dirs(os.path.join(tmp, "single"))
            ref = probe_rows(single)
            self.assertEqual(len({k[0] for k in ref}), 8)
            for mode in ("ddp", "sharded"):
                dirs = run_dirs(os.path.join(tmp, mode))
                self.assertEqual(len(dirs), 1, f"{mode}: one run folder, written by rank 0")
                got = probe_rows(dirs[0])
                self.assertEqual(sorted(got), sorted(ref), mode)
                # float64; the two half-batch gradients are averaged in another order than one
                # full-batch mean, and ⟨v, g⟩ / h̃ (sums that cancel) magnify that rounding
                for k, v in ref.items():
                    # (radial cos is rounding noise around 0 (~1e-7): compared absolutely)
                    tol = 1e-7 if k[2] in ("v_dot_g", "h_tilde") else 1e-10
                    scale = 1.0 if k[2] == "radial_cos" else abs(v)
                    self.assertLessEqual(abs(got[k] - v), tol * scale, f"{mode} {k}: {got[k]} vs {v}")
                inv = query(dirs[0], "SELECT name, shape FROM params WHERE scale_invariant = 1 ORDER BY name")
                self.assertEqual(inv, [("conv1.weight", "[8,1,3,3]"), ("conv2.weight", "[8,8,3,3]")], mode)


if __name__ == "__main__":
    unittest.main()
