"""A click: a point on the slice with a sign and a disk radius.

Coordinates are (y, x) in pixels of the 2D slice (row, column; sub-pixel allowed). The radius is
in the same slice pixels: a plain click carries the static radius, a click-and-drag (a *dynamic
disk*) carries the drag distance. `plain` says which gesture it was: a plain click says nothing
of the object's size, whatever radius the user chose for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .errors import InvalidClickError

STATIC_RADIUS_PX = 5.0
"""Radius of a plain click in slice pixels (the thesis's 'locked' radius)."""


@dataclass(frozen=True)
class Click:
    """One user gesture: positive (object) or negative (background) disk.

    y, x: centre in slice pixels (row, column). radius: disk radius in slice pixels, > 0.
    plain: True for a press-release (no size), False for a drag; left out (None), a click is
    plain when its radius is STATIC_RADIUS_PX.
    """

    y: float
    x: float
    positive: bool = True
    radius: float = STATIC_RADIUS_PX
    plain: bool | None = None

    def __post_init__(self) -> None:
        for name in ("y", "x", "radius"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                try:
                    value = float(value)  # numpy scalars
                except (TypeError, ValueError):
                    raise InvalidClickError(
                        f"click {name} must be a number, got {type(value).__name__}"
                    ) from None
                object.__setattr__(self, name, value)
            if not math.isfinite(value):
                raise InvalidClickError(f"click {name} must be finite, got {value}")
        if self.radius <= 0:
            raise InvalidClickError(
                f"click radius must be > 0 pixels, got {self.radius} "
                f"(a plain click uses {STATIC_RADIUS_PX} px)"
            )
        object.__setattr__(self, "positive", bool(self.positive))
        plain = abs(self.radius - STATIC_RADIUS_PX) < 1e-6 if self.plain is None else self.plain
        object.__setattr__(self, "plain", bool(plain))

    def scaled(self, sy: float, sx: float, oy: float = 0.0, ox: float = 0.0) -> Click:
        """This click in another pixel frame: y' = (y - oy) * sy, x' = (x - ox) * sx.

        The radius scales by the mean of the two axis factors, as the thesis rescales dynamic
        disks at every crop and resize.
        """
        return replace(
            self,
            y=(self.y - oy) * sy,
            x=(self.x - ox) * sx,
            radius=self.radius * 0.5 * (sy + sx),
        )

    def pixel(self, shape: tuple[int, int]) -> tuple[int, int]:
        """The (row, col) of the pixel nearest the click centre, clamped to a (H, W) slice."""
        row = min(max(round(self.y), 0), shape[0] - 1)
        col = min(max(round(self.x), 0), shape[1] - 1)
        return row, col

    def check_inside(self, shape: tuple[int, int]) -> None:
        """Raise InvalidClickError unless the centre lies on a (H, W) slice and the radius fits."""
        h, w = shape
        if not (-0.5 <= self.y < h - 0.5 and -0.5 <= self.x < w - 0.5):
            raise InvalidClickError(
                f"click at (y={self.y:.1f}, x={self.x:.1f}) lies outside the {h}x{w} slice; "
                f"expected 0 <= y < {h} and 0 <= x < {w}"
            )
        diagonal = math.hypot(h, w)
        if self.radius > diagonal:
            raise InvalidClickError(
                f"click radius {self.radius:.1f} px is larger than the {h}x{w} slice "
                f"(diagonal {diagonal:.0f} px)"
            )
