"""napari-everyclick: outline a CT lesion in one or two gestures.

    from napari_everyclick import Click, open_session
    s = open_session("flood")
    s.set_image(slice_hu, window=(40, 400))
    mask = s.click(Click(y=120.0, x=88.0, positive=True, radius=14.0))
"""

from .core.clicks import STATIC_RADIUS_PX, Click
from .core.errors import (
    DeviceError,
    EveryClickError,
    InvalidClickError,
    InvalidImageError,
    NotCTWarning,
    ReadError,
    UnknownMethodError,
    WeightsError,
)
from .core.session import Session
from .methods import available_methods, make_segmenter, open_session

__version__ = "0.1.0"

__all__ = [
    "STATIC_RADIUS_PX",
    "Click",
    "DeviceError",
    "EveryClickError",
    "InvalidClickError",
    "InvalidImageError",
    "NotCTWarning",
    "ReadError",
    "Session",
    "UnknownMethodError",
    "WeightsError",
    "available_methods",
    "make_segmenter",
    "open_session",
]
