"""Model cards: the JSON beside each shipped weights file (torch-free).

A card names the method (`ritm-...` / `focalclick-...`), the weights file and its sha256, the
architecture config, the input normalisation and click encoding, the training data, command,
commit and time, and the val metrics. The package's `weights/` folder is the model zoo.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import WeightsError

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
REQUIRED_KEYS = ("name", "kind", "weights", "sha256", "architecture")


@dataclass(frozen=True)
class ModelCard:
    """A parsed card. `path` is the card's JSON file; `weights_path` the safetensors beside it."""

    path: Path
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def kind(self) -> str:
        return str(self.data["kind"])

    @property
    def weights_path(self) -> Path:
        return self.path.parent / str(self.data["weights"])

    @property
    def architecture(self) -> dict[str, Any]:
        return dict(self.data["architecture"])

    def val_error(self, key: str = "val_avg") -> float | None:
        """Iterative IoU Error @20 on val recorded by `everyclick publish` (None if absent)."""
        value = self.data.get("metrics", {}).get(key, {}).get("iterative_iou_error")
        return None if value is None else float(value)

    @property
    def beats_flood(self) -> bool:
        """True when the card shows a lower val Iterative IoU Error than flood fill's on the
        same samples (avg radius): only then is the model worth being the default."""
        own, flood = self.val_error(), self.val_error("flood_val_avg")
        return own is not None and flood is not None and own < flood

    def summary(self) -> str:
        arch = self.data.get("architecture", {})
        metrics = self.data.get("metrics", {}).get("val_avg", {})
        iou1 = metrics.get("iou_at", [None])[0] if metrics.get("iou_at") else None
        parts = [
            self.kind,
            str(arch.get("backbone", "?")),
            f"clicks {self.data.get('clicks', '?')}",
        ]
        handover = self.data.get("handover")
        if handover:
            rule = {"refiner": "flood", "drag_clicks": "?", "plain_clicks": "?", **handover}
            edge = rule.get("drag_edge_hu")
            later = "" if edge is None else f" (past the first across an edge of >= {edge:g} HU)"
            own = ", ".join(f"{k} {v:g}" for k, v in (rule.get("refiner_settings") or {}).items())
            parts.append(
                f"network for {rule['drag_clicks']} drags{later} / {rule['plain_clicks']} plain "
                f"clicks, then {rule['refiner']}" + (f" ({own})" if own else "")
            )
        if iou1 is not None:
            parts.append(f"val IoU@1 {iou1:.3f}")
        own, flood = self.val_error(), self.val_error("flood_val_avg")
        if own is not None:
            parts.append(f"IIE {own:.4f}" + ("" if flood is None else f" (flood {flood:.4f})"))
        return ", ".join(parts)


def read_card(path: Path) -> ModelCard:
    """Parse one card; raise WeightsError naming the file when it is unreadable or incomplete."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise WeightsError(f"model card {path} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise WeightsError(f"model card {path} is not a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise WeightsError(f"model card {path} lacks {', '.join(missing)}")
    return ModelCard(Path(path), data)


def list_cards(folder: Path | None = None) -> list[ModelCard]:
    """Every readable card in `folder` (default: the package's weights), sorted by name.

    A broken card is skipped with a warning, so the classical methods stay available.
    """
    folder = WEIGHTS_DIR if folder is None else Path(folder)
    cards = []
    for path in sorted(folder.glob("*.json")):
        try:
            cards.append(read_card(path))
        except WeightsError as exc:
            warnings.warn(str(exc), stacklevel=2)
    return sorted(cards, key=lambda c: c.name)


def find_card(name: str, folder: Path | None = None) -> ModelCard | None:
    """The card whose name is `name`, or None."""
    for card in list_cards(folder):
        if card.name == name:
            return card
    return None
