"""Nothing accepted is lost in the viewer: accepts keep going to the image's labels layer when
the user moves between images, the autosave beside the source keeps every accepted object, and
random action sequences through the real widget never alter an accepted label except by its
own undo."""

from __future__ import annotations

import threading

import nibabel as nib
import numpy as np
import pytest
from napari.layers import Labels
from widget import canvas
from widget.conftest import MASS, MASS_Z, accept_the_mass, wait_idle
from widget.fakes import DiskLike

from napari_everyclick.core.phantom import make_phantom
from napari_everyclick.io.layers import recovery_labels_path, write_labels
from napari_everyclick.io.recovery import recovery_dir
from napari_everyclick.methods import make_segmenter
from napari_everyclick.widget.dock import EveryClickWidget
from napari_everyclick.widget.layers import PREVIEW_LAYER

from .conftest import LONG


def test_switching_images_keeps_the_labels_layer_and_the_autosave_keeps_every_accept(
    make_napari_viewer, dock_plugin, qtbot, tmp_path, monkeypatch, notifications
):
    phantom = make_phantom(shape=(6, 96, 96))
    source = tmp_path / "case.nii.gz"
    nib.save(nib.Nifti1Image(phantom.hu.T, np.diag([0.8, 0.8, 2.5, 1.0])), source)
    viewer = make_napari_viewer()
    (image,) = viewer.open(str(source), plugin="napari-everyclick")
    widget = dock_plugin(viewer)
    widget.controls.method_combo.setCurrentText("disk")
    widget.controls.autosave_check.setChecked(True)
    autosaved = tmp_path / "case_everyclick_labels.nii.gz"
    saver = widget.annotator.autosaver
    viewer.dims.set_point(0, 3 * 2.5)

    def accept_at(y: float, x: float) -> None:
        canvas.drag(viewer, image, (3, y, x), (3, y, x + 5))
        wait_idle(qtbot, widget)
        widget.annotator.accept()
        qtbot.waitUntil(lambda: not saver.busy, timeout=20_000)

    def disk_full(*args):
        raise OSError("No space left on device")

    monkeypatch.setattr("napari_everyclick.widget.autosave.write_labels", disk_full)
    accept_at(30, 30)  # both saves fail: a warning each, the accepted object stays
    recovery = recovery_labels_path(source)
    assert notifications.take() == [
        ("warning", f"EveryClick could not save the labels to {path}: No space left on device")
        for path in (recovery, autosaved)
    ]
    assert not autosaved.exists() and not recovery.exists()
    monkeypatch.undo()
    labels = viewer.layers["case lesions"]
    first = labels.data.copy()
    assert (first == 1).any()

    other = viewer.add_image(np.full((2, 8, 8), -500, np.int16), name="other")
    widget.controls.image_combo.setCurrentText(other.name)
    assert widget.annotator.image is other
    widget.controls.image_combo.setCurrentText(image.name)
    assert widget.annotator.image is image
    assert widget.annotator.target is labels  # back on its own labels layer
    assert widget.controls.labels_combo.currentText() == labels.name

    accept_at(60, 60)
    assert saver.last_saved == autosaved
    assert [lay.name for lay in viewer.layers if lay.name.startswith("case lesions")] == [
        "case lesions"
    ]
    assert sorted(np.unique(labels.data)) == [0, 1, 2]
    np.testing.assert_array_equal(labels.data == 1, first == 1)
    on_disk = np.asanyarray(nib.load(autosaved).dataobj).T
    np.testing.assert_array_equal(on_disk, labels.data)  # both accepts are in the file


def _nifti_case(tmp_path, name: str = "case", side: int = 96):
    phantom = make_phantom(shape=(6, side, side))
    source = tmp_path / f"{name}.nii.gz"
    nib.save(nib.Nifti1Image(phantom.hu.T, np.diag([0.8, 0.8, 2.5, 1.0])), source)
    return source


