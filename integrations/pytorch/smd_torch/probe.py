"""smd_torch.watch: SMD probes on a PyTorch optimizer, written into an smd run folder.

Step protocol (as packages/smd/src/probe/smd-probe.ts): for the t-th optimizer.step() (t from 0),
on sampled steps (t % every == 0) the pre-step hook keeps a copy of w_t (its own dtype) and sums
[w_t, g_t, v_{t−1}], the post-step hook sums [w_t, d = w_{t+1} − w_t] (sums.py: float64, in
cache-sized chunks on CPU); both write into one device buffer, copied to the host once (the step's
only sync). Rows of step t are ended when step t+1 begins
(or at close), so scalars the caller logs after optimizer.step() land in the same whole step.

torch ≥ 2.0: Optimizer.register_step_pre_hook / register_step_post_hook. torch 1.13: the
instance's `step` is wrapped (kept as a bound method, so lr schedulers still count steps).

DDP: only rank 0 probes and writes; other ranks do nothing. sharded=True (FSDP with
use_orig_params, ZeRO, hand-sharded tensors): every rank reduces its local shards and the Grams
are summed onto rank 0 with one dist.reduce per step (the sums are additive over shards)."""
import math
import os
import platform
import types
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import torch
from torch import nn

from . import __version__
from .detect import HookDetector, detect_fx, detect_from_hooks
from .hyper import config_of, group_hyper, momentum_buffer
from .metrics import RingWindow, rotation_spread, samples_of, stats_from_sums
from .store import RunWriter
from .sums import SUMS, Scratch, default_chunk, post_sums, pre_sums, row_sums

RADIAL_THRESHOLD = 1e-3  # mean |radial cos| below this confirms scale invariance (runtime.ts)
RADIAL_MIN_SAMPLES = 10


class _Slot:
    """One probed tensor: its parameter, group, rows and the saved w_t."""

    def __init__(self, name: str, p: torch.Tensor, group: dict, rows: int, offset: int):
        self.name, self.p, self.group, self.rows, self.offset = name, p, group, rows, offset
        self.kept: Optional[torch.Tensor] = None  # w_t [n] in p's dtype, kept across the step
        self.numel = p.numel()  # elements of the whole tensor (sharded: set from the model's shape)
        self.armed = False  # pre_sums ran this step (the parameter had a gradient)
        self.window: Optional[RingWindow] = None
        self.ch_window: Optional[RingWindow] = None
        self.radial = RingWindow(200)
        self.decided = False
        self.structural_reason = ""


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


