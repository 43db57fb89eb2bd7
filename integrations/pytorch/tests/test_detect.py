"""Scale-invariance detection: torch.fx and forward hooks agree; reasons name the modules."""
import sys
import unittest
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers import ConvGN  # noqa: E402
from smd_torch.detect import HookDetector, detect_from_hooks, detect_fx  # noqa: E402


class Mixed(nn.Module):
    """Every case: BN-fed conv, conv with bias into BN, conv into a residual add, LayerNorm-fed
    linear, a weight-normed conv, and a classifier."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn_a = nn.BatchNorm2d(4)
        self.b = nn.Conv2d(4, 4, 3, padding=1)  # bias: only (weight, bias) together are invariant
        self.bn_b = nn.BatchNorm2d(4)
        self.c = nn.Conv2d(4, 4, 1, bias=False)  # feeds the add as well as the norm
        self.bn_c = nn.BatchNorm2d(4)
        self.wn = nn.utils.weight_norm(nn.Conv2d(4, 4, 1, bias=False))
        self.lin = nn.Linear(4, 6, bias=False)
        self.ln = nn.LayerNorm(6)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        x = torch.relu(self.bn_a(self.a(x)))
        x = torch.relu(self.bn_b(self.b(x)))
        c = self.c(x)
        x = self.bn_c(c) + c
        x = self.wn(x).mean((2, 3))
        return self.fc(self.ln(self.lin(x)))


class Untraceable(ConvGN):
    def forward(self, x):
        if x.sum() > 0:  # data-dependent control flow: torch.fx cannot trace this
            x = x * 1.0
        return super().forward(x)


def hooks(model, x):
    det = HookDetector(model)
    model(x).sum().backward()
    return detect_from_hooks(model, det)


class DetectTest(unittest.TestCase):
    def test_fx_and_hooks_agree_with_reasons(self):
        torch.manual_seed(0)
        m = Mixed()
        fx = {n: (inv, r) for n, inv, r in detect_fx(m)}
        hk = {n: (inv, r) for n, inv, r in hooks(m, torch.randn(2, 3, 5, 5))}
        invariant = sorted(n for n, (inv, _) in fx.items() if inv)
        self.assertEqual(invariant, ["a.weight", "lin.weight", "wn.weight_v"])
        self.assertEqual(invariant, sorted(n for n, (inv, _) in hk.items() if inv))
        self.assertEqual(fx["a.weight"][1], "conv output feeds only BatchNorm2d bn_a (torch.fx)")
        self.assertEqual(hk["a.weight"][1], "conv output feeds only BatchNorm2d bn_a (forward hooks)")
        self.assertEqual(fx["lin.weight"][1], "linear output feeds only LayerNorm ln (torch.fx)")
        self.assertIn("but the layer has a bias", fx["b.weight"][1])
        self.assertIn("not only a normalization", fx["c.weight"][1])
        self.assertIn("add", fx["c.weight"][1])
        self.assertIn("AddBackward0", hk["c.weight"][1])
        self.assertEqual(fx["fc.weight"][1], "classifier: output not normalized (Linear fc)")
        self.assertEqual(fx["bn_a.weight"][1], "BN affine parameter (BatchNorm2d bn_a)")
        self.assertEqual(fx["ln.bias"][1], "LayerNorm affine parameter (LayerNorm ln)")
        self.assertTrue(fx["wn.weight_v"][1].startswith("weight-normalized"))
        self.assertFalse(fx["wn.weight_g"][0])

    def test_untraceable_model_falls_back_to_hooks(self):
        m = Untraceable()
        with self.assertRaises(Exception):
            detect_fx(m)
        d = {n: inv for n, inv, _ in hooks(m, torch.randn(2, 1, 10, 10))}
        self.assertEqual(sorted(n for n, inv in d.items() if inv), ["conv1.weight", "conv2.weight"])


if __name__ == "__main__":
    unittest.main()