def _dock_and_accept_at(
    viewer, qtbot, y: float, x: float, autosave: bool = True, image: str = "case"
) -> EveryClickWidget:
    """Dock the widget the way users do (Plugins > Every Click: napari then hands it proxies of
    its layers) on the viewer's CT `image` (disk method, autosave on or off) and accept a 5-px
    drag at (y, x) on slice 3 (see _accept_at)."""
    _, widget = viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    widget.controls.method_combo.setCurrentText("disk")
    widget.controls.autosave_check.setChecked(autosave)
    viewer.dims.set_point(0, 3 * 2.5)
    _accept_at(viewer, widget, qtbot, y, x, image)
    return widget


def _accept_at(viewer, widget, qtbot, y: float, x: float, image: str = "case") -> None:
    """Accept a 5-px drag at (y, x) on slice 3 of `image` and wait for its saves."""
    canvas.drag(viewer, viewer.layers[image], (3, y, x), (3, y, x + 5))
    wait_idle(qtbot, widget)
    widget.annotator.accept()
    saver = widget.annotator.autosaver
    qtbot.waitUntil(lambda: not saver.busy and saver.last_saved is not None, timeout=20_000)


def test_reopening_a_ct_brings_its_saved_lesions_back_and_the_autosave_keeps_them(
    make_napari_viewer, qtbot, tmp_path
):
    """Before: a CT opened again came without its autosaved labels, and the first accept of
    the new session overwrote the file with that session's lesions alone."""
    source = _nifti_case(tmp_path)
    autosaved = tmp_path / "case_everyclick_labels.nii.gz"
    first = make_napari_viewer()
    first.open(str(source), plugin="napari-everyclick")
    _dock_and_accept_at(first, qtbot, 30, 30)
    assert np.asanyarray(nib.load(autosaved).dataobj).max() == 1

    again = make_napari_viewer()  # another day, another session
    layers = again.open(str(source), plugin="napari-everyclick")
    assert [layer.name for layer in layers] == ["case", "case lesions"]
    widget = _dock_and_accept_at(again, qtbot, 60, 60)
    assert widget.annotator.target is layers[1]
    on_disk = np.asanyarray(nib.load(autosaved).dataobj).T
    assert sorted(np.unique(on_disk)) == [0, 1, 2]  # yesterday's lesion and today's
    np.testing.assert_array_equal(on_disk, layers[1].data)
    assert not list(tmp_path.glob("case_everyclick_labels.*.nii.gz"))  # nothing to keep aside


def test_lesions_accepted_without_autosave_come_back_when_the_ct_is_opened_again(
    make_napari_viewer, qtbot, tmp_path
):
    """Before: with Autosave off (the default) the outlines of a session that ended without a
    save (a crash, a viewer closed) were lost."""
    source = _nifti_case(tmp_path)
    first = make_napari_viewer()
    first.open(str(source), plugin="napari-everyclick")
    _dock_and_accept_at(first, qtbot, 30, 30, autosave=False)
    accepted = first.layers["case lesions"].data.copy()
    assert not (tmp_path / "case_everyclick_labels.nii.gz").exists()  # nothing beside the CT

    again = make_napari_viewer()  # the first one is gone without a save
    with pytest.warns(UserWarning, match="not saved beside the CT"):
        layers = again.open(str(source), plugin="napari-everyclick")
    assert [layer.name for layer in layers] == ["case", "case lesions"]
    np.testing.assert_array_equal(layers[1].data, accepted)
    widget = _dock_and_accept_at(again, qtbot, 60, 60, autosave=False)
    assert widget.annotator.target is layers[1]
    in_recovery = np.asanyarray(nib.load(recovery_labels_path(source)).dataobj).T
    assert sorted(np.unique(in_recovery)) == [0, 1, 2]  # both sessions' lesions
    assert [p.name for p in recovery_dir().iterdir()] == [recovery_labels_path(source).name]


