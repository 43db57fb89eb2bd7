"""One process of the data-parallel tests (test_ddp.py).

  ddp_worker.py single  OUT                        one process, global batch 16
  ddp_worker.py ddp     OUT RANK WORLD INITFILE    DistributedDataParallel, 16/WORLD per rank
  ddp_worker.py sharded OUT RANK WORLD INITFILE    hand-sharded optimizer (ZeRO-style flat shards)

Same init (seed 0), same batches, SGD momentum 0.9, λ 1e-3, 8 steps, GroupNorm model in float64."""
import os
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]
import smd_torch  # noqa: E402
from helpers import ConvGN, batches  # noqa: E402

STEPS, GLOBAL = 8, 16


def sgd(params):
    return torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3)


def main():
    mode, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = ConvGN().double()
    data = batches(STEPS, GLOBAL)
    if mode == "single":
        opt = sgd(model.parameters())
        with smd_torch.watch(model, opt, out=out, name="single") as probe:
            for x, y in data:
                loss = F.cross_entropy(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
        return
    rank, world, init = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    dist.init_process_group("gloo", init_method=f"file://{init}", rank=rank, world_size=world)
    per = GLOBAL // world
    local = [(x[rank * per:(rank + 1) * per], y[rank * per:(rank + 1) * per]) for x, y in data]
    if mode == "ddp":
        ddp = torch.nn.parallel.DistributedDataParallel(model)
        opt = sgd(ddp.parameters())
        probe = smd_torch.watch(ddp, opt, out=out, name="ddp")
        for x, y in local:
            loss = F.cross_entropy(ddp(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        probe.close()
    else:
        # every rank keeps the full model for forward/backward; the optimizer owns one flat shard
        # of each parameter (uneven split), as ZeRO / FSDP do
        named = []
        for n, p in model.named_parameters():
            piece = torch.tensor_split(p.detach().reshape(-1), world)[rank]
            named.append((n, p, torch.nn.Parameter(piece.clone())))
        opt = sgd([s for _, _, s in named])
        probe = smd_torch.watch(model, opt, out=out, name="sharded", sharded=True,
                                named=[(n, s) for n, _, s in named])
        for x, y in local:
            loss = F.cross_entropy(model(x), y)
            model.zero_grad()
            loss.backward()
            for n, p, s in named:
                g = p.grad.reshape(-1).clone()
                dist.all_reduce(g)
                s.grad = torch.tensor_split(g / world, world)[rank].clone()
            opt.step()
            with torch.no_grad():  # gather the updated shards back into the full parameters
                for n, p, s in named:
                    full = torch.zeros(p.numel(), dtype=p.dtype)
                    lo = sum(t.numel() for t in torch.tensor_split(full, world)[:rank])
                    full[lo:lo + s.numel()] = s
                    dist.all_reduce(full)
                    p.copy_(full.view_as(p))
        probe.close()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
