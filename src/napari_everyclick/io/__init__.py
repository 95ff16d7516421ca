"""Reading CT (NIfTI, DICOM, our .npz cases, plain pictures) as HU in (z, y, x) with spacing in
mm, and writing labels back as NIfTI in the source's orientation."""

from .reader import read_ct
from .volume import CTVolume

__all__ = ["CTVolume", "read_ct"]
