"""Our shortcuts clash with none of napari's (viewer, layers, menus) and show on the buttons."""

from __future__ import annotations

from napari.layers import Image, Labels, Points, Shapes, Surface, Tracks, Vectors
from napari.utils.key_bindings import coerce_keybinding
from napari.utils.shortcuts import default_shortcuts

from napari_everyclick.widget.keys import SHORTCUTS

MENU_KEYS = (  # napari's File/View/Help menu shortcuts and Qt standard keys
    "Ctrl+O", "Ctrl+Shift+O", "Ctrl+Alt+O", "Ctrl+S", "Ctrl+Shift+S", "Ctrl+Alt+S", "Alt+S",
    "Alt+Shift+S", "Alt+C", "Alt+Shift+C", "Ctrl+W", "Ctrl+Shift+W", "Ctrl+Q", "Ctrl+N",
    "Ctrl+M", "Ctrl+,", "Ctrl+/", "Ctrl+Shift+P", "Ctrl+Alt+P", "Alt+T", "Alt+Shift+T", "F11",
)  # fmt: skip


def napari_keys() -> set[str]:
    keys = {str(kb) for bindings in default_shortcuts.values() for kb in bindings}
    for layer_class in (Image, Labels, Points, Shapes, Surface, Tracks, Vectors):
        keys |= {str(kb) for kb in layer_class.class_keymap}
    keys |= {str(coerce_keybinding(k)) for k in MENU_KEYS}
    return keys


def test_no_shortcut_clashes_with_napari():
    ours = {str(coerce_keybinding(s.key)) for s in SHORTCUTS.values()}
    assert len(ours) == len(SHORTCUTS)
    assert not ours & napari_keys()
    for s in SHORTCUTS.values():
        key = coerce_keybinding(s.key)
        assert "Shift" in str(key)  # never a bare letter or digit
        assert s.key in s.button_text
