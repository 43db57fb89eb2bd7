"""The SMD view of an optimizer's param group, read every step (schedules need no configuration):
η, λ, α and whether §2's SGD/SGDM dynamics with coupled decay hold (engine-adapter.ts groupHyper)."""
from typing import Optional

import torch

SUPPORTED = {"SGD": "sgd", "Adam": "adam", "AdamW": "adamw"}


def optimizer_name(opt: torch.optim.Optimizer) -> str:
    """'sgd' | 'sgdm' | 'nesterov' | 'adam' | 'adamw', or the class name in lower case."""
    cls = type(opt).__name__
    if cls == "SGD":
        g = opt.param_groups[0]
        if g.get("nesterov"):
            return "nesterov"
        return "sgdm" if g.get("momentum", 0) > 0 else "sgd"
    return SUPPORTED.get(cls, cls.lower())


def group_hyper(opt: torch.optim.Optimizer, group: dict) -> dict:
    """{lr, weight_decay, momentum, predictable} of `group` right now. Adam/AdamW report α = 0
    (their buffer is not SGDM's v) and are not predictable; so are Nesterov, dampening, maximize."""
    sgd = isinstance(opt, torch.optim.SGD)
    return {
        "lr": float(group["lr"]),
        "weight_decay": float(group.get("weight_decay", 0.0) or 0.0),
        "momentum": float(group.get("momentum", 0.0) or 0.0) if sgd else 0.0,
        "predictable": sgd and not group.get("nesterov", False) and not group.get("dampening", 0)
        and not group.get("maximize", False),
    }


def momentum_buffer(opt: torch.optim.Optimizer, p: torch.Tensor) -> Optional[torch.Tensor]:
    """SGD's v_{t−1} for `p` (None for other optimizers or before the first step)."""
    if not isinstance(opt, torch.optim.SGD):
        return None
    st = opt.state.get(p)
    return None if not st else st.get("momentum_buffer")


def config_of(opt: torch.optim.Optimizer) -> dict:
    """The manifest's optimizer record (keys report/serve read: name, lr, momentum, weightDecay, …)."""
    g = opt.param_groups[0]
    return {
        "name": optimizer_name(opt),
        "class": type(opt).__name__,
        "lr": float(g["lr"]),
        "momentum": float(g.get("momentum", 0.0) or 0.0),
        "weightDecay": float(g.get("weight_decay", 0.0) or 0.0),
        "nesterov": bool(g.get("nesterov", False)),
        "dampening": float(g.get("dampening", 0.0) or 0.0),
        "decoupled": type(opt).__name__ == "AdamW",
        "groups": len(opt.param_groups),
    }
