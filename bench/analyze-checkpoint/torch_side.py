#!/usr/bin/python3
"""PyTorch side of bench/analyze-checkpoint/run.mjs: torch.load of the checkpoint and, per
parameter, the same float64 sums smd analyze makes (‖w‖², ⟨w, v⟩, ‖v‖²). Prints the in-process
wall and CPU (all threads) milliseconds (torch is imported before the clock starts). Run: /usr/bin/python3 torch_side.py
CKPT THREADS"""
import sys, time
import torch

torch.set_num_threads(int(sys.argv[2]))
t0, c0 = time.perf_counter(), time.process_time()
ck = torch.load(sys.argv[1], map_location="cpu")
model, opt = ck["model"], ck["optimizer"]
names = [n for n in model if not n.endswith(("running_mean", "running_var", "num_batches_tracked"))]
out = {}
for i, n in enumerate(names):
    w = model[n].double()
    v = opt["state"][i]["momentum_buffer"].double()
    out[n] = (float((w * w).sum()), float((w * v).sum()), float((v * v).sum()))
t1, c1 = time.perf_counter(), time.process_time()
print(f"{(t1 - t0) * 1000:.1f} {(c1 - c0) * 1000:.1f}")
