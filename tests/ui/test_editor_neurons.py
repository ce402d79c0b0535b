"""Neuron-map thumbnails under nodes, with an enlarged view on hover."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from ui.editor import style
from ui.editor.editor import GraphEditor
from ui.editor.neurons import MAX_THUMBS, PREVIEW, THUMB, map_image
from ui.editor.samples import XOR_INPUT_SHAPES, demo_neuron_maps, xor_graph


@pytest.fixture
def editor(qtbot):
    editor = GraphEditor(xor_graph())
    editor.set_input_shapes(XOR_INPUT_SHAPES)
    qtbot.addWidget(editor)
    editor.resize(1200, 700)
    editor.show()
    qtbot.waitExposed(editor)
    editor.fit_view()
    return editor


def test_colour_map_is_the_views_orange_neutral_blue():
    from ui.views.colors import NEUTRAL

    image = map_image(np.array([[-1.0, 0.0, 1.0, 5.0]]))
    rgb = [QColor(image.pixel(x, 0)).getRgb()[:3] for x in range(4)]
    assert rgb[0] == style.NEGATIVE.getRgb()[:3]
    assert all(abs(a - b) <= 1 for a, b in zip(rgb[1], NEUTRAL))  # 0 is neutral
    assert rgb[2] == rgb[3] == style.POSITIVE.getRgb()[:3]  # clipped at +1


def test_maps_draw_thumbnails_under_nodes(editor):
    item = editor.scene.node_items["hidden"]
    bare = item.full_height
    editor.set_neuron_maps(demo_neuron_maps({"hidden": 6, "prediction": 1, "ghost": 3}))
    thumbs = item.strip.thumbs
    assert len(thumbs) == 6 and all(not t.pixmap().isNull() for t in thumbs)
    assert thumbs[0].sceneBoundingRect().width() == pytest.approx(THUMB)
    assert thumbs[0].sceneBoundingRect().top() > item.sceneBoundingRect().bottom() - 4
    assert item.full_height > bare
    assert len(editor.scene.node_items["prediction"].strip.thumbs) == 1
    assert editor.scene.node_items["x"].strip.thumbs == []
    # the thumbnails are really drawn: orange and blue pixels below the node
    image = editor.view.grab().toImage()
    rect = editor.view.mapFromScene(item.strip.sceneBoundingRect()).boundingRect()
    colours = {QColor(image.pixel(x, y)).name()
               for x in range(rect.left(), rect.right(), 2)
               for y in range(rect.top(), rect.bottom(), 2)}
    hues = {QColor(c).hsvHue() for c in colours if QColor(c).saturation() > 120}
    assert any(20 <= h <= 40 for h in hues) and any(190 <= h <= 215 for h in hues)
    editor.set_neuron_maps(None)
    assert item.strip.thumbs == [] and item.full_height == bare


def test_at_most_sixteen_thumbnails_with_a_note(editor):
    editor.set_neuron_maps(demo_neuron_maps({"hidden": 40}))
    strip = editor.scene.node_items["hidden"].strip
    assert len(strip.thumbs) == MAX_THUMBS and strip.hidden_count == 40 - MAX_THUMBS
    editor.set_neuron_maps(demo_neuron_maps({"hidden": 3}, seed=1))  # fewer: items reused
    assert len(strip.thumbs) == 3 and strip.hidden_count == 0


def test_hover_shows_the_map_enlarged(editor, qtbot):
    editor.set_neuron_maps(demo_neuron_maps({"hidden": 6}))
    thumb = editor.scene.node_items["hidden"].strip.thumbs[4]
    centre = editor.view.mapFromScene(thumb.sceneBoundingRect().center())
    QTest.mouseMove(editor.view.viewport(), centre)
    preview = editor.scene.neuron_preview
    qtbot.waitUntil(preview.isVisible, timeout=2000)
    assert preview.unit == 4 and preview.image == thumb.image
    editor.set_neuron_maps(demo_neuron_maps({"hidden": 6}, seed=3))  # training goes on
    assert preview.isVisible() and preview.image == thumb.image
    on_screen = preview.deviceTransform(editor.view.viewportTransform()).mapRect(
        preview.boundingRect())
    assert on_screen.width() >= PREVIEW  # a fixed screen size, whatever the zoom
    QTest.mouseMove(editor.view.viewport(), centre + QPoint(0, 300))
    qtbot.waitUntil(lambda: not preview.isVisible(), timeout=2000)


def test_maps_survive_undo_of_a_delete(editor):
    editor.set_neuron_maps(demo_neuron_maps({"hidden": 6}))
    editor.select(["hidden"])
    editor.actions["delete"].trigger()
    editor.actions["undo"].trigger()
    assert len(editor.scene.node_items["hidden"].strip.thumbs) == 6
