"""Scale-invariance of each parameter from the module graph (docs/smd-theory.md §1).

A conv/linear weight is scale-invariant when the layer has no bias and its output feeds only
normalization modules (BatchNorm, GroupNorm, LayerNorm, InstanceNorm): scaling the weight
scales the output, which the norm divides out. Read from torch.fx when the model traces, else
from one real forward pass (forward hooks on the modules plus the autograd graph of that pass,
which also sees functional consumers such as a residual add). A weight-norm `weight_v` is
scale-invariant by construction. Every parameter gets a decision and a reason worded like
smd's detector (packages/smd/src/detect/structural.ts)."""
from typing import Dict, List, Optional, Tuple

import torch
from torch import nn

NORM_TYPES = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.GroupNorm, nn.LayerNorm,
              nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)
LAYER_TYPES = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)

# (param name, scale_invariant, reason)
Decision = Tuple[str, bool, str]


def _desc(m: nn.Module) -> str:
    return "linear" if isinstance(m, nn.Linear) else "conv"


def _kind(modules: Dict[str, nn.Module], name: str) -> str:
    return f"{type(modules[name]).__name__} {name or '(root)'}"


def _decide(model: nn.Module, consumers: Dict[str, Optional[List[str]]], method: str) -> List[Decision]:
    """Decisions for every parameter, given for each conv/linear module the list of modules its
    output feeds (a non-module consumer is named by its op; None: the layer was not reached)."""
    modules = dict(model.named_modules())
    out: List[Decision] = []
    for pname, _ in model.named_parameters():
        mod_name, _, leaf = pname.rpartition(".")
        m = modules.get(mod_name)
        if m is None:
            out.append((pname, False, "parameter of no module"))
            continue
        if leaf == "weight_v" and hasattr(m, "weight_g"):
            out.append((pname, True, f"weight-normalized: only the direction enters (the weight norm of {_kind(modules, mod_name)})"))
            continue
        if isinstance(m, NORM_TYPES):
            label = "BN" if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)) else type(m).__name__
            out.append((pname, False, f"{label} affine parameter ({_kind(modules, mod_name)})"))
            continue
        if not isinstance(m, LAYER_TYPES):
            out.append((pname, False, f"not a conv/linear weight ({_kind(modules, mod_name)})"))
            continue
        if leaf == "bias":
            out.append((pname, False, f"bias ({_kind(modules, mod_name)})"))
            continue
        feeds = consumers.get(mod_name)
        if feeds is None:
            out.append((pname, False, f"not used in the forward pass ({method})"))
        elif not feeds:
            out.append((pname, False, f"{_desc(m)} output reaches the network output unnormalized ({method})"
                        if not isinstance(m, nn.Linear) else
                        f"classifier: output not normalized ({_kind(modules, mod_name)})"))
        elif all(f in modules and isinstance(modules[f], NORM_TYPES) for f in feeds):
            if m.bias is not None:
                out.append((pname, False, f"{_desc(m)} output feeds only {', '.join(_kind(modules, f) for f in feeds)}, "
                            f"but the layer has a bias ({method})"))
            else:
                out.append((pname, True, f"{_desc(m)} output feeds only {', '.join(_kind(modules, f) for f in feeds)} ({method})"))
        else:
            others = [f if f not in modules else _kind(modules, f) for f in feeds]
            out.append((pname, False, f"{_desc(m)} output: feeds {', '.join(others)}, not only a normalization ({method})"))
    return out


def _consumers_fx(model: nn.Module) -> Dict[str, Optional[List[str]]]:
    import torch.fx

    gm = torch.fx.symbolic_trace(model)
    out: Dict[str, Optional[List[str]]] = {}
    for node in gm.graph.nodes:
        if node.op != "call_module" or not isinstance(gm.get_submodule(node.target), LAYER_TYPES):
            continue
        feeds: List[str] = []
        for u in node.users:
            if u.op == "call_module":
                feeds.append(str(u.target))
            elif u.op == "output":
                continue
            else:
                feeds.append(str(getattr(u.target, "__name__", u.target)))
        out.setdefault(str(node.target), [])
        out[str(node.target)].extend(feeds)  # a module called twice: union of its uses
    return out


class HookDetector:
    """Forward-hook detection: attach, run one forward (training does), read `consumers`."""

    def __init__(self, model: nn.Module):
        self.model = model
        # Autograd nodes are matched by id(); holding each node object keeps its Python wrapper
        # (and so its id) alive, so next_functions returns the same objects later.
        self.outputs: Dict[int, Tuple[str, object]] = {}  # id(grad_fn) of a layer output → (layer, node)
        self.norm_in: Dict[int, Tuple[List[str], object]] = {}  # id(grad_fn) of a norm output → norms
        self.handles = []
        self.result: Optional[Dict[str, Optional[List[str]]]] = None
        for name, m in model.named_modules():
            if isinstance(m, LAYER_TYPES):
                self.handles.append(m.register_forward_hook(self._layer_hook(name)))
            elif isinstance(m, NORM_TYPES):
                self.handles.append(m.register_forward_hook(self._norm_hook(name)))
        self.handles.append(model.register_forward_hook(self._root_hook))

    def _layer_hook(self, name):
        def hook(_m, _inp, out):
            fn = out.grad_fn if isinstance(out, torch.Tensor) else None
            if fn is not None:
                self.outputs[id(fn)] = (name, fn)
        return hook

    def _norm_hook(self, name):
        def hook(_m, _inp, out):
            fn = out.grad_fn if isinstance(out, torch.Tensor) else None
            if fn is not None:
                self.norm_in.setdefault(id(fn), ([], fn))[0].append(name)
        return hook

    def _root_hook(self, _m, _inp, out):
        roots = [t.grad_fn for t in _flatten(out) if t.grad_fn is not None]
        if not roots:
            return  # a no-grad forward (evaluation): wait for a training forward
        consumers: Dict[str, List[str]] = {}
        seen = {}  # id → node, holding the nodes so that ids are not reused during the walk
        stack = list(roots)
        while stack:  # every autograd node reachable from the outputs, each visited once
            fn = stack.pop()
            if id(fn) in seen:
                continue
            seen[id(fn)] = fn
            for nxt, _ in fn.next_functions:
                if nxt is None:
                    continue
                hit = self.outputs.get(id(nxt))
                if hit is not None:
                    norms = self.norm_in.get(id(fn))
                    consumers.setdefault(hit[0], []).extend(norms[0] if norms else [type(fn).__name__])
                stack.append(nxt)
        for name, _ in self.outputs.values():
            consumers.setdefault(name, [])
        self.result = consumers
        self.outputs.clear()
        self.norm_in.clear()
        self.close()

    def close(self):
        for h in self.handles:
            h.remove()
        self.handles = []


def _flatten(x):
    if isinstance(x, torch.Tensor):
        yield x
    elif isinstance(x, (list, tuple)):
        for y in x:
            yield from _flatten(y)
    elif isinstance(x, dict):
        for y in x.values():
            yield from _flatten(y)


def detect_fx(model: nn.Module) -> List[Decision]:
    """Decisions from torch.fx (raises if the model does not trace)."""
    return _decide(model, _consumers_fx(model), "torch.fx")


def detect_from_hooks(model: nn.Module, det: HookDetector) -> List[Decision]:
    """Decisions once `det` saw a forward pass."""
    assert det.result is not None
    return _decide(model, det.result, "forward hooks")