def test_lesions_accepted_on_an_image_not_read_from_a_file_come_back_with_the_same_image(
    make_napari_viewer, qtbot, notifications
):
    """Before: an image that came from no file (a sample, a NumPy array) had no recovery copy,
    so a crash or a viewer closed without a save lost its outlines."""
    hu = make_phantom(shape=(6, 96, 96)).hu
    first = make_napari_viewer()
    first.add_image(hu.copy(), name="case", scale=(2.5, 0.8, 0.8))
    _dock_and_accept_at(first, qtbot, 30, 30, autosave=False)
    accepted = first.layers["case lesions"].data.copy()
    assert (accepted == 1).any()
    (copy,) = recovery_dir().iterdir()

    again = make_napari_viewer()  # the first one is gone without a save
    again.add_image(np.zeros_like(hu), name="case", scale=(2.5, 0.8, 0.8))  # other values
    _, widget = again.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    assert widget.annotator.image is not None and widget.annotator.target is None
    again.add_image(hu.copy(), name="same values", scale=(2.5, 0.8, 0.8))
    notifications.take()
    widget.controls.image_combo.setCurrentText("same values")
    restored = again.layers["same values lesions"]
    assert widget.annotator.target is restored
    widget.controls.method_combo.setCurrentText("disk")
    again.dims.set_point(0, 3 * 2.5)
    _accept_at(again, widget, qtbot, 60, 60, image="same values")
    (restore,) = [text for kind, text in notifications.take() if "restored" in text]
    assert restore.startswith("EveryClick restored lesions of 'same values' accepted on ")
    assert restore.endswith(f"from its recovery copy {copy}")
    np.testing.assert_array_equal(restored.data == 1, accepted == 1)
    assert sorted(np.unique(restored.data)) == [0, 1, 2]  # the first session's lesion and this
    in_recovery = np.asanyarray(nib.load(copy).dataobj).T
    np.testing.assert_array_equal(in_recovery, restored.data)
    assert [p.name for p in recovery_dir().iterdir()] == [copy.name]

    # the user removes the lesions layer and docks the widget again: offered once, as a
    # file's copy is once per opening, so it does not come back
    again.layers.remove(restored)
    again.window.remove_dock_widget(widget)
    _, widget = again.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    widget.controls.image_combo.setCurrentText("same values")
    assert widget.annotator.target is None and "same values lesions" not in again.layers


def test_closing_writes_the_saves_whose_workers_never_began(qtbot, tmp_path, monkeypatch):
    """Before: the saves of an accept made just before the app quit were lost. napari starts
    a save's worker from the event loop, which had stopped, and closing did not wait."""
    from qtpy.QtCore import QTimer

    from napari_everyclick.widget import autosave

    written = []
    real_write = autosave.write_labels

    def write(path, data, meta):
        written.append(path)
        return real_write(path, data, meta)

    monkeypatch.setattr(autosave, "write_labels", write)
    saver = autosave.Autosaver()
    first, second = tmp_path / "a.nii.gz", tmp_path / "b.nii.gz"
    labels = Labels(np.zeros((2, 8, 8), np.uint16))
    labels.data[1, 2:5, 3:6] = 4

    def accept_then_close():  # in the event loop, as the widget's accept and close are
        saver.save(labels, [first, second])
        saver.finish()
        assert written == [str(first), str(second)]  # both, before the first worker began

    QTimer.singleShot(0, accept_then_close)
    qtbot.waitUntil(lambda: bool(written), timeout=10_000)
    qtbot.waitUntil(lambda: not saver.busy, timeout=10_000)  # its worker begins, writes nothing
    assert written == [str(first), str(second)]
    for path in (first, second):
        np.testing.assert_array_equal(np.asanyarray(nib.load(path).dataobj).T, labels.data)


