"""The package's own exception and warning types.

Every error a user can cause (a bad slice, a click outside the image, an unreadable file, a
broken weights file, an unknown method name) is raised as one of these with a message that says
what was wrong and what is expected, never as a traceback from deep inside numpy or torch.
"""

from __future__ import annotations


class EveryClickError(Exception):
    """Base class of every error napari-everyclick raises on purpose."""


class InvalidImageError(EveryClickError, ValueError):
    """The slice or volume cannot be segmented (wrong shape, dtype, size or values)."""


class InvalidClickError(EveryClickError, ValueError):
    """A click lies outside the image or has an impossible radius."""


class ReadError(EveryClickError, OSError):
    """A file or folder could not be read as CT."""


class WeightsError(EveryClickError, OSError):
    """A weights file or its card is missing, truncated, corrupted or does not fit the model."""


class UnknownMethodError(EveryClickError, KeyError):
    """No segmentation method of that name exists."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class DeviceError(EveryClickError, RuntimeError):
    """The requested compute device is not available on this machine."""


class NotCTWarning(UserWarning):
    """The data does not look like CT in Hounsfield units (e.g. a 0-255 photo); still usable."""
