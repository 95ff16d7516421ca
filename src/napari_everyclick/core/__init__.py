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
    "DEFAULT_WINDOW",
    "STATIC_RADIUS_PX",
    "WINDOW_PRESETS",
    "Click",
    "DeviceError",
    "EveryClickError",
    "InvalidClickError",
    "InvalidImageError",
    "NotCTWarning",
    "Prediction",
    "PreparedSlice",
    "ReadError",
    "Segmenter",
    "Session",
    "UnknownMethodError",
    "WeightsError",
    "Window",
]