QUIT_RIGHT_AFTER_AN_ACCEPT = """
import sys
import napari
from qtpy.QtCore import QTimer
from napari_everyclick.core.clicks import Click
from napari_everyclick.core.phantom import make_phantom

viewer = napari.Viewer()
viewer.add_image(make_phantom(shape=(6, 96, 96)).hu, name="ct")
_, widget = viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
widget.controls.method_combo.setCurrentText("disk")
viewer.dims.set_point(0, 3)
annotator = widget.annotator

def accept_and_quit():
    if annotator.busy and WAIT_FOR_THE_PREDICTION:
        QTimer.singleShot(10, accept_and_quit)
        return
    annotator.accept()
    napari.qt.get_qapp().quit()

annotator.add_click(annotator.plane, Click(y=48.0, x=48.0, positive=True, radius=9.0))
QTimer.singleShot(0, accept_and_quit)
napari.run()
"""


@pytest.mark.parametrize("wait", [True, False], ids=["after-its-prediction", "during-it"])
def test_an_accept_right_before_the_app_quits_reaches_the_recovery_copy(recovery_dir, wait):
    """The same, end to end: a script accepts and quits the app at once, the viewer open; the
    accept pressed after its prediction came back, or while it runs (before: lost, as the
    prediction's worker, started from the event loop, never began)."""
    import subprocess
    import sys

    script = f"WAIT_FOR_THE_PREDICTION = {wait}\n" + QUIT_RIGHT_AFTER_AN_ACCEPT
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    (copy,) = recovery_dir.iterdir()
    assert np.asanyarray(nib.load(copy).dataobj)[:, :, 3].any()  # the accept, on slice 3


def _painted_by_hand(make_napari_viewer, qtbot, tmp_path, strokes):
    """A case opened and one lesion accepted, then label 5 painted with napari's brush at each
    (z, y, x) of `strokes`. Returns the widget, the labels layer and a reader of the recovery
    copy in the layer's axis order (None before the first save and while one is under way)."""
    source = _nifti_case(tmp_path)
    viewer = make_napari_viewer()
    viewer.open(str(source), plugin="napari-everyclick")
    widget = _dock_and_accept_at(viewer, qtbot, 30, 30, autosave=False)
    labels = viewer.layers["case lesions"]
    labels.brush_size = 6
    for point in strokes:
        labels.paint(point, 5)
    saver = widget.annotator.autosaver
    recovery = recovery_labels_path(source)

    def recovered() -> np.ndarray | None:
        if saver.busy or not recovery.exists():
            return None
        return np.asanyarray(nib.load(recovery).dataobj).T

    return widget, labels, recovered


def _holds_5(recovered) -> bool | None:
    saved = recovered()
    return None if saved is None else bool((saved == 5).any())


def test_strokes_painted_with_the_napari_brush_reach_the_recovery_copy_and_the_table(
    make_napari_viewer, qtbot, tmp_path
):
    """Before: a lesion painted or corrected with napari's own brush reached neither the
    recovery copy nor the measurement table until the next accept, so a crash after an hour of
    hand painting lost it all."""
    widget, labels, recovered = _painted_by_hand(
        make_napari_viewer, qtbot, tmp_path, [(3, 60, 60), (4, 61, 61)]
    )
    qtbot.waitUntil(lambda: _holds_5(recovered) is True, timeout=20_000)
    np.testing.assert_array_equal(recovered(), labels.data)
    (painted,) = [row for row in widget.annotator.measuring.rows if row.label == 5]
    assert painted.slices == 2


def test_a_stroke_undone_with_napari_undo_is_undone_in_the_recovery_copy_and_the_table(
    make_napari_viewer, qtbot, tmp_path
):
    """Before: napari's own undo (Ctrl+Z on the labels layer) emits no paint event, so an
    undone stroke stayed in the recovery copy and the table until the next edit."""
    widget, labels, recovered = _painted_by_hand(make_napari_viewer, qtbot, tmp_path, [(3, 60, 60)])
    qtbot.waitUntil(lambda: _holds_5(recovered) is True, timeout=20_000)
    labels.undo()
    qtbot.waitUntil(lambda: _holds_5(recovered) is False, timeout=20_000)
    np.testing.assert_array_equal(recovered(), labels.data)
    assert 5 not in [row.label for row in widget.annotator.measuring.rows]


