"""Compute device choice: auto = CUDA, then Apple MPS, then CPU; a clear error otherwise."""

from __future__ import annotations

import re

import torch

from ..core.errors import DeviceError

DEVICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(name: str = "auto") -> torch.device:
    """The torch device for `name`; raise DeviceError when it is not available here."""
    if name not in DEVICES and not re.fullmatch(r"cuda:\d+", name):
        raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps is not None and mps.is_available())
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if has_mps else torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError(
            f"device {name!r} was requested but CUDA is not available on this machine "
            "(no NVIDIA GPU or a CPU-only torch build); use 'auto' or 'cpu'"
        )
    if name.startswith("cuda:") and int(name[5:]) >= torch.cuda.device_count():
        count = torch.cuda.device_count()
        raise DeviceError(
            f"device {name!r} was requested but this machine has {count} CUDA devices "
            f"(cuda:0..cuda:{count - 1}); use 'cuda' for the first"
        )
    if name == "mps" and not has_mps:
        raise DeviceError("device 'mps' was requested but Apple MPS is not available; use 'cpu'")
    return torch.device(name)
