#!/usr/bin/python3
"""PyTorch reference for `smd train`'s default job (bench/reference-run/README in compare.mjs).

Trains the CIFAR-style 16/32/64 ResNet (2 BasicBlocks per stage, BatchNorm, torch default
init; `--norm group|layer` for GroupNorm(min(32, C)) / GroupNorm(1, C)) on Fashion-MNIST with SGD + momentum (lr 0.1, momentum 0.9, weight decay 5e-4 on ALL
parameters, as torch.optim.SGD(model.parameters(), ...)), batch 128, drop_last, constant lr,
6 epochs = 2808 steps, inputs normalized with mean 0.286 / std 0.353, no augmentation.

Per conv weight it measures Δ_t = ∠(w_t, w_{t+1}) and the radial cosine
⟨w_t, g_t⟩ / (‖w_t‖‖g_t‖) (g_t without the weight-decay term) at every step, and reports the
mean over the last 200 steps: Δ / Δ*, with Δ* = arccos(1 − λη/(1+α)) = 0.007255, and mean |cos|.
Writes JSON (default bench/reference-run/pytorch.json).

Run with Debian's python (torch 1.13):  /usr/bin/python3 bench/reference-run/reference.py
Data: the gzipped IDX files in /usr/share/datasets/fashion-mnist (no torchvision).
"""
import argparse
import gzip
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    """One gzipped IDX file as a numpy array (uint8 images [N, 28, 28] or labels [N])."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(root, split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)
    x = (x - 0.286) / 0.353
    return x, torch.from_numpy(y.astype(np.int64))


def default_groups(c, cap=32):
    """Largest divisor of c that is <= cap (smd's defaultGroups)."""
    for g in range(min(cap, c), 1, -1):
        if c % g == 0:
            return g
    return 1


def make_norm(kind, c):
    """smd's makeNorm: BatchNorm2d, GroupNorm(default_groups(C), C) or GroupNorm(1, C) ('layer')."""
    if kind == "batch":
        return nn.BatchNorm2d(c)
    if kind == "group":
        return nn.GroupNorm(default_groups(c), c)
    if kind == "layer":
        return nn.GroupNorm(1, c)
    raise ValueError(f"unknown norm {kind}")


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, norm="batch"):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = make_norm(norm, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = make_norm(norm, cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, 0, bias=False), make_norm(norm, cout)
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, widths=(16, 32, 64), blocks=2, num_classes=10, norm="batch"):
        super().__init__()
        w1, w2, w3 = widths
        self.conv1 = nn.Conv2d(1, w1, 3, 1, 1, bias=False)
        self.bn1 = make_norm(norm, w1)

        def stage(cin, cout, stride):
            layers = [BasicBlock(cin, cout, stride, norm)]
            layers += [BasicBlock(cout, cout, 1, norm) for _ in range(blocks - 1)]
            return nn.Sequential(*layers)

        self.layer1 = stage(w1, w1, 1)
        self.layer2 = stage(w1, w2, 2)
        self.layer3 = stage(w2, w3, 2)
        self.fc = nn.Linear(w3, num_classes)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.layer3(self.layer2(self.layer1(y)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i : i + batch]).argmax(1) == y[i : i + batch]).sum().item()
    model.train()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0 = all)")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--window", type=int, default=200)
    ap.add_argument("--windows", default="200,500",
                    help="extra windows (steps) whose mean ratio goes into each layer's 'ratios'")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--norm", choices=["batch", "group", "layer"], default="batch",
                    help="normalization after every conv (smd train --norm)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "pytorch.json"))
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    xtr, ytr = load_split(a.data, "train")
    xte, yte = load_split(a.data, "test")
    model = ResNet(norm=a.norm)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.wd)
    convs = [(n, p) for n, p in model.named_parameters() if p.dim() == 4]
    delta_star = math.acos(1 - a.wd * a.lr / (1 + a.momentum))
    steps_per_epoch = len(xtr) // a.batch
    total = a.epochs * steps_per_epoch
    if a.steps:
        total = min(total, a.steps)
    hist = {n: {"delta": [], "cos": [], "norm": []} for n, _ in convs}
    gen = torch.Generator().manual_seed(a.seed)
    step = 0
    t0 = time.time()
    test_acc = []
    for epoch in range(a.epochs):
        perm = torch.randperm(len(xtr), generator=gen)
        for b in range(steps_per_epoch):
            if step >= total:
                break
            idx = perm[b * a.batch : (b + 1) * a.batch]
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            opt.zero_grad()
            loss.backward()
            prev = {n: p.detach().clone().double() for n, p in convs}
            grads = {n: p.grad.detach().double() for n, p in convs}
            opt.step()
            with torch.no_grad():
                for n, p in convs:
                    w0, w1, g = prev[n], p.detach().double(), grads[n]
                    n0, n1 = w0.norm().item(), w1.norm().item()
                    c = max(-1.0, min(1.0, (w0 * w1).sum().item() / (n0 * n1)))
                    hist[n]["delta"].append(math.acos(c))
                    hist[n]["cos"].append(abs((w0 * g).sum().item()) / (n0 * g.norm().item() + 1e-300))
                    hist[n]["norm"].append(n0)
            step += 1
            if step % 100 == 0:
                el = time.time() - t0
                print(f"step {step}/{total} loss {loss.item():.4f} {step * a.batch / el:.0f} img/s", flush=True)
        if step >= total and epoch < a.epochs - 1 and a.steps:
            break
        acc = evaluate(model, xte, yte)
        test_acc.append(acc)
        print(f"epoch {epoch + 1} test acc {acc:.4f}", flush=True)
    w = a.window
    windows = sorted({w, *(int(x) for x in a.windows.split(",") if x)})
    layers = []
    for n, _ in convs:
        h = hist[n]
        d = float(np.mean(h["delta"][-w:]))
        layers.append({
            "param": n,
            "delta_mean": d,
            "ratio": d / delta_star,
            # mean Δ/Δ* over the last k steps, for every k in --windows (and --window)
            "ratios": {str(k): float(np.mean(h["delta"][-k:])) / delta_star for k in windows},
            "radial_cos": float(np.mean(h["cos"][-w:])),
            "norm_mean": float(np.mean(h["norm"][-w:])),
            # Δ_t of the last max(windows) steps, so any shorter window can be recomputed
            "delta_tail": [float(x) for x in h["delta"][-max(windows):]],
        })
    ratios = sorted(l["ratio"] for l in layers)
    out = {
        "framework": f"pytorch {torch.__version__}",
        "setting": {"model": "resnet 16/32/64", "norm": a.norm, "lr": a.lr, "momentum": a.momentum, "wd": a.wd,
                    "batch": a.batch, "epochs": a.epochs, "steps": step, "window": w, "windows": windows,
                    "seed": a.seed, "threads": a.threads},
        "delta_star": delta_star,
        "median_ratio": float(np.median(ratios)),
        "test_acc": test_acc[-1] if test_acc else None,
        "test_acc_per_epoch": test_acc,
        "seconds": time.time() - t0,
        "layers": layers,
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)
    print(f"median ratio {out['median_ratio']:.4f}; test acc {out['test_acc']}; wrote {a.out}")


if __name__ == "__main__":
    main()
