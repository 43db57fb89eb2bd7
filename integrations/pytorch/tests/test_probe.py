"""smd_torch.watch end to end on small models: the step protocol under the installed torch
(1.13: wrapped optimizer.step; 2.x: step hooks) with lr schedulers, sampling, optimizers,
runtime confirmation, and crash safety (SIGKILL mid-run leaves whole steps only)."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import warnings
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.hooks import RemovableHandle

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import smd_torch  # noqa: E402
from helpers import ConvGN, batches, probe_rows, query, run_dirs  # noqa: E402

ALL = ["norm", "delta_rad", "grad_sq_norm", "unit_grad_sq_norm", "h_tilde", "v_dot_g", "radial_cos",
       "lr_effective", "L_window", "delta_star", "w_star", "update_rms", "rotation_spread"]


class Torch2SGD(torch.optim.SGD):
    """SGD with torch 2.x's optimizer step hooks (torch/optim/optimizer.py, profile_hook_step):
    hook(optimizer, args, kwargs) before and after step; a pre-hook may return new (args, kwargs);
    register_* returns a RemovableHandle on the hook dict."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self.hook_calls = 0

    def register_step_pre_hook(self, hook):
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def step(self, *args, **kwargs):
        args = (self,) + args
        for hook in list(self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                args, kwargs = result
        out = torch.optim.SGD.step(*args, **kwargs)
        for hook in list(self._optimizer_step_post_hooks.values()):
            hook(self, args, kwargs)
        if self._optimizer_step_pre_hooks:
            self.hook_calls += 1
        return out


def train(model, opt, probe, data, sched=None):
    for x, y in data:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        probe.log(loss=loss)


class ProbeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name
        torch.manual_seed(0)

    def tearDown(self):
        self.tmp.cleanup()

    def test_schedule_read_each_step_scheduler_still_counts(self):
        m = ConvGN().double()
        opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
        before = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.25)  # made before watch
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with smd_torch.watch(m, opt, out=self.out, name="sched") as probe:
                train(m, opt, probe, batches(12, 8), before)
        self.assertEqual([str(w.message) for w in caught if "lr_scheduler" in str(w.message)], [])
        d = probe.dir
        rows = probe_rows(d)
        star = {s: rows[(s, "conv1.weight", "delta_star", None)] for s in range(12)}
        lrs = dict(query(d, "SELECT step, value FROM scalars WHERE name = 'lr'"))
        self.assertEqual([lrs[s] for s in (0, 4, 5, 10)], [0.1, 0.1, 0.025, 0.1 * 0.25 ** 2])
        # Δ* = 2·asin(√(λη/(2(1+α)))) at each step's η
        import math
        for s in (0, 5, 11):
            x = 1e-3 * lrs[s] / 1.9
            self.assertAlmostEqual(star[s], 2 * math.asin(math.sqrt(x / 2)), places=15)
        for s in range(12):  # lr_effective = η/‖w‖² with the step's η
            self.assertAlmostEqual(rows[(s, "conv1.weight", "lr_effective", None)],
                                   lrs[s] / rows[(s, "conv1.weight", "norm", None)] ** 2, places=14)
        self.assertEqual(query(d, "SELECT value FROM meta WHERE key = 'ended_step'"), [("11",)])
        losses = query(d, "SELECT COUNT(*) FROM scalars WHERE name = 'loss'")
        self.assertEqual(losses, [(12,)])
        status = json.loads(Path(d, "status.json").read_text())
        self.assertEqual((status["status"], status["lastStep"]), ("finished", 11))
        self.assertFalse(Path(d, "run.lock").exists())
        man = json.loads(Path(d, "manifest.json").read_text())
        self.assertEqual(man["config"]["optimizer"]["name"], "sgdm")
        self.assertEqual(man["config"]["optimizer"]["weightDecay"], 1e-3)
        self.assertEqual(man["backend"], "pytorch-cpu")
        # the scheduler saw every step (its own counter) after watch wrapped / hooked step
        self.assertEqual(before.last_epoch, 12)

    def test_every_per_channel_and_the_metric_set_per_optimizer(self):
        cases = {
            "sgd": (torch.optim.SGD, dict(lr=0.1, weight_decay=1e-3), set(ALL) - {"h_tilde", "v_dot_g"}),
            "nesterov": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
                         set(ALL) - {"delta_star", "w_star"}),
            "adam": (torch.optim.Adam, dict(lr=1e-3, weight_decay=1e-3),
                     set(ALL) - {"h_tilde", "v_dot_g", "delta_star", "w_star"}),
        }
        for label, (cls, kw, metrics) in cases.items():
            m = ConvGN().double()
            opt = cls(m.parameters(), **kw)
            with smd_torch.watch(m, opt, out=os.path.join(self.out, label), every=3, per_channel=True) as probe:
                train(m, opt, probe, batches(10, 8))
            rows = probe_rows(probe.dir)
            self.assertEqual(sorted({s for s, *_ in rows}), [0, 3, 6, 9], label)
            whole = {m_ for (s, p, m_, c) in rows if s == 3 and p == "conv2.weight" and c is None}
            self.assertEqual(whole, metrics, label)
            chans = {c for (s, p, m_, c) in rows if p == "conv2.weight" and c is not None}
            self.assertEqual(chans, set(range(8)), label)
            # per-channel sums add up to the whole tensor
            n2 = sum(rows[(6, "conv2.weight", "norm", c)] ** 2 for c in range(8))
            self.assertAlmostEqual(n2, rows[(6, "conv2.weight", "norm", None)] ** 2, places=12)

    def test_runtime_check_confirms_and_contradicts(self):
        m = ConvGN().double()
        opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
        with smd_torch.watch(m, opt, out=self.out, params=["conv1.weight", "fc.weight"]) as probe:
            train(m, opt, probe, batches(12, 8))
        params = {n: (inv, r) for n, inv, r in query(probe.dir, "SELECT name, scale_invariant, reason FROM params")}
        self.assertEqual(params["conv1.weight"][0], 1)
        self.assertIn("confirmed: mean |radial cos|", params["conv1.weight"][1])
        self.assertEqual(params["fc.weight"][0], 0)
        self.assertIn("but mean |radial cos|", params["fc.weight"][1])
        events = query(probe.dir, "SELECT step, kind, message FROM events")
        self.assertEqual([(s, k) for s, k, _ in events], [(9, "note")])
        self.assertIn("fc.weight: not scale-invariant at run time", events[0][2])

    def test_torch2_step_hooks_are_used_and_give_the_same_values(self):
        # torch 1.13 has no optimizer step hooks: Torch2SGD adds them as torch 2.x does, so the
        # probe must register through them (no wrapped step) and measure exactly what it measures
        # through the wrapped step of a plain 1.13 SGD on the same model, data and schedule
        runs = {}
        for label, cls in (("wrapped", torch.optim.SGD), ("hooks", Torch2SGD)):
            torch.manual_seed(0)
            m = ConvGN().double()
            opt = cls(m.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
            before = vars(opt).get("step")  # 1.13's scheduler wraps step on the instance to count
            with smd_torch.watch(m, opt, out=os.path.join(self.out, label), per_channel=True) as probe:
                wrapped = vars(opt).get("step") is not before
                hooks = (len(opt._optimizer_step_pre_hooks), len(opt._optimizer_step_post_hooks)) \
                    if cls is Torch2SGD else None
                train(m, opt, probe, batches(10, 8), sched)
            self.assertEqual(wrapped, cls is torch.optim.SGD, label)
            self.assertIs(vars(opt).get("step"), before, f"{label}: close() restores step")
            if cls is Torch2SGD:
                self.assertEqual(hooks, (1, 1))
                self.assertEqual((len(opt._optimizer_step_pre_hooks), len(opt._optimizer_step_post_hooks)), (0, 0))
                self.assertEqual(opt.hook_calls, 10)
            self.assertEqual(sched.last_epoch, 10, label)
            runs[label] = probe_rows(probe.dir)
        self.assertEqual(len({s for s, *_ in runs["hooks"]}), 10)
        self.assertEqual(runs["hooks"], runs["wrapped"])

    def test_sigkill_leaves_whole_steps(self):
        script = f"""
import sys, torch, torch.nn.functional as F
sys.path[:0] = [{str(HERE.parent)!r}, {str(HERE)!r}]
import smd_torch
from helpers import ConvGN
torch.manual_seed(0)
m = ConvGN(); opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
probe = smd_torch.watch(m, opt, out={self.out!r}, per_channel=True)
probe.writer.batch_steps = 3
t = 0
while True:
    x = torch.randn(8, 1, 10, 10); y = torch.randint(0, 10, (8,))
    loss = F.cross_entropy(m(x), y); opt.zero_grad(); loss.backward(); opt.step(); probe.log(loss=loss)
    print("step", t, flush=True); t += 1
"""
        p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        self.addCleanup(p.stdout.close)
        try:
            for line in p.stdout:
                if line.strip() == "step 40":
                    break
            os.kill(p.pid, signal.SIGKILL)
        finally:
            p.wait()
        (d,) = run_dirs(self.out)
        ended = int(query(d, "SELECT value FROM meta WHERE key = 'ended_step'")[0][0])
        self.assertGreaterEqual(ended, 20)
        counts = query(d, "SELECT step, COUNT(*) FROM probes GROUP BY step")
        self.assertEqual(max(s for s, _ in counts), ended)  # nothing beyond the last whole step
        self.assertEqual({n for _, n in counts}, {counts[0][1]})  # every step complete
        self.assertEqual(query(d, "SELECT COUNT(*) FROM scalars WHERE name = 'loss'"), [(ended + 1,)])
        self.assertFalse(Path(d, "status.json").exists())  # killed: smd shows it as 'killed'


if __name__ == "__main__":
    unittest.main()
