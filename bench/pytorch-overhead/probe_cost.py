#!/usr/bin/python3
"""The probe's own cost on ResNet-18's 20 probed conv weights (11.17 M float32 values): the
pre-step and post-step sums of smd_torch/sums.py around a real SGD step (momentum 0.9, λ 5e-4),
timed without the step, for several chunk sizes and for the previous implementation (float64
copy of w_t kept across the step, 3 casts + 1 subtraction in float64, 7 BLAS dots; kept below as
`old` for the comparison). Variants run interleaved (order rotated every round) in one process;
prints per variant the median ms per probed step and its ratio to the first variant.

  /usr/bin/python3 bench/pytorch-overhead/probe_cost.py [--rounds 15] [--threads 2] [--chunks old,none,32768,131072,262144]"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integrations", "pytorch"))
from smd_torch.sums import SUMS, Scratch, post_sums, pre_sums  # noqa: E402

# ResNet-18's BN-fed convs (conv1, 4 stages × 2 blocks × 2 convs, 3 downsample convs)
SHAPES = [(64, 3, 7, 7)] + [(64, 64, 3, 3)] * 4
for cin, c in ((64, 128), (128, 256), (256, 512)):
    SHAPES += [(c, cin, 3, 3), (c, c, 3, 3), (c, cin, 1, 1), (c, c, 3, 3), (c, c, 3, 3)]


class Old:
    """The sums before this benchmark's change (commit e6268a2): float64 w_t kept, BLAS dots."""

    def __init__(self):
        self.scratch = {}

    def buf(self, n, which):
        b = self.scratch.get(which)
        if b is None or b.numel() < n:
            b = self.scratch[which] = torch.empty(n, dtype=torch.float64)
        return b[:n]

    def pre(self, res, prev, w, g, v):
        prev.copy_(w.reshape(-1))
        g64 = self.buf(w.numel(), 0)
        g64.copy_(g.reshape(-1))
        torch.dot(prev, prev, out=res[0])
        torch.dot(g64, g64, out=res[1])
        torch.dot(prev, g64, out=res[2])
        v64 = self.buf(w.numel(), 1)
        v64.copy_(v.reshape(-1))
        torch.dot(v64, g64, out=res[3])

    def post(self, res, prev, w1):
        x = self.buf(w1.numel(), 0)
        x.copy_(w1.reshape(-1))
        d = self.buf(w1.numel(), 1)
        torch.sub(x, prev, out=d)
        torch.dot(prev, d, out=res[4])
        torch.dot(d, d, out=res[5])
        torch.dot(x, x, out=res[6])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--chunks", default="old,none,32768,131072,262144")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    ps = [torch.nn.Parameter(torch.randn(s) * 0.05) for s in SHAPES]
    for p in ps:
        p.grad = torch.randn_like(p) * 1e-3
    opt = torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=5e-4)
    opt.step()  # momentum buffers exist
    variants = a.chunks.split(",")
    old = Old()
    scratch = Scratch()
    prev = [torch.empty(p.numel(), dtype=torch.float64) for p in ps]
    kept = [torch.empty(p.numel(), dtype=p.dtype) for p in ps]
    res = torch.zeros(len(ps), 7, dtype=torch.float64)
    times = {v: [] for v in variants}

    def probed_step(variant):
        vs = [opt.state[p]["momentum_buffer"] for p in ps]
        t0 = time.perf_counter()
        with torch.no_grad():
            for i, p in enumerate(ps):
                if variant == "old":
                    old.pre(res[i], prev[i], p, p.grad, vs[i])
                else:
                    chunk = None if variant == "none" else int(variant)
                    pre_sums(res[i, :SUMS], kept[i], scratch, p, p.grad, vs[i], 1, chunk)
        t1 = time.perf_counter()
        opt.step()
        t2 = time.perf_counter()
        with torch.no_grad():
            for i, p in enumerate(ps):
                if variant == "old":
                    old.post(res[i], prev[i], p)
                else:
                    chunk = None if variant == "none" else int(variant)
                    post_sums(res[i, :SUMS], kept[i], scratch, p, 1, chunk)
        res.tolist()
        t3 = time.perf_counter()
        return (t1 - t0) + (t3 - t2)

    for v in variants:  # warm-up: allocations
        probed_step(v)
    for r in range(a.rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for v in order:
            times[v].append(probed_step(v))
    base = statistics.median(times[variants[0]])
    print(json.dumps({
        "torch": torch.__version__, "threads": a.threads, "probed_values": sum(p.numel() for p in ps),
        "rounds": a.rounds,
        "median_ms": {v: round(1e3 * statistics.median(t), 2) for v, t in times.items()},
        "min_ms": {v: round(1e3 * min(t), 2) for v, t in times.items()},
        "ratio_to_" + variants[0]: {v: round(statistics.median(t) / base, 3) for v, t in times.items()},
    }))


if __name__ == "__main__":
    main()
