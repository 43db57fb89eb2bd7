#!/usr/bin/python3
"""Writes a ResNet-50-shaped SGDM checkpoint (torchvision names and shapes, 25.6M parameters,
BN buffers, momentum buffers for every parameter: ~205 MB) for bench/analyze-checkpoint/run.mjs.
torchvision is not packaged for Debian 12, so the architecture's state_dict is spelled out here.
Run: /usr/bin/python3 make_resnet50_checkpoint.py OUT.pt"""
import sys
import torch

torch.manual_seed(0)
sd = {}


def conv(name, cout, cin, k):
    sd[name + ".weight"] = torch.randn(cout, cin, k, k) * (2 / (cin * k * k)) ** 0.5


def bn(name, c):
    sd[name + ".weight"] = torch.ones(c)
    sd[name + ".bias"] = torch.zeros(c)
    sd[name + ".running_mean"] = torch.zeros(c)
    sd[name + ".running_var"] = torch.ones(c)
    sd[name + ".num_batches_tracked"] = torch.tensor(1000)


conv("conv1", 64, 3, 7)
bn("bn1", 64)
cin = 64
for li, (blocks, width) in enumerate([(3, 64), (4, 128), (6, 256), (3, 512)], start=1):
    for b in range(blocks):
        p = f"layer{li}.{b}"
        conv(p + ".conv1", width, cin, 1); bn(p + ".bn1", width)
        conv(p + ".conv2", width, width, 3); bn(p + ".bn2", width)
        conv(p + ".conv3", width * 4, width, 1); bn(p + ".bn3", width * 4)
        if b == 0:
            conv(p + ".downsample.0", width * 4, cin, 1); bn(p + ".downsample.1", width * 4)
        cin = width * 4
sd["fc.weight"] = torch.randn(1000, 2048) * 0.01
sd["fc.bias"] = torch.zeros(1000)

params = [t for n, t in sd.items() if not n.endswith(("running_mean", "running_var", "num_batches_tracked"))]
opt = torch.optim.SGD([torch.nn.Parameter(t) for t in params], lr=0.1, momentum=0.9, weight_decay=1e-4)
opt_sd = opt.state_dict()
opt_sd["state"] = {i: {"momentum_buffer": torch.randn_like(t) * 1e-3} for i, t in enumerate(params)}
torch.save({"model": sd, "optimizer": opt_sd, "epoch": 30, "step": 150150}, sys.argv[1])
print(sys.argv[1], sum(t.numel() for t in params), "parameters")
