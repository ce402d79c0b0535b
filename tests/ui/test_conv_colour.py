"""Convolution views on colour pictures: first-layer filters as colour tiles, the input in
colour; deeper layers keep one orange / blue kernel per input channel."""

from __future__ import annotations

import numpy as np
import pytest

from tests.core.test_probes_projects import colour_cnn_session, trained
from tests.ui.test_views import shown
from tests.ui.test_views_layout import click_tile
from ui.panels.data_preview import mosaic
from ui.views.colors import rgba_picture
from ui.views.detail import side_by_side
from ui.views.filters import colour_filters


@pytest.fixture(scope="module")
def colour():
    return trained(colour_cnn_session(), 1)


def test_colour_filters_are_scaled_per_filter_around_grey():
    kernels = np.zeros((2, 3, 2, 2), np.float32)
    kernels[0, 0, 0, 0] = 0.5  # red-positive: a red pixel
    kernels[0, 2, 1, 1] = -0.25  # blue-negative, half as strong
    kernels[1, 1, 0, 1] = 4.0  # another scale: still the full range
    kernels[1, 1, 1, 0] = -4.0
    tiles = colour_filters(kernels)
    assert tiles.shape == (2, 2, 2, 3)  # (filters, kh, kw, R G B)
    np.testing.assert_allclose(tiles[0, 0, 0], [1.0, 0.5, 0.5])
    np.testing.assert_allclose(tiles[0, 1, 1], [0.5, 0.5, 0.25])
    np.testing.assert_allclose(tiles[0, 0, 1], [0.5, 0.5, 0.5])  # 0 is mid-grey
    np.testing.assert_allclose(tiles[1, 0, 1], [0.5, 1.0, 0.5])
    np.testing.assert_allclose(tiles[1, 1, 0], [0.5, 0.0, 0.5])
    np.testing.assert_allclose(colour_filters(np.zeros((1, 3, 2, 2))), 0.5)  # no NaN


def test_first_layer_filters_are_colour_tiles_and_deeper_ones_signed(qtbot, colour):
    view = shown(qtbot, "filters", colour, (600, 900))
    payload = colour.trainer.make_snapshot().probes["filters"]
    image = view.panels["l1"][1].image
    kernels = payload["l1"]["kernels"]  # (6, 3, 3, 3)
    # One RGBA tile per filter in a 3 x 2 grid, not 6 rows of 3 grey kernels.
    expected = rgba_picture(mosaic(colour_filters(kernels), 3), (0.0, 1.0))
    np.testing.assert_array_equal(image, expected)
    assert image.shape == (2 * 4 - 1, 3 * 4 - 1, 4)
    assert view.panels["l1"][0]._full_title[0] == "l1: 6 colour filters, 3×3"
    assert view.panels["l3"][0]._full_title[0] == "l3: 4 filters × 6 channels, 3×3"
    assert "l1" not in view.bars and "l3" in view.bars  # no shared scale for colour tiles
    assert view.panels["l3"][1].image.ndim == 2  # 4 filters x 6 channels, orange / blue
    assert "Colour tiles" in view.hint.text() and "grey = 0" in view.hint.text()
    assert "orange" in view.hint.toolTip()  # and how the deeper layers are drawn


def test_a_click_on_a_colour_filter_shows_its_three_kernels(qtbot, colour):
    view = shown(qtbot, "filters", colour, (600, 900))
    kernels = colour.trainer.make_snapshot().probes["filters"]["l1"]["kernels"]
    click_tile(qtbot, view, "l1", 4)
    detail = view.detail
    assert detail is not None and detail.key == ("l1", 4)
    np.testing.assert_array_equal(detail.values, side_by_side(kernels[4]))
    assert detail.values.shape == (3, 11) and np.isnan(detail.values[:, 3]).all()
    assert "red, green, blue" in detail.heading.text()
    texts = [t.toPlainText() for t in detail.texts]
    assert texts[0] == f"{kernels[4, 0, 0, 0]:.2g}" and texts[3] == ""  # the gap is blank
    m = float(np.abs(kernels[4]).max())
    np.testing.assert_allclose(detail.image.levels, (-m, m))  # the tile's own scale
    detail.close()


def test_the_input_sample_is_shown_in_colour(qtbot, colour):
    view = shown(qtbot, "feature_maps", colour, (600, 900))
    payload = colour.trainer.make_snapshot().probes["feature_maps"]
    x = payload["input"]  # (3, 16, 16)
    image = view.panels["input"][1].image
    assert image.shape == (16, 16, 4)
    lo, hi = float(x.min()), float(x.max())
    np.testing.assert_array_equal(image, rgba_picture(x.transpose(1, 2, 0), (lo, hi)))
    assert np.abs(image[..., 0].astype(int) - image[..., 2]).max() > 30  # not grey
    click_tile(qtbot, view, "input", 0)
    np.testing.assert_array_equal(view.detail.values, side_by_side(x))
    view.detail.close()
