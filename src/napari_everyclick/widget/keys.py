"""The plugin's keyboard shortcuts: one table, shown on the buttons and in the docs.

Every key is Shift + something napari leaves free: napari's own viewer and layer shortcuts use
plain letters (V, E, P, L, ...), digits, Ctrl/Alt combinations, Shift+A/L/P/V and
Shift+Alt+Up/Down (see `tests/widget/test_keys.py`, which checks against napari's tables).
Keys are bound on the viewer and on the plugin's own layers, and unbound when the widget closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Shortcut:
    """An action's key (napari key-binding syntax) and the button text that shows it."""

    action: str
    key: str
    label: str

    @property
    def button_text(self) -> str:
        return f"{self.label} [{self.key}]"


SHORTCUTS: dict[str, Shortcut] = {
    s.action: s
    for s in (
        Shortcut("toggle", "Shift+E", "EveryClick tool"),
        Shortcut("accept", "Shift+Enter", "Accept object"),
        Shortcut("undo", "Shift+U", "Undo click"),
        Shortcut("reset", "Shift+R", "Reset object"),
        Shortcut("undo_accept", "Shift+Z", "Undo accept"),
        Shortcut("propagate_up", "Shift+Up", "Propagate \u2191"),
        Shortcut("propagate_down", "Shift+Down", "Propagate \u2193"),
        Shortcut("propagate_through", "Shift+T", "Propagate through lesion"),
    )
}

PAN_KEY = "Space"
"""Held while the tool is on: the mouse pans and zooms as in napari's own layer modes."""


def bind_shortcuts(providers: Iterable, handlers: dict[str, Callable[[], None]]) -> None:
    """Bind every SHORTCUTS action that has a handler on each key-binding provider (the viewer,
    our layers). The handler takes no argument; napari passes the provider, which we drop."""
    for provider in providers:
        for action, handler in handlers.items():
            provider.bind_key(SHORTCUTS[action].key, _drop_provider(handler), overwrite=True)


def unbind_shortcuts(providers: Iterable) -> None:
    """Remove every SHORTCUTS key from each provider (napari's own bindings come back)."""
    for provider in providers:
        for shortcut in SHORTCUTS.values():
            provider.bind_key(shortcut.key, None)


def _drop_provider(handler: Callable[[], None]) -> Callable[[object], None]:
    def call(_provider: object) -> None:
        handler()

    call.__doc__ = handler.__doc__
    return call
