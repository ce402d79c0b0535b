"""Render the editor offscreen the way a user sees it, and check the pictures are sane.

Set EDITOR_SCREENSHOTS=/some/dir to keep the PNGs for a look.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from ui.editor import style
from ui.editor.editor import GraphEditor
from ui.editor.samples import XOR_INPUT_SHAPES, cnn_graph, demo_neuron_maps, xor_graph


@pytest.fixture
def shots(tmp_path):
    where = Path(os.environ.get("EDITOR_SCREENSHOTS", tmp_path))
    where.mkdir(parents=True, exist_ok=True)
    return where


def render(qtbot, graph, shapes, path, select=(), maps=None) -> QImage:
    editor = GraphEditor(graph)
    qtbot.addWidget(editor)
    editor.set_input_shapes(shapes)
    if maps:
        editor.set_neuron_maps(maps)
    editor.resize(1200, 700)
    editor.show()
    qtbot.waitExposed(editor)
    editor.fit_view()
    editor.select(select)
    qtbot.wait(20)  # let posted layout requests run, as the event loop would
    image = editor.grab().toImage()
    assert editor.grab().save(str(path))
    return image


def count_colour(image: QImage, colour: QColor, tolerance: int = 30) -> int:
    """Pixels within ``tolerance`` (sum of RGB differences) of ``colour``."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(h, stride)
    rgb = rows[:, : 3 * w].reshape(h, w, 3).astype(int)
    target = np.array(colour.getRgb()[:3])
    return int((np.abs(rgb - target).sum(axis=2) < tolerance).sum())


def test_xor_screenshot(qtbot, shots):
    image = render(qtbot, xor_graph(), XOR_INPUT_SHAPES, shots / "editor_xor.png", ["hidden"])
    assert count_colour(image, style.category_colour("Core")) > 200  # Dense headers drawn
    assert count_colour(image, style.ERROR) < 40  # no error anywhere


def test_cnn_error_screenshot(qtbot, shots):
    image = render(qtbot, cnn_graph(), {}, shots / "editor_cnn_error.png", ["logits"])
    assert count_colour(image, style.ERROR) > 80  # badge, red edge label, inspector text


def test_neuron_maps_screenshot(qtbot, shots):
    maps = demo_neuron_maps({"x": 2, "hidden": 6, "prediction": 1})
    image = render(qtbot, xor_graph(), XOR_INPUT_SHAPES, shots / "editor_neurons.png",
                   maps=maps)
    assert count_colour(image, style.NEGATIVE, 60) > 80
    assert count_colour(image, style.POSITIVE, 60) > 80
