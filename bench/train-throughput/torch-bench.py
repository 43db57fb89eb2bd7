#!/usr/bin/env python3
"""PyTorch side of the training-throughput benchmark (see README.md next to this file).

Trains the reference ResNet (28x28x1 input, 10 classes) or its small 16/32/64 variant (BatchNorm,
or with --norm group|layer GroupNorm(min(32, C)) / GroupNorm(1, C)) on a fixed
random batch with SGD (momentum 0.9, lr 0.1, weight decay 5e-4), batch 128, float32, and prints
one JSON line: {"side":"pytorch","variant":...,"imagesPerSec":...,"stepMs":[...],"loss":[...]}.
Run it with Debian's interpreter (/usr/bin/python3, which has python3-torch) and the glibc
malloc environment the driver sets (MALLOC_MMAP_THRESHOLD_ etc.); without those PyTorch spends
about half its time in page faults.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_norm(kind, c):
    """smd's makeNorm: BatchNorm2d, GroupNorm(largest divisor of C <= 32, C), or GroupNorm(1, C)."""
    if kind == "batch":
        return nn.BatchNorm2d(c)
    if kind == "layer":
        return nn.GroupNorm(1, c)
    return nn.GroupNorm(next(g for g in range(min(32, c), 0, -1) if c % g == 0), c)


class BasicBlock(nn.Module):
    """Two 3x3 conv+norm layers with a residual; 1x1 conv+norm projection when the shape changes."""

    def __init__(self, cin, cout, stride, norm):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = make_norm(norm, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = make_norm(norm, cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), make_norm(norm, cout)
            )

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + s)


class ResNet(nn.Module):
    """Stem conv3x3(1->w0)+norm+ReLU, three stages of two blocks, global avg pool, linear -> 10."""

    def __init__(self, widths, norm="batch"):
        super().__init__()
        w0, w1, w2 = widths
        self.conv1 = nn.Conv2d(1, w0, 3, 1, 1, bias=False)
        self.bn1 = make_norm(norm, w0)
        layers = []
        cin = w0
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            layers.append(nn.Sequential(BasicBlock(cin, w, stride, norm), BasicBlock(w, w, 1, norm)))
            cin = w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(w2, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layers(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


VARIANTS = {"ref": (32, 64, 128), "small": (16, 32, 64)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="ref")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--no-channels-last", action="store_true")
    ap.add_argument("--norm", choices=["batch", "group", "layer"], default="batch")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    fmt = torch.contiguous_format if a.no_channels_last else torch.channels_last
    model = ResNet(VARIANTS[a.variant], a.norm).to(memory_format=fmt)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(a.batch, 1, 28, 28).contiguous(memory_format=fmt)
    y = torch.randint(0, 10, (a.batch,))

    step_ms, losses = [], []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        lv = loss.item()
        dt = time.perf_counter() - t0
        if i >= a.warmup:
            step_ms.append(dt * 1e3)
            losses.append(lv)
    total = sum(step_ms) / 1e3
    print(
        json.dumps(
            {
                "side": "pytorch",
                "variant": a.variant,
                "batch": a.batch,
                "threads": a.threads,
                "channelsLast": not a.no_channels_last,
                "norm": a.norm,
                "torch": torch.__version__,
                "imagesPerSec": a.batch * a.steps / total,
                "stepMs": [round(s, 3) for s in step_ms],
                "loss": [round(v, 5) for v in losses],
            }
        )
    )


if __name__ == "__main__":
    main()
