"""Shared pieces of the smd_torch tests: small models and a store reader."""
import os
import sqlite3

import torch
from torch import nn


class ConvGN(nn.Module):
    """conv(no bias) → GroupNorm → ReLU, twice, then a linear classifier (per-sample norms:
    a data-parallel gradient equals the global-batch gradient)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, bias=False)
        self.gn1 = nn.GroupNorm(2, 8)
        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)
        self.gn2 = nn.GroupNorm(2, 8)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = torch.relu(self.gn1(self.conv1(x)))
        x = torch.relu(self.gn2(self.conv2(x)))
        return self.fc(x.mean((2, 3)))


def batches(n, size, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(size, 1, 10, 10, generator=g, dtype=dtype), torch.randint(0, 10, (size,), generator=g))
            for _ in range(n)]


def run_dirs(root):
    return sorted(os.path.join(root, d) for d in os.listdir(root) if not d.startswith("."))


def probe_rows(run_dir):
    """{(step, param, metric, channel): value} of a run folder."""
    db = sqlite3.connect(os.path.join(run_dir, "metrics.sqlite"))
    try:
        return {(s, p, m, c): v for s, p, m, c, v in db.execute("SELECT step, param, metric, channel, value FROM probe_samples")}
    finally:
        db.close()


def query(run_dir, sql, args=()):
    db = sqlite3.connect(os.path.join(run_dir, "metrics.sqlite"))
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()
