"""The annotator: canvas gestures -> clicks -> background predictions -> layers, for one viewer.

No Qt widgets here (the dock builds those); this is the napari-level controller the buttons and
keys call. One object is edited per slice (an ObjectEditor per displayed plane); changing slice
switches to that slice's object, starting a new one when there is none. A click travels one way:
gesture -> Click -> ObjectEditor -> PredictionJob in a thread worker -> mask -> preview layer.

Accepted objects are written to the target Labels layer only by `accept` and propagation, and
changed afterwards only by `undo_accept`; switching image, slice or method, closing the widget or
a crash inside a worker never touches them.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from weakref import WeakKeyDictionary

import numpy as np
from napari.layers import Image, Labels
from napari.utils.notifications import show_error, show_info, show_warning

from ..core.clicks import STATIC_RADIUS_PX, Click
from ..core.errors import EveryClickError, InvalidClickError, InvalidImageError
from ..core.handover import ANSWERED_BY
from ..core.image import check_slice_shape
from ..core.measurements import LesionMeasurement
from ..core.propagation import PropagationStep
from ..core.segmenter import Prediction
from ..core.windowing import DEFAULT_WINDOW, Window
from ..io.layers import (
    array_digest,
    array_recovery_labels_path,
    labels_layer_name,
    recovered_array_labels,
    recovery_labels_path,
    saved_labels_path,
)
from .autosave import Autosaver, source_path
from .background import SerialRunner
from .gestures import DiskGesture, displayed_plane
from .hand_edits import HandEdits
from .label_writes import LabelEdit, erase_edit, next_free_label, paste_into, undo_into
from .layers import (
    create_target_labels,
    draw_clicks,
    draw_preview,
    ensure_clicks_layer,
    ensure_preview_layer,
    find_layer,
)
from .measuring import LabelMeasurements
from .object_state import ObjectEditor, PredictionJob, run_job
from .plane import Plane
from .propagation_run import PropagationRun
from .segmenters import MethodChoice, SegmenterPool, device_of
from .tool import ToolSwitch, camera_of

MAX_OPEN_OBJECTS = 8
"""Unaccepted objects kept on other slices; the oldest is dropped beyond this."""

CLOSE_ACCEPT_WAIT_S = 30.0
"""How long closing waits for the prediction an accept waits for (a click takes well under a
second; a model's first use loads torch and its weights, seconds on a laptop)."""

_array_digests: WeakKeyDictionary[Image, str | None] = WeakKeyDictionary()
"""The recovery keys (io.layers.array_digest) of the images read from no file that a widget has
targeted, worked out once per image layer for every widget: its recovery copy is offered once,
as the reader offers a file's once per opening, not again to a widget docked after the user
removed the lesions layer."""


@dataclass
class Settings:
    """The user's choices, set by the dock's controls.

    window: (level, width) in HU for the model input (the dock also applies it to the display).
    static_radius: plain-click radius in slice pixels. edit_label: 0 = each accept makes a new
    label; N > 0 = clicks correct label N on each slice and accept replaces it there.
    overwrite: accept may write over other labels' pixels (off: background only).
    """

    method: MethodChoice = field(default_factory=lambda: MethodChoice("flood"))
    window: Window = DEFAULT_WINDOW
    static_radius: float = STATIC_RADIUS_PX
    edit_label: int = 0
    overwrite: bool = False
    autosave: bool = False
    draw_axes: bool = False


@dataclass(frozen=True)
class JobResult:
    """What a prediction job sends back: predictions and the newest click's latency (ms)."""

    job: PredictionJob
    predictions: list[Prediction]
    latency_ms: float | None
    device: str


class Annotator:
    """Clicks, objects, predictions, accepts and propagation on one napari viewer.

    on_status(text): the status line. on_busy(bool): the busy indicator. on_measurements(rows):
    the measurement table. on_tool(active): the tool switched. on_target(labels): the target
    labels layer changed (e.g. made at the first accept). pool: builds segmenters (tests pass
    one with a fake factory).
    """

    def __init__(
        self,
        viewer,
        settings: Settings,
        pool: SegmenterPool,
        on_status: Callable[[str], None] = lambda text: None,
        on_busy: Callable[[bool], None] = lambda busy: None,
        on_measurements: Callable[[list[LesionMeasurement]], None] = lambda rows: None,
        on_tool: Callable[[bool], None] = lambda active: None,
        on_target: Callable[[Labels | None], None] = lambda labels: None,
    ) -> None:
        self.viewer = viewer
        self.settings = settings
        self.pool = pool
        self._on_status = on_status
        self._on_target = on_target
        self.image: Image | None = None
        self.target: Labels | None = None
        self._image_targets: WeakKeyDictionary[Image, Labels | None] = WeakKeyDictionary()
        self.plane: Plane | None = None
        self.editors: OrderedDict[Hashable, tuple[Plane, ObjectEditor]] = OrderedDict()
        self.accepts: list[tuple[Labels, LabelEdit]] = []
        self.measuring = LabelMeasurements(viewer, on_measurements)
        self.hand_edits = HandEdits(self._painted_by_hand)
        self.last_latency_ms: float | None = None
        self.device = "cpu"
        self._live: tuple[Plane, Click] | None = None
        self._rejected: str | None = None  # the last rejected press's message
        self._accept_when_ready: set[Hashable] = set()
        self._propagation: PropagationRun | None = None  # requested, waiting for the runner
        self._propagating: PropagationRun | None = None  # running
        self.runner = SerialRunner(on_busy=on_busy, on_idle=self._pump)
        self.autosaver = Autosaver()
        self.tool = ToolSwitch(viewer, on_change=on_tool)
        self.gesture = DiskGesture(
            get_image=lambda: self.image,
            static_radius=lambda: self.settings.static_radius,
            active=lambda: self.tool.capturing,
            on_live=self._show_live,
            on_click=self.add_click,
            on_reject=self._reject,
        )
        viewer.mouse_drag_callbacks.append(self.gesture)
        viewer.dims.events.point.connect(self._on_dims)
        viewer.dims.events.ndisplay.connect(self._on_dims)

    # --- targets -------------------------------------------------------------------------

    def set_image(self, image: Image | None) -> None:
        """Target `image` (None: nothing). Unaccepted objects are dropped; labels are kept."""
        if image is self.image:
            return
        if image is not None and (image.rgb or image.multiscale or image.ndim < 2):
            show_warning(
                f"EveryClick needs a grey 2D or 3D CT image; {image.name!r} is "
                f"{'RGB' if image.rgb else 'multiscale' if image.multiscale else 'not 2D'}"
            )
            image = None
        self._drop_objects()
        self._propagation = None  # a request made on the previous image
        if self.image is not None:
            self._image_targets[self.image] = self.target
        self.image = image
        self.pool.forget_slices()
        if image is None:
            self.plane = None
            return
        ensure_clicks_layer(self.viewer, image)
        ensure_preview_layer(self.viewer, image)
        target = self._target_for(image)
        if target is None:
            target = self._recovered_target(image)
        if target is not self.target:
            self._retarget(target)
        self.plane = None
        self._on_dims()
        self.refresh_measurements()

    def set_target(self, labels: Labels | None) -> None:
        """Write accepted objects into `labels` (None: a new layer at the first accept)."""
        if (
            labels is not None
            and self.image is not None
            and labels.data.shape != self.image.data.shape
        ):
            show_warning(
                f"labels layer {labels.name!r} has shape {labels.data.shape}, the image "
                f"{self.image.data.shape}; a new labels layer will be made at accept"
            )
            labels = None
        if labels is self.target:
            return
        self._retarget(labels)
        self._reset_edit_initials()
        self.refresh_measurements()

    def _retarget(self, labels: Labels | None) -> None:
        self.target = labels
        self.hand_edits.watch(labels)
        self._on_target(labels)

    def _target_for(self, image: Image) -> Labels | None:
        """The labels layer for `image`'s objects: the one last used with it (switching to
        another image and back must not start a second layer, whose autosave would replace the
        first one's file), else the current one if it fits, else the layer of the name ours
        get (`<image> lesions`: made by an earlier dock, or the saved labels the reader opened
        with the CT), else None (a new one at accept)."""
        named = find_layer(self.viewer, labels_layer_name(image.name), Labels)
        for labels in (self._image_targets.get(image), self.target, named):
            if (
                labels is not None
                and labels in self.viewer.layers
                and labels.data.shape == image.data.shape
            ):
                return labels
        return None

    def _recovered_target(self, image: Image) -> Labels | None:
        """For an image not read from a file (a sample, a NumPy array), the first time it is
        targeted: the lesions of its recovery copy, found by its values, as its labels layer,
        with a warning naming the copy. A CT read from a file gets its copy from the reader."""
        if image in _array_digests or source_path(image) is not None:
            return None
        digest = self._digest_of(image)
        found = None if digest is None else recovered_array_labels(digest, image.data.shape)
        if found is None:
            return None
        lesions, written = found
        labels = create_target_labels(self.viewer, image, lesions)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(written))
        show_warning(
            f"EveryClick restored lesions of {image.name!r} accepted on {when} that were not "
            f"saved, from its recovery copy {array_recovery_labels_path(digest)}"
        )
        return labels

    def _digest_of(self, image: Image) -> str | None:
        """The key of the recovery copy of an image not read from a file (io.layers
        .array_digest), worked out once per image; None for a lazy array."""
        if image not in _array_digests:
            _array_digests[image] = array_digest(image.data)
        return _array_digests[image]

    def ensure_target(self) -> Labels:
        """The target Labels layer, created to match the image if there is none."""
        if self.target is None or self.target not in self.viewer.layers:
            assert self.image is not None
            self._retarget(create_target_labels(self.viewer, self.image))
            self.refresh_measurements()
        return self.target

    # --- clicks ----------------------------------------------------------------------------

    @property
    def editor(self) -> ObjectEditor | None:
        """The object on the displayed slice, if it has been started."""
        if self.plane is None or self.plane.key not in self.editors:
            return None
        return self.editors[self.plane.key][1]

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def add_click(self, plane: Plane, click: Click) -> None:
        """A finished gesture on `plane`: queue it and predict (off the GUI thread)."""
        self._rejected = None
        if self.image is None:
            return
        shape = plane.shape(self.image.data.shape)
        try:
            check_slice_shape(shape)  # a 1x1 slice: say so, not that the radius is too large
            click.check_inside(shape)
        except (InvalidImageError, InvalidClickError) as exc:
            show_warning(str(exc))
            return
        self._editor_for(plane).add(click)
        self._draw()
        self._pump()

    def undo_click(self) -> None:
        """Drop the newest click of the object on this slice; its mask is restored exactly."""
        editor = self.editor
        if editor is None or not editor.undo():
            self._status("no click to undo on this slice")
            return
        self._draw()
        self._pump()

    def reset_object(self) -> None:
        """Drop every click of the object on this slice."""
        editor = self.editor
        if editor is not None:
            editor.reset()
            self._accept_when_ready.discard(editor.key)
        self._draw()

    def method_changed(self) -> None:
        """The method, device or Progressive Merge changed: predict every object again."""
        for _, editor in self.editors.values():
            editor.restart()
        self._draw()
        self._pump()

    def edit_label_changed(self) -> None:
        """The label being corrected changed: objects start from its pixels on each slice."""
        self._reset_edit_initials()
        self._draw()

    # --- accept ----------------------------------------------------------------------------

    def accept(self) -> None:
        """Write the object on this slice into the target labels (a new id, or the label being
        corrected); only background pixels unless overwrite is on. Waits for a running
        prediction of this object first."""
        editor = self.editor
        if editor is None or editor.is_empty:
            self._status("nothing to accept on this slice: click a lesion first")
            return
        if editor.pending > 0 or editor.running is not None:
            self._accept_when_ready.add(editor.key)
            self._status("accepting when the prediction is ready ...")
            return
        plane, editor = self.editors[editor.key]
        mask = editor.mask
        if mask is None or not mask.any():
            self._status("the object is empty: nothing to accept")
            return
        target = self.ensure_target()
        try:
            label = self.settings.edit_label or next_free_label(target.data)
        except EveryClickError as exc:
            show_error(str(exc))
            return
        replace = self.settings.edit_label > 0
        with self.hand_edits.ours():
            edit = paste_into(target, plane, mask, label, self.settings.overwrite, replace)
        if edit.size == 0:
            self._status("nothing written: the object lies on other labels (see 'overwrite')")
            return
        self.accepts.append((target, edit))
        target.selected_label = label
        one_drag = editor.initial is None and [c.plain for c in editor.clicks] == [False]
        del self.editors[plane.key]
        self._after_edit(target, edit)
        text = f"accepted label {label} ({edit.size} px changed)"
        if one_drag:  # on val one drag's long axis was short on 99 % of slices (docs/evaluation)
            text += "; from one drag its long axis is likely short: refine its ends to measure it"
        self._status(text)

    def undo_accept(self) -> None:
        """Undo the newest accept, propagation run or deleted label (pixels changed since stay
        as they are)."""
        while self.accepts:
            target, edit = self.accepts.pop()
            if target not in self.viewer.layers:
                continue
            with self.hand_edits.ours():
                undo_into(target, edit)
            self._after_edit(target, edit)
            self._status(f"undid the accept of label {edit.label}")
            return
        self._status("no accept to undo")

    def delete_label(self, label: int) -> None:
        """Set every pixel of `label` in the target labels to background, as one accept that
        Undo accept reverts. Refused while a propagation runs (it may be writing that label)."""
        target = self.target
        if target is None or label <= 0:
            return
        if self.propagating:
            self._status("a propagation is running: stop it before deleting a lesion")
            return
        indices = np.nonzero(np.asarray(target.data) == label)
        if indices[0].size == 0:
            self._status(f"label {label} has no pixels: nothing to delete")
            return
        edit = erase_edit(target.data, indices, label)
        with self.hand_edits.ours():
            target.data_setitem(edit.indices, edit.after)
        self.accepts.append((target, edit))
        self._after_edit(target, edit)
        where = f" on {len(edit.slices)} slice(s)" if edit.slices else ""
        self._status(f"deleted label {label}{where}; Undo accept brings it back")

    # --- propagation -----------------------------------------------------------------------

    def propagate(self, direction: int) -> None:
        """Propagate the accepted object on this slice to the next (+1) or previous (-1) slice,
        or through the whole lesion (0), then write it. The label is the one being corrected,
        else the target layer's selected label (the last accepted)."""
        if self.image is None or self.plane is None:
            self._status("no image to propagate on")
            return
        if not self.plane.fixed:
            self._status("a single 2D slice: there is nothing to propagate to")
            return
        target = self.target
        label = self.settings.edit_label or (target.selected_label if target is not None else 0)
        start = None if target is None else np.asarray(target.data[self.plane.index]) == label
        if label <= 0:
            show_warning("nothing accepted to propagate: accept an object on this slice first")
            return
        if start is None or not start.any():
            show_warning(f"label {label} has no pixels on this slice: accept it here first")
            return
        axis = self.plane.fixed[-1][0]
        self._propagation = PropagationRun(target, self.plane, axis, direction, int(label), start)
        self._status(f"propagating label {label} ...")
        self._pump()

    @property
    def propagating(self) -> bool:
        """Whether a propagation runs or waits to run."""
        return self._propagating is not None or self._propagation is not None

    def stop_propagation(self) -> None:
        """Stop the running propagation after the slice it is on (what it wrote stays, as one
        accept that Undo accept reverts), or drop one that waits to run."""
        if self._propagation is not None:
            self._propagation = None
            self._status("propagation cancelled")
        elif self._propagating is not None:
            self._status("stopping the propagation ...")
            self.runner.quit()

    def _run_propagation(self, run: PropagationRun) -> None:
        self._propagating = run
        image = self.image
        steps = partial(
            run.steps,
            lambda plane: np.asarray(image.data[plane.index]),
            image.data.shape[run.axis],
            self.pool,
            self.settings.method,
            self.settings.window,
        )
        self.runner.run(
            steps,
            returned=lambda _: self._propagation_done(run),
            errored=lambda exc: self._propagation_failed(run, exc),
            yielded=lambda step: self._propagation_step(run, step),
            aborted=lambda: self._propagation_stopped(run),
        )

    def _propagation_step(self, run: PropagationRun, step: PropagationStep) -> None:
        if run.target not in self.viewer.layers:
            return
        with self.hand_edits.ours():
            edit = run.write_step(step, self.settings.overwrite)
        if edit is not None and run.target is self.target:
            self.measuring.update(edit.slices)
            self._status(f"propagated label {run.label} to slice {step.z}")

    def _propagation_stopped(self, run: PropagationRun) -> None:
        run.stopped_by_user = True
        self._propagation_done(run)

    def _propagation_done(self, run: PropagationRun) -> None:
        self._propagating = None
        edit = self._record(run)
        if edit is not None:
            self._after_edit(run.target, edit)
        self._status(run.summary())

    def _record(self, run: PropagationRun) -> LabelEdit | None:
        """What `run` wrote, as one accept (Undo accept reverts it), or None if nothing."""
        edit = run.merged()
        if edit is not None:
            self.accepts.append((run.target, edit))
        return edit

    def _propagation_failed(self, run: PropagationRun, exc: BaseException) -> None:
        self._propagation_done(run)
        show_error(f"propagation with {self.settings.method.name} failed: {exc}")

    # --- background work -------------------------------------------------------------------

    def _pump(self) -> None:
        """Start the next background task if the runner is idle: a requested propagation first,
        else the displayed object's waiting clicks (coalesced into one job)."""
        if self.runner.busy or self.image is None:
            return
        if self._propagation is not None:
            request, self._propagation = self._propagation, None
            self._run_propagation(request)
            return
        if self.plane is None or self.plane.key not in self.editors:
            return
        plane, editor = self.editors[self.plane.key]
        job = editor.next_job()
        if job is None:
            return
        image, choice, window, pool = (
            self.image,
            self.settings.method,
            self.settings.window,
            self.pool,
        )
        if not pool.is_built(choice) and pool.is_learned(choice.name):
            self._status(f"loading {choice.name} (first use: torch and the weights) ...")

        def work() -> JobResult:
            segmenter = pool.segmenter(choice)
            prepared = pool.prepared(segmenter, plane.key, window, lambda: image.data[plane.index])
            start = time.perf_counter()
            predictions = run_job(job, segmenter, prepared)
            elapsed = (time.perf_counter() - start) * 1000.0
            latency = elapsed / len(predictions) if predictions else None
            return JobResult(job, predictions, latency, device_of(segmenter))

        self.runner.run(work, returned=self._job_done, errored=lambda e: self._job_failed(job, e))

    def _job_done(self, result: JobResult) -> None:
        entry = self.editors.get(result.job.key)
        if entry is None:
            return
        plane, editor = entry
        editor.finish(result.job, result.predictions)
        if result.latency_ms is not None:
            self.last_latency_ms = result.latency_ms
            self.device = result.device
        self._draw()
        if editor.key in self._accept_when_ready and editor.pending == 0:
            self._accept_when_ready.discard(editor.key)
            if plane.key == getattr(self.plane, "key", None):
                self.accept()
        self._status(self.describe())

    def _job_failed(self, job: PredictionJob, exc: BaseException) -> None:
        entry = self.editors.get(job.key)
        if entry is not None:
            entry[1].fail(job)
            self._accept_when_ready.discard(job.key)
        self._draw()
        show_error(f"EveryClick: {self.settings.method.name} could not predict: {exc}")

    # --- views -----------------------------------------------------------------------------

    def describe(self) -> str:
        """The status line: device, last click latency, the object's click count and, for a
        model that hands over to a classical method, which of the two answered last."""
        parts = [self.device]
        if self.last_latency_ms is not None:
            parts.append(f"last click {self.last_latency_ms:.0f} ms")
        editor = self.editor
        if editor is not None and editor.clicks:
            parts.append(f"{len(editor.clicks)} click(s) on this slice")
            answered_by = editor.prediction.state.get(ANSWERED_BY) if editor.prediction else None
            if answered_by:
                parts.append(f"answered by {answered_by}")
        if self.pool.is_learned(self.settings.method.name) and self.device == "cpu":
            parts.append("model on CPU: slower")
        return " \u00b7 ".join(parts)

    def refresh_measurements(self) -> None:
        """Re-measure the whole target layer (after switching target, or on request)."""
        self.measuring.reset(self.image, self.target)

    def show_lesion(self, label: int, z: int) -> None:
        """Go to slice `z` (axis 0 of a volume; ignored for a 2D layer) of the target labels,
        centre the view on `label` there and make it the layer's selected label."""
        target = self.target
        if target is None:
            return
        data = target.data
        volume = target.ndim == 3
        ys, xs = np.nonzero(np.asarray(data[z] if volume else data) == label)
        if ys.size == 0:
            self._status(f"label {label} has no pixels on slice {z}: press Re-measure all")
            return
        point = ([z] if volume else []) + [float(ys.mean()), float(xs.mean())]
        world = np.asarray(target.data_to_world(point), dtype=float)
        offset = self.viewer.dims.ndim - target.ndim
        self.viewer.dims.set_point(range(offset, offset + target.ndim), world)
        full = np.asarray(self.viewer.dims.point, dtype=float)
        full[offset:] = world
        camera_of(self.viewer).center = tuple(full[d] for d in self.viewer.dims.displayed)
        target.selected_label = label
        self._status(f"label {label} on slice {z}" if volume else f"label {label}")

    def axes_toggled(self) -> None:
        """Show or hide the RECIST axes lines."""
        self.measuring.set_draw_axes(self.settings.draw_axes)

    def close(self) -> None:
        """Give the mouse and keys back to napari, after saving what waits: strokes painted by
        hand that wait for a pause, and the saves under way or queued (the viewer or the app
        may be going away with the event loop that would run them); accepted labels stay. An
        accept that waits for its prediction is made first, the prediction awaited here."""
        self.hand_edits.close()
        deadline = time.monotonic() + CLOSE_ACCEPT_WAIT_S
        while self._accept_when_ready and self.runner.settle(deadline - time.monotonic()):
            pass  # each settled job may make its accept, or start the job of newer clicks
        self.runner.close()
        run, self._propagating = self._propagating, None
        if run is not None and self._record(run) is not None:  # stopped by the close: saved
            self._save(run.target)
        self.autosaver.finish()
        self.tool.close()
        if self.gesture in self.viewer.mouse_drag_callbacks:
            self.viewer.mouse_drag_callbacks.remove(self.gesture)
        self.viewer.dims.events.point.disconnect(self._on_dims)
        self.viewer.dims.events.ndisplay.disconnect(self._on_dims)

    # --- internals -------------------------------------------------------------------------

    def _editor_for(self, plane: Plane) -> ObjectEditor:
        entry = self.editors.get(plane.key)
        if entry is None:
            entry = (plane, ObjectEditor(plane.key, self._initial_for(plane)))
            self.editors[plane.key] = entry
            self._limit_open_objects()
        self.editors.move_to_end(plane.key)
        return entry[1]

    def _initial_for(self, plane: Plane) -> Prediction | None:
        label = self.settings.edit_label
        if label <= 0 or self.target is None:
            return None
        mask = np.asarray(self.target.data[plane.index]) == label
        return Prediction.from_mask(mask) if mask.any() else None

    def _reset_edit_initials(self) -> None:
        for plane, editor in self.editors.values():
            initial = self._initial_for(plane)
            if initial is None and editor.initial is None:
                continue  # it starts from nothing, as before: its predictions stand
            editor.initial = initial
            editor.restart()
        if self.plane is not None and self.settings.edit_label > 0:
            self._editor_for(self.plane)
        self._pump()

    def _limit_open_objects(self) -> None:
        while len(self.editors) > MAX_OPEN_OBJECTS:
            key, (plane, _) = next(iter(self.editors.items()))
            del self.editors[key]
            self._status(f"dropped the unaccepted object on slice {plane.z}")

    def _drop_objects(self) -> None:
        self.editors.clear()
        self._accept_when_ready.clear()
        self._live = None

    def _on_dims(self, event=None) -> None:
        if self.image is None:
            return
        plane = displayed_plane(self.viewer, self.image, self.viewer.dims.point)
        if plane == self.plane:
            return
        self.plane = plane
        if plane is not None and self.settings.edit_label > 0:
            self._editor_for(plane)
        self._draw()
        self._pump()

    def _show_live(self, plane: Plane, click: Click | None) -> None:
        self._live = None if click is None else (plane, click)
        self._draw_clicks()

    def _draw(self) -> None:
        self._draw_clicks()
        if self.image is None:
            return
        preview = ensure_preview_layer(self.viewer, self.image)
        if self.plane is None:
            return
        editor = self.editor
        draw_preview(preview, self.image, self.plane, None if editor is None else editor.mask)

    def _draw_clicks(self) -> None:
        if self.image is None:
            return
        clicks = [(plane, c) for plane, editor in self.editors.values() for c in editor.clicks]
        if self._live is not None:
            clicks.append(self._live)
        draw_clicks(ensure_clicks_layer(self.viewer, self.image), clicks)

    def _after_edit(self, target: Labels, edit: LabelEdit) -> None:
        self._draw()
        if target is self.target:
            self.measuring.update(edit.slices)
        self._save(target)

    def _painted_by_hand(self, layer: Labels, slices: tuple[int, ...] | None) -> None:
        """Strokes of napari's own Labels tools on `layer` (widget.hand_edits): re-measure the
        slices they touched (all when None) and save the layer, as after an accept."""
        if layer is self.target:
            self.measuring.update(slices)
        self._save(layer)

    def _save(self, target: Labels) -> None:
        """Write `target` to its image's recovery copy and, with Autosave, beside its CT."""
        image = self._image_of(target)
        if image is None:
            return
        source = source_path(image)
        if source is None:  # not read from a file: a recovery copy found by the image's values
            if self.settings.autosave:
                show_info("autosave: the image has no source file to save beside")
            digest = self._digest_of(image)
            if digest is not None:
                self.autosaver.save(target, [array_recovery_labels_path(digest)])
            return
        paths = [recovery_labels_path(source)]
        if self.settings.autosave:
            paths.append(saved_labels_path(source))
        self.autosaver.save(target, paths)

    def _image_of(self, target: Labels) -> Image | None:
        """The image whose labels layer `target` is (an undo or a propagation may finish on
        another image's layer than the one shown)."""
        if target is self.target:
            return self.image
        return next((im for im, labels in self._image_targets.items() if labels is target), None)

    def _status(self, text: str) -> None:
        self._on_status(text)

    def _reject(self, text: str) -> None:
        """A press that cannot be a click (outside the image, a 3D view): tell the user, with
        a notification the first time in a row (not at every drag that rotates a 3D view)."""
        self._status(text)
        if text != self._rejected:
            show_warning(f"EveryClick: {text}")
        self._rejected = text
