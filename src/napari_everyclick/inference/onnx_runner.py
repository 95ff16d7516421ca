"""An ONNX Runtime backend for the predictors (optional: `pip install napari-everyclick[onnx]`).

The torch network is exported in memory (static shapes: the predictor's fixed crop sizes) when
the predictor is built, and the ONNX Runtime session is checked against torch on a random input
(max |difference| of the logits <= 1e-3) before it is used; a mismatch raises, so a wrong graph
never reaches a user. Same interface as TorchRunner.
"""

from __future__ import annotations

import io
import os
import warnings

import numpy as np
import torch
from torch import nn

from ..core.errors import EveryClickError

MAX_DIFFERENCE = 1e-3


class _Coarse(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor, coords: torch.Tensor):
        out = self.model(image, coords)
        return out["instances"], out["features"]


class _Refine(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, image, clicks, coarse, features, boxes):
        return self.model.refine(image, clicks, coarse, features, boxes)["refined"]


def _export(module: nn.Module, inputs: tuple[torch.Tensor, ...], names: list[str]) -> bytes:
    """The ONNX graph of `module` in eval mode. The exporter restores the wrapper's training
    flag afterwards, and a fresh wrapper is in training mode, so it is set to eval first:
    otherwise the wrapped network would be left with BatchNorm in training mode."""
    module.eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # tracer notes on shapes that are static by design
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module, inputs, buffer, input_names=names, opset_version=17, dynamo=False
        )
    return buffer.getvalue()


def _session(graph: bytes, threads: int):
    try:
        import onnxruntime as ort
    except ImportError:
        raise EveryClickError(
            "the onnx backend needs onnxruntime: pip install 'napari-everyclick[onnx]'"
        ) from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    # no busy-waiting between runs: FocalClick holds two sessions (coarse, refiner) whose idle
    # spinning threads would steal the cores from the one running (measured: 44 -> 9 ms)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


class OnnxRunner:
    """Runs the coarse network (and FocalClick's refiner) with ONNX Runtime on the CPU."""

    def __init__(
        self,
        model: nn.Module,
        net_size: int,
        refine_size: int | None = None,
        threads: int | None = None,
    ) -> None:
        self.device_name = "cpu (ONNX Runtime)"
        model = model.float().eval().to(memory_format=torch.contiguous_format)
        threads = threads or os.cpu_count() or 1
        channels = model.config.in_chans
        rng = torch.Generator().manual_seed(0)
        image = torch.rand(1, channels, net_size, net_size, generator=rng) * 2 - 1
        coords = (torch.rand(1, 3, net_size, net_size, generator=rng) > 0.7).float()
        with torch.inference_mode():
            want_logits, features = _Coarse(model)(image, coords)
        self.coarse_session = _session(
            _export(_Coarse(model), (image, coords), ["image", "coords"]), threads
        )
        got = self.coarse_session.run(None, {"image": image.numpy(), "coords": coords.numpy()})[0]
        self._check(want_logits.numpy(), got, "coarse network")
        self.refine_session = None
        if refine_size is not None:
            focus = torch.rand(1, channels, refine_size, refine_size, generator=rng) * 2 - 1
            clicks = (torch.rand(1, 2, refine_size, refine_size, generator=rng) > 0.8).float()
            boxes = torch.tensor([[10.0, 12.0, 70.0, 80.0]]) * net_size / 128.0
            args = (focus, clicks, want_logits, features, boxes)
            with torch.inference_mode():
                want = _Refine(model)(*args)
            names = ["image", "clicks", "coarse", "features", "boxes"]
            self.refine_session = _session(_export(_Refine(model), args, names), threads)
            got = self.refine_session.run(None, dict(zip(names, (a.numpy() for a in args))))[0]
            self._check(want.numpy(), got, "refiner")

    @staticmethod
    def _check(want: np.ndarray, got: np.ndarray, what: str) -> None:
        diff = float(np.abs(want - got).max())
        if diff > MAX_DIFFERENCE:
            raise EveryClickError(
                f"the ONNX {what} differs from torch by {diff:.2e} (> {MAX_DIFFERENCE}); "
                "use the torch backend"
            )

    def coarse(
        self, image: np.ndarray, coords: np.ndarray, flip: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        x = np.ascontiguousarray(image[None], dtype=np.float32)
        c = np.ascontiguousarray(coords[None], dtype=np.float32)
        logits, features = self.coarse_session.run(None, {"image": x, "coords": c})
        if flip:
            flipped = self.coarse_session.run(
                None, {"image": x[..., ::-1].copy(), "coords": c[..., ::-1].copy()}
            )[0]
            logits = 0.5 * (logits + flipped[..., ::-1])
        return logits[0, 0], features

    def refine(
        self,
        focus_image: np.ndarray,
        focus_clicks: np.ndarray,
        coarse_logits: np.ndarray,
        features: np.ndarray,
        box_xyxy: tuple[float, float, float, float],
    ) -> np.ndarray:
        if self.refine_session is None:
            raise EveryClickError("this ONNX runner has no refiner")
        feeds = {
            "image": np.ascontiguousarray(focus_image[None], dtype=np.float32),
            "clicks": np.ascontiguousarray(focus_clicks[None], dtype=np.float32),
            "coarse": np.ascontiguousarray(coarse_logits[None, None], dtype=np.float32),
            "features": features,
            "boxes": np.array([box_xyxy], dtype=np.float32),
        }
        return self.refine_session.run(None, feeds)[0][0, 0]
