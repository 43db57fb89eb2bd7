"""smd_torch: SMD probes for PyTorch training that write the smd run store.

    probe = smd_torch.watch(model, optimizer, out="runs", name="my-run")
    ...  # train as usual; probe.log(loss=loss) to add scalars
    probe.close()
"""
__version__ = "0.1.0"

from .probe import Probe, watch  # noqa: E402

__all__ = ["watch", "Probe", "__version__"]
