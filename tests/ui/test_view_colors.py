"""The views' colour module: pyqtgraph ColorMaps and lookup tables, symmetric signed maps,
readable in both palettes and for colour-blind readers, used by every heatmap."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication

from tests.core.test_probes_projects import (
    digits_cnn_session,
    spiral_session,
    surface_session,
    trained,
)
from ui.views import create_view
from ui.views.colors import (
    BLUE,
    CLASS_COLORS,
    LINE_COLORS,
    MAPS,
    NEUTRAL,
    NEUTRAL_DARK,
    ORANGE,
    colormap,
    contrast_text,
    is_dark,
    lookup_table,
    show_heatmap,
    steady_levels,
    symmetric_levels,
)
from ui.window.theme import apply_theme

# Machado, Oliveira and Fernandes (2009), severity 1: how dichromats see sRGB colours.
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])


def seen(rgb, matrix) -> np.ndarray:
    """``rgb`` as a dichromat sees it (computed in linear light)."""
    c = np.asarray(rgb, np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    out = np.clip(linear @ matrix.T, 0.0, 1.0)
    return 255.0 * np.where(out <= 0.0031308, 12.92 * out, 1.055 * out ** (1 / 2.4) - 0.055)


def distance(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a, float) - np.asarray(b, float)))


@pytest.fixture(params=["light", "dark"])
def palette(request):
    app = QApplication.instance() or QApplication([])
    apply_theme(app, request.param)
    yield request.param == "dark"
    apply_theme(app, "light")


def test_maps_are_pyqtgraph_colormaps_with_their_lookup_tables():
    for name in MAPS:
        for dark in (False, True):
            cmap = colormap(name, dark)
            assert isinstance(cmap, pg.ColorMap)
            table = lookup_table(name, dark)
            assert table.shape == (256, 4) and table.dtype == np.uint8
            np.testing.assert_array_equal(table, cmap.getLookupTable(0.0, 1.0, 256, alpha=True))


def test_the_signed_map_is_symmetric_about_zero(palette):
    dark = palette
    table = lookup_table("signed", dark).astype(float)[:, :3]
    neutral = NEUTRAL_DARK if dark else NEUTRAL
    assert MAPS["signed"].signed
    assert tuple(table[0]) == ORANGE and tuple(table[-1]) == BLUE
    # 0 is the neutral middle, and equal steps either side move equally far from it.
    assert distance(table[127], neutral) < 3 and distance(table[128], neutral) < 3
    for i in range(0, 128, 8):
        a, b = distance(table[127 - i], neutral), distance(table[128 + i], neutral)
        assert abs(a / distance(ORANGE, neutral) - b / distance(BLUE, neutral)) < 0.02
    # Levels for signed data put 0 in the middle of the table, whatever the data's spread.
    lo, hi = symmetric_levels(np.array([-0.2, 0.05, 3.0, np.nan]))
    assert (lo, hi) == (-3.0, 3.0)
    assert symmetric_levels(np.zeros(4)) == (-1e-6, 1e-6)


def test_both_ends_stand_out_from_the_middle_and_the_background(palette, qtbot):
    dark = palette
    view = create_view("weights")
    qtbot.addWidget(view)
    assert is_dark(view) == dark
    background = view.palette().color(view.palette().ColorRole.Base).getRgb()[:3]
    table = lookup_table("signed", dark)[:, :3]
    for end in (table[0], table[-1]):
        assert distance(end, table[127]) > 120
        assert distance(end, background) > 120
    # Numbers written on cells are black or white, whichever reads on the cell.
    assert contrast_text(NEUTRAL) == (20, 20, 20) and contrast_text((8, 48, 107)) == \
        (255, 255, 255)


def test_colour_blind_readers_still_tell_the_colours_apart():
    for matrix in (PROTANOPIA, DEUTERANOPIA):
        # The two ends of the signed map (negative / positive, class 0 / class 1).
        assert distance(seen(ORANGE, matrix), seen(BLUE, matrix)) > 150
        # Neighbouring class colours and line colours (the first ones drawn together).
        for palette_, first in ((CLASS_COLORS, 6), (LINE_COLORS, 6)):
            colours = [seen(c, matrix) for c in palette_[:first]]
            closest = min(distance(a, b) for i, a in enumerate(colours)
                          for b in colours[i + 1:])
            assert closest > 30, (palette_, closest)


def test_steady_levels_change_only_when_the_data_leaves_or_shrinks_well_inside():
    assert steady_levels(None, (-1.0, 1.0)) == (-1.0, 1.0)
    assert steady_levels((-1.0, 1.0), (-0.9, 0.9)) == (-1.0, 1.0)  # still fits: keep
    assert steady_levels((-1.0, 1.0), (-1.2, 1.2)) == (-1.2, 1.2)  # outgrown
    assert steady_levels((-1.0, 1.0), (-0.5, 0.5)) == (-0.5, 0.5)  # far too loose


def test_show_heatmap_hands_values_a_lookup_table_and_levels():
    item = pg.ImageItem()
    values = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    show_heatmap(item, values, "signed", (-2.0, 2.0))
    np.testing.assert_array_equal(item.image, values)
    np.testing.assert_array_equal(item.lut, lookup_table("signed"))
    assert tuple(item.levels) == (-2.0, 2.0)


@pytest.mark.parametrize("view_id, build, images", [
    ("boundary", lambda: trained(spiral_session(), 2), lambda v: [v.image]),
    ("weights", lambda: trained(spiral_session(), 2),
     lambda v: [item for _, item in v.plots.values()]),
    ("filters", lambda: trained(digits_cnn_session(), 1),
     lambda v: [item for _, item in v.panels.values()]),
    ("neurons", lambda: trained(spiral_session(), 2), lambda v: [v.large_image]),
    ("paths", lambda: trained(surface_session(10), 10), lambda v: [v.image]),
])
def test_every_heatmap_is_values_through_a_lookup_table_with_a_colour_bar(
        qtbot, view_id, build, images):
    session = build()
    view = create_view(view_id)
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.set_session(session)
    view.show()
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    bars = [item for item in view.findChildren(pg.GraphicsView)
            for item in item.scene().items() if isinstance(item, pg.ColorBarItem)]
    for item in images(view):
        assert item.image.ndim == 2 and item.image.dtype.kind == "f"  # values, not colours
        assert item.lut is not None and item.levels is not None
        assert any(item in [ref() for ref in bar.img_list] for bar in bars)
