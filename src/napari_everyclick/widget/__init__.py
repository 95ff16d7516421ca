"""The napari dock widget and its mouse/key interaction.

Only `dock`, `controls`, `table`, `layers`, `gestures`, `tool`, `background`, `autosave`,
`hand_edits` and `annotator` import napari or Qt; `object_state`, `plane`, `label_writes`, `keys`
and `segmenters` are plain Python and tested without a viewer. Nothing is imported here, so
importing one Qt-free module never starts Qt.
"""