class Probe:
    """What `watch` returns: `log(**scalars)`, `close()`, usable as a context manager."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, out: str = "runs",
                 name: Optional[str] = None, every: int = 1, per_channel: bool = False,
                 window: int = 200, params: Optional[Sequence[str]] = None, sharded: bool = False,
                 named: Optional[Iterable[Tuple[str, torch.Tensor]]] = None, group=None,
                 config: Optional[dict] = None, seed: Optional[int] = None, detection: str = "auto",
                 chunk: Optional[int] = -1):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"smd_torch.watch: every must be an integer >= 1, got {every!r}")
        if not isinstance(window, int) or window < 1:
            raise ValueError(f"smd_torch.watch: window must be an integer >= 1, got {window!r}")
        if sharded and per_channel:
            raise ValueError("smd_torch.watch: per_channel needs whole rows; it is not supported with sharded=True")
        if detection not in ("auto", "fx", "hooks"):
            raise ValueError(f"smd_torch.watch: detection must be 'auto', 'fx' or 'hooks', got {detection!r}")
        self.model, self.opt = _unwrap(model), optimizer
        if chunk is not None and (not isinstance(chunk, int) or (chunk < 1 and chunk != -1)):
            raise ValueError(f"smd_torch.watch: chunk must be a positive integer, None or -1 (default), got {chunk!r}")
        self.every, self.per_channel, self.sharded, self.group = every, per_channel, sharded, group
        self.chunk = chunk  # elements per pass of sums.py; -1: per device (sums.default_chunk)
        self.window_samples = math.ceil(window / every)
        dist = torch.distributed
        self.dist_on = dist.is_available() and dist.is_initialized()
        self.rank = dist.get_rank(group) if self.dist_on else 0
        self.active = self.rank == 0 or sharded  # DDP replicas other than rank 0 compute nothing
        self.writes = self.rank == 0
        self.step = 0
        self.pending_end: Optional[int] = None
        self.closed = False
        self.scratch = Scratch()
        self._handles: List = []
        self._orig_step = None
        self._hook_det: Optional[HookDetector] = None
        self.decisions: Dict[str, Tuple[bool, str]] = {}
        self.slots: List[_Slot] = []
        self.writer: Optional[RunWriter] = None
        if not self.active:
            return
        names = {id(p): n for n, p in (named if named is not None else self.model.named_parameters())}
        self._named_opt = []  # (name, param, group) of every optimizer parameter with a name
        for g in optimizer.param_groups:
            for p in g["params"]:
                if id(p) in names:
                    self._named_opt.append((names[id(p)], p, g))
        if self.writes:
            run_name = name or type(self.model).__name__
            cfg = {
                "source": "pytorch",
                "model": type(self.model).__name__,
                "optimizer": config_of(optimizer),
                "probeEvery": every,
                "perChannel": per_channel,
                "window": window,
                "sharded": sharded,
                "worldSize": dist.get_world_size(group) if self.dist_on else 1,
                **(config or {}),
            }
            s = torch.initial_seed() if seed is None else seed
            self.writer = RunWriter(
                out, run_name, cfg, seed=s if s < 2**53 else -1,
                backend=f"pytorch-{next(iter(self.model.parameters())).device.type}",
                versions={"torch": torch.__version__, "python": platform.python_version(), "smd_torch": __version__},
            )
            if s >= 2**53:
                self.writer.log(f"torch seed {s} does not fit the manifest's integer; recorded as -1")
        self.writer_dir = self.writer.dir if self.writer else None
        if params is not None:
            chosen = set(params)
            unknown = chosen - {n for n, _, _ in self._named_opt}
            if unknown:
                raise ValueError(f"smd_torch.watch: params not in the optimizer: {sorted(unknown)}")
            self._set_decisions([(n, n in chosen, "listed by the caller" if n in chosen else "not listed by the caller")
                                 for n, _, _ in self._named_opt], "caller")
        elif detection in ("auto", "fx"):
            try:
                self._set_decisions(detect_fx(self.model), "torch.fx")
            except Exception as e:  # untraceable model (data-dependent control flow, …)
                if detection == "fx":
                    raise
                self._log(f"torch.fx could not trace {type(self.model).__name__} ({type(e).__name__}: "
                          f"{str(e).splitlines()[0][:200] if str(e) else ''}); detecting with forward hooks")
                self._hook_det = HookDetector(self.model)
        else:
            self._hook_det = HookDetector(self.model)
        self._install()

    # ----- detection -------------------------------------------------------------------------
    def _log(self, msg: str) -> None:
        if self.writer:
            self.writer.log(msg)

    def _set_decisions(self, decisions, method: str) -> None:
        self.decisions = {n: (inv, reason) for n, inv, reason in decisions}
        offset = 0
        self.slots = []
        full = {n: p.numel() for n, p in self.model.named_parameters()}  # a shard's tensor is flat
        for n, p, g in self._named_opt:
            inv, reason = self.decisions.get(n, (False, "not in the model's named parameters"))
            if not inv:
                continue
            rows = p.shape[0] if self.per_channel and p.dim() >= 2 and p.shape[0] > 1 else 1
            s = _Slot(n, p, g, rows, offset)
            s.numel = full.get(n, s.numel)
            s.structural_reason = reason
            s.window = RingWindow(self.window_samples)
            s.ch_window = RingWindow(self.window_samples, rows) if rows > 1 else None
            offset += rows * SUMS
            self.slots.append(s)
        self.res_len = offset
        if self.writer:
            # full shapes from the model (a sharded optimizer holds flat local pieces)
            shapes = {n: list(p.shape) for n, p, _ in self._named_opt}
            shapes.update({n: list(p.shape) for n, p in self.model.named_parameters()})
            self.writer.declare_params((n, shapes.get(n), inv, r) for n, (inv, r) in self.decisions.items())
            self.writer.log(f"detection ({method}): {len(self.slots)} scale-invariant tensors probed, "
                            f"{len(self.decisions) - len(self.slots)} not")

    # ----- hooks -----------------------------------------------------------------------------
    def _install(self) -> None:
        opt = self.opt
        if hasattr(opt, "register_step_pre_hook"):
            self._handles.append(opt.register_step_pre_hook(lambda *_: self._before()))
            self._handles.append(opt.register_step_post_hook(lambda *_: self._after()))
            return
        orig = opt.step  # bound method, or a scheduler's counting wrapper (a function)
        probe = self

        def step(self_opt, *args, **kwargs):
            probe._before()
            r = orig(*args, **kwargs)
            probe._after()
            return r

        step._with_counter = getattr(orig, "_with_counter", False)  # torch.optim.lr_scheduler's mark
        self._orig_step = orig
        opt.step = types.MethodType(step, opt)

    def _chunk(self, device: torch.device) -> Optional[int]:
        return default_chunk(device) if self.chunk == -1 else self.chunk

    def _sampled(self) -> bool:
        return self.step % self.every == 0

    def _before(self) -> None:
        if self.closed:
            return
        if self._hook_det is not None:
            if self._hook_det.result is None:
                raise RuntimeError("smd_torch: optimizer.step() before any training forward pass: "
                                   "forward-hook detection needs one (or pass detection='fx' / params=[...])")
            self._set_decisions(detect_from_hooks(self.model, self._hook_det), "forward hooks")
            self._hook_det = None
        self._end_pending()
        if not self._sampled() or not self.slots:
            return
        dev_bufs = {}
        with torch.no_grad():
            for s in self.slots:
                p = s.p
                s.armed = False
                if p.grad is None:
                    continue
                buf = dev_bufs.get(p.device)
                if buf is None:
                    buf = dev_bufs[p.device] = torch.zeros(self.res_len, dtype=torch.float64, device=p.device)
                k = s.kept
                if k is None or k.numel() != p.numel() or k.device != p.device or k.dtype != p.dtype:
                    s.kept = torch.empty(p.numel(), dtype=p.dtype, device=p.device)
                v = momentum_buffer(self.opt, p)
                pre_sums(buf[s.offset:s.offset + s.rows * SUMS], s.kept, self.scratch, p, p.grad, v, s.rows,
                         self._chunk(p.device))
                s.armed = True
        self._bufs = dev_bufs

    def _after(self) -> None:
        if self.closed:
            return
        step = self.step
        self.step += 1
        if self.writer:
            self.writer.scalar(step, "lr", float(self.opt.param_groups[0]["lr"]))
        if step % self.every != 0 or not self.slots:
            self.pending_end = step
            return
        with torch.no_grad():
            for s in self.slots:
                if s.armed:
                    post_sums(self._bufs[s.p.device][s.offset:s.offset + s.rows * SUMS], s.kept, self.scratch,
                              s.p, s.rows, self._chunk(s.p.device))
        host = {}
        for dev, buf in self._bufs.items():
            if self.sharded and self.dist_on:
                torch.distributed.reduce(buf, dst=0, group=self.group)
            host[dev] = buf.tolist() if self.writes else None  # the step's one host sync
        self._bufs = {}
        if self.writes:
            self._measure(step, host)
        self.pending_end = step

    # ----- measurements ------------------------------------------------------------------------
    def _measure(self, step: int, host) -> None:
        w = self.writer
        for s in self.slots:
            if not s.armed:
                continue
            vals = host[s.p.device]
            h = group_hyper(self.opt, s.group)
            rows = [row_sums(vals, s.offset, s.rows, r) for r in range(s.rows)]
            tot = [sum(col) for col in zip(*rows)]  # whole tensor: rows summed in float64
            n = s.numel
            st = stats_from_sums(*tot, h["lr"], h["momentum"], n)
            s.window.push([st["h_tilde"] if h["momentum"] > 0 else st["unit_grad_sq_norm"]])
            for metric, value, _ in samples_of(st, h, s.window.means()[0], None):
                w.probe(step, s.name, metric, value)
            if s.ch_window is not None:
                chs = [stats_from_sums(*x, h["lr"], h["momentum"], n // s.rows) for x in rows]
                w.probe(step, s.name, "rotation_spread", rotation_spread([c["delta_rad"] for c in chs]))
                key = "h_tilde" if h["momentum"] > 0 else "unit_grad_sq_norm"
                s.ch_window.push([c[key] for c in chs])
                Ls = s.ch_window.means()
                for c, (cst, L) in enumerate(zip(chs, Ls)):
                    for metric, value, ch in samples_of(cst, h, L, c):
                        w.probe(step, s.name, metric, value, ch)
            if math.isfinite(st["radial_cos"]):
                s.radial.push([abs(st["radial_cos"])])
            if not s.decided and s.radial.filled >= RADIAL_MIN_SAMPLES:
                self._confirm(step, s)

    def _confirm(self, step: int, s: _Slot) -> None:
        """Runtime check of a structural decision by the mean |radial cos| (runtime.ts)."""
        s.decided = True
        m = s.radial.means()[0]
        n = s.radial.filled
        if m < RADIAL_THRESHOLD:
            reason = f"{s.structural_reason}; confirmed: mean |radial cos| = {m:.3g} < {RADIAL_THRESHOLD} over {n} steps"
            inv = True
        else:
            reason = f"{s.structural_reason}; but mean |radial cos| = {m:.3g} >= {RADIAL_THRESHOLD} over {n} steps"
            inv = False
            self.writer.event(step, "note", f"{s.name}: not scale-invariant at run time ({reason})")
        self.decisions[s.name] = (inv, reason)
        shape = dict(self.model.named_parameters()).get(s.name, s.p).shape
        self.writer.declare_params([(s.name, list(shape), inv, reason)])

    def _end_pending(self) -> None:
        if self.pending_end is not None and self.writer:
            self.writer.end_step(self.pending_end)
        self.pending_end = None

    # ----- public --------------------------------------------------------------------------------
    def log(self, step: Optional[int] = None, **scalars: float) -> None:
        """Logs scalars (loss=…, acc=…) for `step` (default: the step optimizer.step() just took).
        Tensors are read with .item() (a host sync the caller chooses)."""
        if not self.writer or self.closed:
            return
        t = (self.step - 1 if self.step > 0 else 0) if step is None else step
        for k, v in scalars.items():
            self.writer.scalar(t, k, float(v.item() if isinstance(v, torch.Tensor) else v))

    def event(self, kind: str, message: str, step: Optional[int] = None) -> None:
        """Records a run event ('lr_drop', 'eval', 'note', …) at `step` (default: the last step)."""
        if self.writer and not self.closed:
            self.writer.event(self.step - 1 if step is None else step, kind, message)

    @property
    def dir(self) -> Optional[str]:
        """The run folder (rank 0), else None."""
        return self.writer_dir if self.active else None

    def close(self, status: str = "finished") -> None:
        """Ends the last step, writes status.json and releases the run; removes the hooks."""
        if self.closed:
            return
        if self.active:
            self._end_pending()
        self.closed = True
        for h in self._handles:
            h.remove()
        if self._orig_step is not None:
            self.opt.step = self._orig_step
        if self._hook_det is not None:
            self._hook_det.close()
        if self.writer:
            self.writer.close(status)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close("finished" if exc_type is None else None)
        return False


def watch(model: nn.Module, optimizer: torch.optim.Optimizer, out: str = "runs", name: Optional[str] = None,
          every: int = 1, per_channel: bool = False, **kwargs) -> Probe:
    """Probes the scale-invariant weights of `model` at every `every`-th optimizer.step() and
    writes an smd run folder under `out` (see Probe for the other options)."""
    return Probe(model, optimizer, out=out, name=name, every=every, per_channel=per_channel, **kwargs)
