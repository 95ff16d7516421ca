"""Qt-free, torch-free core: clicks and disks, CT windowing, the simulated user, metrics,
classical segmenters and the session that ties a method to a slice."""

from .clicks import STATIC_RADIUS_PX, Click
from .errors import (
    DeviceError,
    EveryClickError,
    InvalidClickError,
    InvalidImageError,
    NotCTWarning,
    ReadError,
    UnknownMethodError,
    WeightsError,
)
from .segmenter import Prediction, PreparedSlice, Segmenter
from .session import Session
from .windowing import DEFAULT_WINDOW, WINDOW_PRESETS, Window

__all__ = [
    "Click",
    "STATIC_RADIUS_PX",
    "DEFAULT_WINDOW",
    "WINDOW_PRESETS",
    "Window",
    "Prediction",
    "PreparedSlice",
    "Segmenter",
    "Session",
    "EveryClickError",
    "InvalidClickError",
    "InvalidImageError",
    "ReadError",
    "WeightsError",
    "UnknownMethodError",
    "DeviceError",
    "NotCTWarning",
]
