"""The recovery copy of a CT's labels: outlines kept even when the user saves nothing.

After every accept the widget writes the labels of a CT read from a file to
`<recovery dir>/<name>-<path hash>_everyclick_labels.nii.gz` (io.layers.recovery_labels_path),
whether or not *Autosave* also writes them beside the CT. The recovery dir is
`$EVERYCLICK_RECOVERY_DIR` when set, else the user's cache dir
(`~/.cache/napari-everyclick/recovery` on Linux): never the CT's own folder, which may be
read-only or a shared dataset. The hash is of the CT's absolute path, so two CTs of one name in
different folders keep apart. An image read from no file (a sample, a NumPy array) has its copy
at `<recovery dir>/array-<hash of its values>_everyclick_labels.nii.gz`
(io.layers.array_recovery_labels_path), which the widget brings back when it first targets an
image of the same values.

Opening the CT again (io.layers.read_layers) brings the recovery copy back when it is newer than
the file saved beside the CT and holds other labels: a crash, a viewer closed without saving or
a failed save loses no accepted outline. A copy that holds nothing the saved file does not (the
same labels, or none) is removed then (`discard`), so the cache keeps only unsaved outlines of
the CTs (patient data) and does not grow with every CT ever outlined.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from platformdirs import user_cache_dir

RECOVERY_DIR_ENV = "EVERYCLICK_RECOVERY_DIR"

log = logging.getLogger(__name__)


def recovery_dir() -> Path:
    """Where recovery copies live: $EVERYCLICK_RECOVERY_DIR, else the user's cache dir."""
    chosen = os.environ.get(RECOVERY_DIR_ENV)
    if chosen:
        return Path(chosen)
    return Path(user_cache_dir("napari-everyclick", appauthor=False)) / "recovery"


def discard(copy: Path) -> None:
    """Remove the recovery copy `copy`, which holds no unsaved outline. One that cannot be
    removed (a read-only cache) stays, as harmless as before, and is logged."""
    try:
        copy.unlink()
    except OSError as exc:
        log.info("recovery copy %s left in place: %s", copy, exc)