def test_an_autosave_keeps_a_file_it_did_not_come_from_before_writing_over_it(
    make_napari_viewer, qtbot, tmp_path, notifications
):
    source = _nifti_case(tmp_path)
    autosaved = tmp_path / "case_everyclick_labels.nii.gz"
    viewer = make_napari_viewer()
    viewer.open(str(source), plugin="napari-everyclick")
    earlier = np.zeros(viewer.layers["case"].data.shape, np.uint8)
    earlier[1, 5:9, 5:9] = 7
    meta = {"scale": tuple(viewer.layers["case"].scale), "metadata": {}}
    write_labels(str(autosaved), earlier, meta)  # written after the CT was opened

    _dock_and_accept_at(viewer, qtbot, 30, 30)
    (kept,) = tmp_path.glob("case_everyclick_labels.*.nii.gz")
    np.testing.assert_array_equal(np.asanyarray(nib.load(kept).dataobj).T, earlier)
    assert np.asanyarray(nib.load(autosaved).dataobj).max() == 1
    assert any(kept.name in message for message in notifications.messages("info"))


def test_undoing_an_accept_of_another_image_saves_that_images_labels_not_the_current_ones(
    make_napari_viewer, qtbot, tmp_path
):
    """Before: every save went to the current image's files, so undoing an accept made on
    image a while image b was shown wrote a's labels beside b."""
    viewer = make_napari_viewer()
    for name, side in (("a", 96), ("b", 80)):  # b cannot share a's labels layer
        viewer.open(str(_nifti_case(tmp_path, name, side)), plugin="napari-everyclick")
    viewer.layers.selection.active = viewer.layers["a"]
    widget = _dock_and_accept_at(viewer, qtbot, 30, 30, image="a")
    _accept_at(viewer, widget, qtbot, 60, 60, image="a")
    widget.controls.image_combo.setCurrentText("b")
    assert widget.annotator.image is viewer.layers["b"]
    widget.annotator.undo_accept()
    saver = widget.annotator.autosaver
    qtbot.waitUntil(lambda: not saver.busy, timeout=20_000)
    on_disk = np.asanyarray(nib.load(tmp_path / "a_everyclick_labels.nii.gz").dataobj)
    assert sorted(np.unique(on_disk)) == [0, 1]  # the second accept undone, in a's file
    assert not (tmp_path / "b_everyclick_labels.nii.gz").exists()
    assert sorted(p.name.split("-")[0] for p in recovery_dir().iterdir()) == ["a"]


def test_docking_the_widget_again_writes_to_the_same_labels_layer(phantom_viewer, dock_with, qtbot):
    """Before: a second dock made "CT phantom lesions [1]", whose autosave would then replace
    the first layer's file with its own lesions."""
    widget = dock_with(lambda name, **kw: DiskLike())
    labels = accept_the_mass(phantom_viewer, widget, qtbot)
    phantom_viewer.window.remove_dock_widget(widget)
    widget = dock_with(lambda name, **kw: DiskLike())
    assert widget.annotator.target is labels
    image = phantom_viewer.layers["CT phantom"]
    canvas.drag(phantom_viewer, image, (MASS_Z, 20, 20), (MASS_Z, 20, 26))
    wait_idle(qtbot, widget)
    widget.annotator.accept()
    assert sorted(np.unique(labels.data)) == [0, 1, 2]
    names = [lay.name for lay in phantom_viewer.layers if isinstance(lay, Labels)]
    assert "CT phantom lesions [1]" not in names


