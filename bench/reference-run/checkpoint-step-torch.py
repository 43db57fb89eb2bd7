#!/usr/bin/python3
"""Torch float64 counterpart of grad-at-checkpoint.mjs: load an smd checkpoint (weights + momentum
buffers), and for each of the first B lockstep batches take one SGDM step from it; print the
mean one-step Δ/Δ* per conv (compare with grad-at-checkpoint.mjs's f64 / f32 columns).
Usage: /usr/bin/python3 bench/reference-run/checkpoint-step-torch.py CKPT [B] [lockstep-dir]
"""
import json, math, os, struct, sys, importlib.util
import numpy as np, torch, torch.nn.functional as F
spec = importlib.util.spec_from_file_location("ref", os.path.join(os.path.dirname(__file__), "reference.py"))
ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
ck = sys.argv[1]; B = int(sys.argv[2]) if len(sys.argv) > 2 else 6
d = sys.argv[3] if len(sys.argv) > 3 else "/tmp/lockstep32"
raw = open(ck, "rb").read()
hl = struct.unpack("<Q", raw[:8])[0]; hdr = json.loads(raw[8:8 + hl]); base = 8 + hl
def get(k):
    h = hdr[k]; a, b = h["data_offsets"]
    dt = {"F32": np.float32, "F64": np.float64, "I64": np.int64}[h["dtype"]]
    return torch.from_numpy(np.frombuffer(raw[base + a: base + b], dtype=dt).reshape(h["shape"]).astype(np.float64))
X = np.fromfile(f"{d}/x.bin", dtype=np.float64).reshape(-1, 1, 28, 28)
Y = np.fromfile(f"{d}/y.bin", dtype=np.int32)
ds = math.acos(1 - 5e-4 * 0.1 / 1.9)
acc = {}
for t in range(B):
    m = ref.ResNet().double()
    sd = m.state_dict()
    for k in sd:
        if "num_batches" in k: continue
        sd[k].copy_(get("model." + k))
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    for n, p in m.named_parameters():
        opt.state[p]["momentum_buffer"] = get(f"optim.{n}.momentum_buffer").clone()
    loss = F.cross_entropy(m(torch.from_numpy(X[t * 128:(t + 1) * 128].copy())), torch.from_numpy(Y[t * 128:(t + 1) * 128].astype(np.int64)))
    opt.zero_grad(); loss.backward()
    prev = {n: p.detach().clone() for n, p in m.named_parameters()}
    opt.step()
    print("batch", t, "loss", f"{loss.item():.10g}")
    for n, p in m.named_parameters():
        if p.dim() != 4: continue
        w0, w1 = prev[n], p.detach()
        acc[n] = acc.get(n, 0) + math.acos(min(1, (w0 * w1).sum().item() / (w0.norm() * w1.norm()).item())) / B
for n, v in acc.items(): print(n, f"{v / ds:.6f}")
