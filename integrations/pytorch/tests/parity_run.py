#!/usr/bin/python3
"""PyTorch side of the parity test (packages/cli/src/pytorch/parity.test.ts).

For each configuration: a 8/16/16 ResNet (bench/reference-run/reference.py's, one BasicBlock per
stage) with torch's init, the first STEPS×32 Fashion-MNIST training images, η = 0.1
for 10 steps then 0.05 (set on param_groups, as a schedule would), trained with smd_torch.watch.
Writes OUT/<label>/init.safetensors (initial weights, x, y), OUT/<label>/states.safetensors (every
step's w_t, g_t and SGD momentum buffer v_{t−1}, "w/<t>/<name>", "g/<t>/<name>", "v/<t>/<name>",
taken just before optimizer.step(): the float32 tests feed them to the engine step by step) and the run folder
OUT/<label>/runs/<id>; prints one JSON line {label: run dir}. The TS test replays the same steps
in smd's engine.

Usage: parity_run.py OUT [label:dtype:optimizer:per_channel ...]
"""
import gzip
import importlib.util
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import smd_torch

STEPS, BATCH = 20, 32
DATA = "/usr/share/datasets/fashion-mnist"


def reference_resnet():
    """bench/reference-run/reference.py's ResNet (the one smd's engine is checked against)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "bench", "reference-run", "reference.py")
    spec = importlib.util.spec_from_file_location("reference", path)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    return ref.ResNet


ResNet = reference_resnet()


def read_idx(path, count):
    with gzip.open(path, "rb") as f:
        zero, dtype, ndim = struct.unpack(">HBB", f.read(4))
        dims = struct.unpack(">" + "I" * ndim, f.read(4 * ndim))
        per = 1
        for d in dims[1:]:
            per *= d
        data = f.read(count * per)
    return torch.tensor(list(data), dtype=torch.uint8).reshape((count,) + tuple(dims[1:]))


def write_safetensors(path, tensors):
    """Minimal safetensors writer (stdlib + torch): header JSON, then the raw little-endian bytes."""
    names = {torch.float32: "F32", torch.float64: "F64", torch.int32: "I32"}
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        t = t.detach().contiguous().cpu()
        b = bytes(t.numpy().tobytes())
        header[k] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def optimizer(kind, params):
    if kind == "sgdm":
        return torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=5e-4)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=0.1, weight_decay=5e-4)
    if kind == "nesterov":
        return torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    if kind == "adam":
        return torch.optim.Adam(params, lr=1e-3, weight_decay=5e-4)
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=1e-3, weight_decay=5e-2)
    raise SystemExit(f"unknown optimizer {kind}")


def run(out, label, dtype, kind, per_channel):
    torch.manual_seed(0)
    dt = torch.float64 if dtype == "float64" else torch.float32
    x = read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz"), STEPS * BATCH).to(dt).unsqueeze(1) / 255.0
    x = (x - 0.286) / 0.353
    y = read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz"), STEPS * BATCH).long()
    model = ResNet(widths=(8, 16, 16), blocks=1).to(dt)
    d = os.path.join(out, label)
    os.makedirs(d, exist_ok=True)
    sd = {k: v for k, v in model.state_dict().items() if v.dtype != torch.int64}
    write_safetensors(os.path.join(d, "init.safetensors"), {**sd, "x": x, "y": y.int()})
    opt = optimizer(kind, model.parameters())
    states = {}
    with smd_torch.watch(model, opt, out=os.path.join(d, "runs"), name=label, per_channel=per_channel) as probe:
        for t in range(STEPS):
            if t == 10:
                for g in opt.param_groups:
                    g["lr"] *= 0.5
            loss = F.cross_entropy(model(x[t * BATCH:(t + 1) * BATCH]), y[t * BATCH:(t + 1) * BATCH])
            opt.zero_grad()
            loss.backward()
            for n, p in model.named_parameters():
                states[f"w/{t}/{n}"] = p.detach().clone()
                states[f"g/{t}/{n}"] = p.grad.detach().clone()
                buf = opt.state.get(p, {}).get("momentum_buffer")
                if buf is not None:
                    states[f"v/{t}/{n}"] = buf.clone()
            opt.step()
            probe.log(loss=loss)
    write_safetensors(os.path.join(d, "states.safetensors"), states)
    return probe.dir


def main():
    torch.set_num_threads(1)
    out = sys.argv[1]
    runs = {}
    for spec in sys.argv[2:]:
        label, dtype, kind, pc = spec.split(":")
        runs[label] = run(out, label, dtype, kind, pc == "1")
    print(json.dumps(runs))


if __name__ == "__main__":
    main()
