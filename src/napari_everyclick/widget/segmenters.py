"""Building segmenters and preparing slices lazily, inside the worker thread.

Qt-free. A learned method imports torch and loads its weights the first time it is used (in
`methods.make_segmenter`), so that happens off the GUI thread, inside the first prediction job.
The prepared slice (windowing, a model's feature cache) is kept for the slice being clicked, so
the second click on a slice costs only the prediction. Only the worker thread calls `segmenter`
and `prepared`; the runner serialises workers, and a lock guards against misuse anyway.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.image import validate_slice
from ..core.segmenter import PreparedSlice, Segmenter
from ..core.windowing import Window
from ..methods import MethodInfo, available_methods, make_segmenter

SegmenterFactory = Callable[..., Segmenter]

DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class MethodChoice:
    """What the user picked: method name, device ("auto", "cpu", "cuda") and, for methods that
    offer it (FocalClick), whether Progressive Merge is on; None keeps the method's own setting
    (its model card's, which its measured figures used)."""

    name: str
    device: str = "auto"
    progressive_merge: bool | None = None


def learned_methods() -> set[str]:
    """Names of the shipped learned models (kind "learned")."""
    return {m.name for m in available_methods() if m.kind == "learned"}


def default_method(infos: Sequence[MethodInfo] | None = None) -> str:
    """Of the shipped models whose cards show they beat flood fill on val, the one with the
    lowest val Iterative IoU Error; else "flood": the default is what measured best, not what
    sounds newest.

    infos: the methods to choose from (default: `available_methods()`)."""
    infos = available_methods() if infos is None else infos
    better = [m for m in infos if m.kind == "learned" and m.beats_flood]
    if better:
        inf = float("inf")
        return min(better, key=lambda m: (inf if m.val_error is None else m.val_error, m.name)).name
    names = [m.name for m in infos]
    return "flood" if "flood" in names or not names else names[0]


def keep_triton_out() -> None:
    """Make `import triton` fail in this process, unless something imported it already.

    torchvision (which timm imports) imports torch._dynamo, which imports triton when it is
    installed; loading triton's LLVM kills the process (segmentation fault) once Mesa's LLVM is
    loaded for napari's OpenGL canvas (software rendering: llvmpipe, remote desktops, VMs).
    Our methods never use triton (CPU inference runs in ONNX Runtime or eager torch), and torch
    takes a failing import as "triton is not installed"."""
    sys.modules.setdefault("triton", None)


class SegmenterPool:
    """One segmenter per (method, device) and the newest prepared slice.

    factory(name, **options) builds a segmenter (default `make_segmenter`); tests pass a fake.
    learned: names that take a `device` option.
    """

    def __init__(
        self, factory: SegmenterFactory = make_segmenter, learned: set[str] | None = None
    ) -> None:
        self._factory = factory
        self._learned = learned_methods() if learned is None else learned
        self._segmenters: dict[tuple[str, str], Segmenter] = {}
        self._prepared: tuple[Hashable, PreparedSlice] | None = None
        self._lock = threading.Lock()

    def is_learned(self, name: str) -> bool:
        return name in self._learned

    def is_built(self, choice: MethodChoice) -> bool:
        """Whether `choice`'s segmenter exists already (a model's first use loads it)."""
        with self._lock:
            return (choice.name, choice.device) in self._segmenters

    def segmenter(self, choice: MethodChoice) -> Segmenter:
        """The segmenter for `choice`, built on first use (torch loads here for models)."""
        key = (choice.name, choice.device)
        with self._lock:
            segmenter = self._segmenters.get(key)
            if segmenter is None:
                options: dict[str, Any] = {}
                if self.is_learned(choice.name):
                    options["device"] = choice.device
                keep_triton_out()
                segmenter = self._factory(choice.name, **options)
                self._segmenters[key] = segmenter
        _set_progressive_merge(segmenter, choice.progressive_merge)
        return segmenter

    def prepared(
        self,
        segmenter: Segmenter,
        slice_key: Hashable,
        window: Window,
        read_slice: Callable[[], np.ndarray],
    ) -> PreparedSlice:
        """The prepared slice for (segmenter, slice, window), prepared once and reused.

        read_slice() returns the (H, W) slice in HU (a view of the volume)."""
        key = (id(segmenter), slice_key, tuple(window))
        with self._lock:
            if self._prepared is not None and self._prepared[0] == key:
                return self._prepared[1]
        image = segmenter.prepare(validate_slice(np.asarray(read_slice())), window)
        with self._lock:
            self._prepared = (key, image)
        return image

    def forget_slices(self) -> None:
        """Drop the prepared slice (the image's data changed)."""
        with self._lock:
            self._prepared = None


def _set_progressive_merge(segmenter: Segmenter, on: bool | None) -> None:
    """Switch Progressive Merge on a method that has it: a `progressive_merge` attribute, or a
    dataclass `config` with that field (the learned predictors, also behind a hand-over to a
    classical method: its `network`); other methods, and `on` None, leave it as it is."""
    if on is None:
        return
    segmenter = getattr(segmenter, "network", segmenter)
    if hasattr(segmenter, "progressive_merge"):
        segmenter.progressive_merge = on
        return
    config = getattr(segmenter, "config", None)
    if dataclasses.is_dataclass(config) and getattr(config, "progressive_merge", on) != on:
        segmenter.config = dataclasses.replace(config, progressive_merge=on)


def device_of(segmenter: Segmenter) -> str:
    """The device a segmenter runs on: its `device`, else its runner's (the learned
    predictors), else "cpu" (classical methods)."""
    device = getattr(segmenter, "device", None)
    if device is None:
        device = getattr(getattr(segmenter, "runner", None), "device", "cpu")
    return str(device)
