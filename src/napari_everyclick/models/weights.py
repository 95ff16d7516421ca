"""Safe weight files: safetensors only (never a pickle), sha256 and shapes checked at load."""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from ..core.errors import WeightsError


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_weights(model: nn.Module, path: Path, half: bool = True) -> str:
    """Write the model's state dict as safetensors (floats as fp16 when `half`); return sha256."""
    state = {}
    for key, value in model.state_dict().items():
        value = value.detach().cpu().contiguous()
        if half and value.is_floating_point():
            value = value.half()
        state[key] = value
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(state, str(tmp))
    tmp.chmod(0o644)  # safetensors makes the file private to its owner; weights are shipped
    tmp.replace(path)
    return file_sha256(path)


def read_state(path: Path, expected_sha256: str | None = None) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file, after checking it exists and matches its sha256."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file {path} does not exist")
    if expected_sha256 is not None:
        actual = file_sha256(path)
        if actual != expected_sha256:
            raise WeightsError(
                f"weights file {path} has sha256 {actual[:12]}..., but its card says "
                f"{expected_sha256[:12]}...: the file is corrupted, truncated or not the one the "
                "card describes"
            )
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(
            f"weights file {path} is not a readable safetensors file (truncated or corrupted?): "
            f"{exc}"
        ) from None


def load_weights(model: nn.Module, path: Path, expected_sha256: str | None = None) -> nn.Module:
    """Load a safetensors file into `model`, raising WeightsError naming the file on any
    mismatch (missing or unexpected tensors, wrong shapes)."""
    state = read_state(path, expected_sha256)
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or wrong:
        details = []
        if missing:
            details.append(f"{len(missing)} missing (e.g. {missing[0]})")
        if unexpected:
            details.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]})")
        if wrong:
            k = wrong[0]
            details.append(
                f"{len(wrong)} with wrong shapes (e.g. {k}: file {tuple(state[k].shape)}, "
                f"model {tuple(own[k].shape)})"
            )
        raise WeightsError(
            f"weights file {path} does not fit the architecture: " + "; ".join(details)
        )
    model.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()}, strict=True)
    return model