def test_autosaves_of_two_images_made_during_one_write_are_both_written(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Before: one waiting save for any file, so a save for image A queued behind B's replaced
    B's, and B's labels reached no file until its next accept."""
    from napari_everyclick.widget import autosave

    gate = threading.Event()
    real_write = autosave.write_labels

    def slow_write(path, data, meta):
        gate.wait(10)
        return real_write(path, data, meta)

    monkeypatch.setattr(autosave, "write_labels", slow_write)
    viewer = make_napari_viewer()
    a = viewer.add_labels(np.ones((2, 4, 4), np.uint8), name="a")
    b = viewer.add_labels(np.full((2, 4, 4), 2, np.uint8), name="b")
    saver = autosave.Autosaver()
    saver.save(a, [tmp_path / "a.nii.gz"])  # runs, held at the gate
    saver.save(b, [tmp_path / "b.nii.gz"])  # waits
    saver.save(a, [tmp_path / "a.nii.gz"])  # waits too, newer than the running one
    gate.set()
    qtbot.waitUntil(lambda: not saver.busy, timeout=20_000)
    assert np.asanyarray(nib.load(tmp_path / "b.nii.gz").dataobj).max() == 2
    assert np.asanyarray(nib.load(tmp_path / "a.nii.gz").dataobj).max() == 1


def test_the_recovery_folder_made_at_the_first_save_is_the_users_own(qtbot, recovery_dir):
    """Recovery copies are outlines of patients' CTs, named after them: on a shared machine
    other users must not list or read them (the folder was made world-readable, 0755)."""
    from napari.layers import Labels

    from napari_everyclick.widget import autosave

    folder = recovery_dir / "made-at-first-save"
    saver = autosave.Autosaver()
    saver.save(Labels(np.ones((2, 4, 4), np.uint8)), [folder / "ct_everyclick_labels.nii.gz"])
    qtbot.waitUntil(lambda: not saver.busy, timeout=20_000)
    assert (folder / "ct_everyclick_labels.nii.gz").is_file()
    assert folder.stat().st_mode & 0o777 == 0o700


# --- random action sequences through the real widget ------------------------------------------

CY, CX = MASS.center[1], MASS.center[2]
WEIGHTS = {  # how often each action comes, relative
    "click": 2.0,
    "drag": 3.0,
    "burst": 1.5,  # two drags and an accept, no waiting in between
    "accept": 2.0,
    "undo": 1.0,
    "reset": 1.0,
    "undo_accept": 1.5,
    "slice": 1.0,
    "method": 1.0,
    "image": 0.5,
    "show": 0.5,  # double-click a row of the measurement table
    "delete": 0.5,  # Delete lesion on a row
}


def random_actions(rng: np.random.Generator, n: int) -> list[tuple]:
    """n random actions near the mass: (kind, parameters...)."""
    kinds = list(WEIGHTS)
    p = np.array(list(WEIGHTS.values()))
    actions = []
    for kind in rng.choice(kinds, size=n, p=p / p.sum()):
        y, x = CY + rng.uniform(-45, 45), CX + rng.uniform(-45, 45)
        negative = bool(rng.random() < 0.3)
        if kind == "click":
            actions.append((kind, y, x, negative))
        elif kind == "drag":
            actions.append((kind, y, x, rng.uniform(2.0, 25.0), negative))
        elif kind == "burst":
            actions.append((kind, y, x, CY + rng.uniform(-45, 45), CX + rng.uniform(-45, 45)))
        elif kind == "slice":
            actions.append((kind, int(rng.integers(-2, 3))))
        elif kind == "method":
            actions.append((kind, str(rng.choice(["disk", "flood", "snake"]))))
        elif kind in ("show", "delete"):
            actions.append((kind, int(rng.integers(0, 8)), int(rng.integers(0, 10))))
        else:
            actions.append((str(kind),))
    return actions


class Crashing(DiskLike):
    """A method that always raises inside the worker."""

    def predict(self, image, clicks, previous):
        raise RuntimeError("the method crashed")


def factory(name: str, **options):
    """'snake' stands for a crashing method here; 'flood' is the real one."""
    return {"disk": DiskLike, "snake": Crashing}.get(name, lambda: make_segmenter(name))()


def user_labels(viewer) -> list:
    return [lay for lay in viewer.layers if isinstance(lay, Labels) and lay.name != PREVIEW_LAYER]


class Oracle:
    """What each action may do to the labels layers, checked from the outside: accept adds one
    new label on background pixels, delete removes every pixel of one label, undo accept takes
    back the newest of these, anything else changes no labelled pixel."""

    def __init__(self) -> None:
        # (layer, label, None) for an accept, (layer, label, its pixels) for a delete
        self.stack: list[tuple[object, int, np.ndarray | None]] = []

    @property
    def live(self) -> list[tuple[object, int]]:
        """(layer, label) of the accepts not deleted since (an id may be used again)."""
        live: list[tuple[object, int]] = []
        for layer, label, erased in self.stack:
            if erased is None:
                live.append((layer, label))
            else:
                live.remove((layer, label))
        return live

    def check(self, kind: str, before: dict, viewer, deleted: int | None = None) -> None:
        after = {lay: lay.data for lay in user_labels(viewer)}
        assert set(before) <= set(after), "a labels layer disappeared"
        changed = {}
        for layer, data in after.items():
            old = before.get(layer, np.zeros_like(data))
            diff = old != data
            if diff.any():
                changed[layer] = (old, data, diff)
        if kind in ("accept", "burst") and changed:
            ((layer, (old, new, diff)),) = changed.items()
            (label,) = np.unique(new[diff])
            assert (old[diff] == 0).all(), "an accept wrote over labelled pixels"
            assert label not in old, "an accept reused a label in use"
            self.stack.append((layer, int(label), None))
        elif kind == "delete" and deleted is not None:
            ((layer, (old, new, diff)),) = changed.items()
            np.testing.assert_array_equal(diff, old == deleted)
            assert not (new == deleted).any()
            self.stack.append((layer, deleted, diff))
        elif kind == "undo_accept" and self.stack:
            layer, label, erased = self.stack.pop()
            assert set(changed) <= {layer}
            old, new, diff = changed[layer]
            if erased is None:  # an accept taken back
                np.testing.assert_array_equal(diff, old == label)
                assert (new[diff] == 0).all()
            else:  # a delete taken back: the label's pixels, all of them, back where they were
                np.testing.assert_array_equal(diff, erased)
                assert (new[diff] == label).all()
        else:
            assert not changed, f"{kind} changed accepted labels"


def play(viewer, widget, qtbot, other, action, oracle: Oracle) -> None:
    image = viewer.layers["CT phantom"]
    kind = action[0]
    deleted = None
    before = {lay: lay.data.copy() for lay in user_labels(viewer)}
    z = int(round(viewer.dims.point[0] / 3.0))
    button = canvas.RIGHT if len(action) > 3 and action[-1] is True else canvas.LEFT
    if kind == "click":
        canvas.click(viewer, image, (z, action[1], action[2]), button)
    elif kind == "drag":
        _, y, x, r, _ = action
        canvas.drag(viewer, image, (z, y, x), (z, y, x + r), button)
    elif kind == "burst":
        _, y0, x0, y1, x1 = action
        canvas.drag(viewer, image, (z, y0, x0), (z, y0, x0 + 9))
        canvas.drag(viewer, image, (z, y1, x1), (z, y1, x1 + 5), canvas.RIGHT)
        widget.annotator.accept()
    elif kind in ("accept", "undo", "reset", "undo_accept"):
        widget.handlers()[kind]()
    elif kind == "slice":
        viewer.dims.set_point(0, (MASS_Z + action[1]) * 3.0)
    elif kind == "method":
        widget.controls.method_combo.setCurrentText(action[1])
    elif kind == "image":
        widget.controls.image_combo.setCurrentText(other.name)
        canvas.drag(viewer, other, (1, 8, 8), (1, 8, 12))
        widget.controls.image_combo.setCurrentText(image.name)
    elif kind in ("show", "delete") and widget.table.rows:
        row = action[1] % len(widget.table.rows)
        if kind == "show":
            widget.table.table.cellDoubleClicked.emit(row, action[2])
        else:
            widget.table.table.selectRow(row)
            deleted = widget.table.rows[row].label
            widget.table.delete_button.click()
    wait_idle(qtbot, widget)
    oracle.check(kind, before, viewer, deleted)


def test_random_action_sequences_never_alter_accepted_labels(
    phantom_viewer, dock_plugin, qtbot, notifications
):
    """Clicks, drags, bursts, accept, undo, reset, undo accept, slice, method (one crashing),
    image switches, going to a lesion from the table and deleting one, in random order, then closing the widget; a fresh widget per sequence.
    HYPOTHESIS_PROFILE=long plays 40 sequences of 40 actions instead of 2 of 24."""
    viewer = phantom_viewer
    other = viewer.add_image(np.full((3, 24, 24), -100, np.int16), name="other")
    viewer.layers.selection.active = viewer.layers["CT phantom"]
    sequences, length = (40, 40) if LONG else (2, 24)
    accepted = 0
    for seed in range(sequences):
        actions = random_actions(np.random.default_rng(seed), length)
        for layer in user_labels(viewer):
            viewer.layers.remove(layer)
        viewer.dims.set_point(0, MASS_Z * 3.0)
        widget = dock_plugin(viewer, factory)
        widget.controls.method_combo.setCurrentText("disk")
        widget.controls.image_combo.setCurrentText("CT phantom")
        oracle = Oracle()
        for step, action in enumerate(actions):
            try:
                play(viewer, widget, qtbot, other, action, oracle)
            except AssertionError as exc:
                raise AssertionError(f"seed {seed}, step {step} {action}: {exc}") from exc
        before = {lay: lay.data.copy() for lay in user_labels(viewer)}
        viewer.window.remove_dock_widget(widget)
        oracle.check("close", before, viewer)
        assert all((layer.data == label).any() for layer, label in oracle.live)
        accepted += len(oracle.live)
    print(f"random sequences: {sequences} x {length} actions, {accepted} accepts kept")
    assert accepted > 0
    shown = notifications.messages("error")
    assert all("the method crashed" in message for message in shown), shown


def test_removing_the_labels_layer_keeps_the_open_objects_as_they_are(
    phantom_viewer, dock_with, qtbot
):
    """Unaccepted objects on other slices stay, with their masks; nothing is predicted again
    (it used to re-predict every open object, and start a job while napari was closing)."""
    model = DiskLike()
    widget = dock_with(lambda name, **kw: model)
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 10))
    wait_idle(qtbot, widget)
    widget.annotator.accept()
    canvas.drag(viewer, image, (MASS_Z, cy - 40, cx), (MASS_Z, cy - 40, cx + 6))
    wait_idle(qtbot, widget)
    viewer.dims.set_point(0, (MASS_Z + 1) * 3.0)
    canvas.drag(viewer, image, (MASS_Z + 1, cy, cx), (MASS_Z + 1, cy, cx + 8))
    wait_idle(qtbot, widget)
    masks = {key: editor.mask.copy() for key, (_, editor) in widget.annotator.editors.items()}
    calls = model.calls

    viewer.layers.remove(viewer.layers["CT phantom lesions"])
    wait_idle(qtbot, widget)
    assert widget.annotator.target is None
    assert model.calls == calls
    assert set(widget.annotator.editors) == set(masks)
    for key, (_, editor) in widget.annotator.editors.items():
        np.testing.assert_array_equal(editor.mask, masks[key])
    assert viewer.layers[PREVIEW_LAYER].data.any()


def test_closing_napari_while_a_prediction_runs_raises_nothing(
    make_napari_viewer, dock_plugin, qtbot
):
    gate = threading.Event()
    slow = DiskLike(gate=gate)
    viewer = make_napari_viewer()
    image = viewer.add_image(np.full((3, 64, 64), -100, np.int16), name="ct")
    widget = dock_plugin(viewer, lambda name, **kw: slow)
    canvas.drag(viewer, image, (1, 30, 30), (1, 30, 36))
    qtbot.waitUntil(lambda: slow.calls == 1)  # the model is busy on the click
    runner = widget.annotator.runner
    try:
        viewer.close()  # the user quits napari meanwhile
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not runner.busy)
    qtbot.wait(50)  # pytest-qt fails the test on any exception raised in Qt's event loop
