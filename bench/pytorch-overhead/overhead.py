#!/usr/bin/python3
"""Overhead of smd_torch.watch on a ResNet-18-sized model on CPU: training steps with the probe at
every step vs without, interleaved A B A B in one process (same model, data and threads), per-step
medians and their ratio.

  /usr/bin/python3 bench/pytorch-overhead/overhead.py [--rounds 6] [--steps 4] [--batch 16] [--size 112]

The model is torchvision's ResNet-18 architecture (11.7 M parameters, 20 BN-fed convs probed,
11.2 M probed values) written out here (no torchvision), SGD momentum 0.9, λ 5e-4, random data.
Every segment starts with one untimed step (for the probe: its first step, which allocates its
buffers; reported apart). Prints one JSON line with the medians, the ratio, and the time spent
inside the probe's hooks per probed step (in_probe: the probe's own cost, less noisy than the
ratio of two step times on a busy machine)."""
import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integrations", "pytorch"))
import smd_torch  # noqa: E402


def _reference():
    """bench/reference-run/reference.py (its BasicBlock is torchvision's)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference-run", "reference.py")
    spec = importlib.util.spec_from_file_location("reference", path)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    return ref


Block = _reference().BasicBlock


class ResNet18(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        widths, cin, layers = [64, 128, 256, 512], 64, []
        for i, w in enumerate(widths):
            layers.append(nn.Sequential(Block(cin, w, 1 if i == 0 else 2), Block(w, w, 1)))
            cin = w
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def _time_hooks(probe):
    """Times the probe's pre- and post-step work (its whole per-step cost, the SQLite writes
    included) by shadowing its two hook methods; returns the list the durations land in."""
    spent = []
    for name in ("_before", "_after"):
        fn = getattr(probe, name)

        def timed(fn=fn):
            t0 = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - t0)

        setattr(probe, name, timed)
    return spent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--steps", type=int, default=4, help="timed steps per segment")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=112)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    model = ResNet18()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.randint(0, 1000, (a.batch,))

    def step():
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return time.perf_counter() - t0

    step()
    step()  # warm-up (allocations, momentum buffers)
    plain, probed, watch_s, first_s, probe_s = [], [], [], [], []
    with tempfile.TemporaryDirectory() as out:
        for r in range(a.rounds):
            for mode in (("plain", "probe") if r % 2 == 0 else ("probe", "plain")):
                if mode == "plain":
                    step()  # untimed, as the probe segment's first step
                    plain += [step() for _ in range(a.steps)]
                    continue
                t0 = time.perf_counter()
                probe = smd_torch.watch(model, opt, out=out, name="bench")
                watch_s.append(time.perf_counter() - t0)
                # a new probe's first step allocates its buffers (the copy of w_t: 45 MB here), once
                # per run in real use: timed apart
                first_s.append(step())
                in_probe = _time_hooks(probe)
                for _ in range(a.steps):
                    probed.append(step())
                    probe_s.append(sum(in_probe))
                    in_probe.clear()
                n_probed = sum(p.numel() for s in probe.slots for p in [s.p])
                probe.close()
    mp, mq = statistics.median(plain), statistics.median(probed)
    print(json.dumps({
        "torch": torch.__version__, "threads": a.threads, "batch": a.batch, "size": a.size,
        "params": sum(p.numel() for p in model.parameters()), "probed_values": n_probed,
        "steps_each": len(plain), "plain_median_s": round(mp, 4), "probe_median_s": round(mq, 4),
        "ratio": round(mq / mp, 4), "plain_minmax_s": [round(min(plain), 4), round(max(plain), 4)],
        "probe_minmax_s": [round(min(probed), 4), round(max(probed), 4)],
        "watch_setup_median_s": round(statistics.median(watch_s), 3),
        "first_probed_step_median_s": round(statistics.median(first_s), 4),
        "in_probe_median_s": round(statistics.median(probe_s), 4),
        "in_probe_over_plain": round(statistics.median(probe_s) / mp, 4),
    }))


if __name__ == "__main__":
    main()
