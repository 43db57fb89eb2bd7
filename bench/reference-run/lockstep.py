#!/usr/bin/python3
"""Lockstep check, PyTorch side: dump torch-init weights + the first N normalized training batches
to OUTDIR (raw little-endian float64 / int32), then train N SGDM steps (lr 0.1, α 0.9, λ 5e-4 on
all params, or --wd) in float64 and write per-step loss, per-param grad norms, ⟨g+λw, v_{t-1}⟩ and per-conv
Δ_t to OUTDIR/torch.json.  lockstep.mjs replays the same steps in smd and compares.
Usage: /usr/bin/python3 bench/reference-run/lockstep.py [--steps 30] [--out /tmp/lockstep] [--float32]
       [--norm batch|group|layer] [--wd 5e-4] [--threads 2]
"""
import argparse, json, math, os
import numpy as np
import torch
import torch.nn.functional as F
import importlib.util

spec = importlib.util.spec_from_file_location("ref", os.path.join(os.path.dirname(__file__), "reference.py"))
ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=30)
ap.add_argument("--out", default="/tmp/lockstep")
ap.add_argument("--float32", action="store_true")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--norm", choices=["batch", "group", "layer"], default="batch")
ap.add_argument("--wd", type=float, default=5e-4)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)
torch.manual_seed(a.seed); torch.set_num_threads(a.threads)
dt = torch.float32 if a.float32 else torch.float64
xtr, ytr = ref.load_split("/usr/share/datasets/fashion-mnist", "train")
model = ref.ResNet(norm=a.norm).to(dt)
sd = model.state_dict()
meta = {"params": [], "steps": a.steps, "dtype": str(dt), "norm": a.norm, "wd": a.wd}
with open(os.path.join(a.out, "init.bin"), "wb") as f:
    for k, v in sd.items():
        if v.dtype == torch.int64:
            continue  # num_batches_tracked
        meta["params"].append({"name": k, "shape": list(v.shape)})
        f.write(v.detach().double().contiguous().numpy().tobytes())
gen = torch.Generator().manual_seed(a.seed)
per_epoch = len(xtr) // 128  # drop_last
perms = [torch.randperm(len(xtr), generator=gen) for _ in range((a.steps + per_epoch - 1) // per_epoch)]
def batch(b):
    """Step b's example indices: a fresh permutation every epoch, the last partial batch dropped."""
    e, i = divmod(b, per_epoch)
    return perms[e][i * 128:(i + 1) * 128]
with open(os.path.join(a.out, "x.bin"), "wb") as fx, open(os.path.join(a.out, "y.bin"), "wb") as fy:
    for b in range(a.steps):
        idx = batch(b)
        fx.write(xtr[idx].double().numpy().tobytes())
        fy.write(ytr[idx].int().numpy().tobytes())
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=a.wd)
names = [n for n, _ in model.named_parameters()]
params = dict(model.named_parameters())
rec = []
for b in range(a.steps):
    idx = batch(b)
    x = xtr[idx].to(dt)
    loss = F.cross_entropy(model(x), ytr[idx])
    opt.zero_grad(); loss.backward()
    prev = {n: p.detach().double().clone() for n, p in params.items()}
    st = {"loss": loss.item(), "gnorm": {}, "gv": {}, "delta": {}, "wnorm": {}}
    for n, p in params.items():
        g = p.grad.detach().double()
        st["gnorm"][n] = g.norm().item()
        buf = opt.state[p].get("momentum_buffer") if p in opt.state else None
        if buf is not None:
            st["gv"][n] = ((g + a.wd * prev[n]) * buf.double()).sum().item()
    opt.step()
    with torch.no_grad():
        for n, p in params.items():
            if p.dim() != 4: continue
            w0, w1 = prev[n], p.detach().double()
            n0, n1 = w0.norm().item(), w1.norm().item()
            st["wnorm"][n] = n0
            st["delta"][n] = math.acos(max(-1.0, min(1.0, (w0 * w1).sum().item() / (n0 * n1))))
    rec.append(st)
    print(b, st["loss"], flush=True)
meta["names"] = names
meta["steps_rec"] = rec
# BatchNorm running statistics after the last step (what eval mode uses)
meta["buffers_final"] = {k: v.double().flatten().tolist() for k, v in model.state_dict().items()
                         if k.endswith("running_mean") or k.endswith("running_var")}
with open(os.path.join(a.out, "torch.json"), "w") as f:
    json.dump(meta, f)
