#!/usr/bin/python3
"""A plain PyTorch training loop with smd_torch: a small BatchNorm CNN on Fashion-MNIST (Debian's
dataset-fashion-mnist, no torchvision), SGD momentum 0.9, η = 0.1 (÷10 at --drop), λ = 5e-4.
Prints {"id", "dir"} as one JSON line once the run folder exists, then trains; watch it with
`smd serve runs` and draw it with `smd report runs/<id>`.

  python3 integrations/pytorch/examples/fashion_mnist.py --out runs --steps 900 --drop 600
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import smd_torch  # noqa: E402


def read_idx(path):
    """A gzipped IDX file (uint8) as a tensor."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def net(width=16):
    def block(cin, cout, stride):
        return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    return nn.Sequential(*block(1, width, 1), *block(width, 2 * width, 2), *block(2 * width, 4 * width, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * width, 10))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default="runs")
    ap.add_argument("--name", default="fashion-mnist-torch")
    ap.add_argument("--steps", type=int, default=900)
    ap.add_argument("--drop", type=int, default=0, help="divide η by 10 at this step (0: never)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--delay", type=float, default=0.0, help="seconds to sleep per step (demos)")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    try:
        x = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz")).float().unsqueeze(1) / 255.0
        y = read_idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz")).long()
    except OSError as e:
        print(f"fashion_mnist.py: {e} (install Debian's dataset-fashion-mnist)", file=sys.stderr)
        return 2
    x = (x - 0.286) / 0.353
    model = net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [a.drop] if a.drop else [], gamma=0.1)
    probe = smd_torch.watch(model, opt, out=a.out, name=a.name, every=a.every)
    print(json.dumps({"id": os.path.basename(probe.dir), "dir": probe.dir}), flush=True)
    perm = torch.randperm(len(x))
    per_epoch = len(x) // a.batch
    with probe:
        for t in range(a.steps):
            i = perm[(t % per_epoch) * a.batch:(t % per_epoch + 1) * a.batch]
            logits = model(x[i])
            loss = F.cross_entropy(logits, y[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            probe.log(loss=loss, acc=(logits.argmax(1) == y[i]).float().mean())
            if a.drop and t + 1 == a.drop:
                probe.event("lr_drop", f"lr 0.1 -> 0.01 from step {a.drop}")
            if a.delay:
                time.sleep(a.delay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
