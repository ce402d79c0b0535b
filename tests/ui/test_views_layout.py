"""Views drawn to scale and uncut: locked aspect, mosaics that scroll and open a tile large,
legends outside the data, titles elided with a tooltip, GAN curves, truthful placeholders."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from tests.core.test_gan import gan_session
from tests.core.test_probes_projects import (
    autoencoder_session,
    circle_session,
    digits_cnn_session,
    iris_session,
    spiral_session,
    surface_session,
    trained,
)
from tests.ui.clipping import clipped_texts
from ui.views import CurvesView, create_view
from ui.views.base import LOADING
from ui.views.labels import shown_title


def shown(qtbot, view_id, session, size=(520, 400)):
    view = create_view(view_id)
    qtbot.addWidget(view)
    view.resize(*size)
    view.set_session(session)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    QApplication.processEvents()
    assert view.message is None, view.message
    return view


def pixel_extent(plot: pg.PlotItem, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Width and height on screen of the data points (x, y)."""
    box = plot.getViewBox()
    points = [box.mapViewToScene(QPointF(float(a), float(b))) for a, b in zip(x, y)]
    xs, ys = [p.x() for p in points], [p.y() for p in points]
    return max(xs) - min(xs), max(ys) - min(ys)


@pytest.fixture(scope="module")
def circle():
    return trained(circle_session(), 3)


@pytest.fixture(scope="module")
def cnn():
    return trained(digits_cnn_session(), 1)


# -- to scale ------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(900, 300), (300, 800), (500, 500), (640, 360)])
def test_a_circle_stays_a_circle_in_the_boundary_view_at_any_dock_shape(qtbot, circle, size):
    view = shown(qtbot, "boundary", circle, size)
    angle = np.linspace(0, 2 * np.pi, 64)
    width, height = pixel_extent(view.plot, 3 * np.cos(angle), 3 * np.sin(angle))
    assert width > 20 and width == pytest.approx(height, rel=0.02)
    # The whole plane is in view, the grid fine and interpolated smoothly.
    (x0, x1), (y0, y1) = view.plot.viewRange()
    xs, ys = view.last_payload["xs"], view.last_payload["ys"]
    assert x0 <= xs[0] and x1 >= xs[-1] and y0 <= ys[0] and y1 >= ys[-1]
    assert view.last_image.shape == (100, 100)
    assert type(view.image).__name__ == "SmoothImageItem"


def test_planes_of_other_views_are_to_scale(qtbot):
    latent = shown(qtbot, "latent", autoencoder_session(), (800, 300))
    assert latent.plot.getViewBox().state["aspectLocked"] == 1.0
    paths = shown(qtbot, "paths", trained(surface_session(20), 20), (900, 350))
    assert paths.map.getViewBox().state["aspectLocked"] == 1.0


# -- nothing cut ---------------------------------------------------------------------------

def test_filter_mosaics_scroll_and_fit_the_width_of_a_small_dock(qtbot, cnn):
    view = shown(qtbot, "filters", cnn, (300, 260))
    grid = view.grid
    assert grid.verticalScrollBar().maximum() > 0  # taller than the dock: it scrolls
    assert grid.horizontalScrollBar().maximum() == 0
    assert grid.canvas.width() <= grid.viewport().width()
    for plot, _ in view.panels.values():
        box = plot.getViewBox().sceneBoundingRect()
        assert box.width() > 100  # the mosaic uses the dock's width
        assert box.right() <= grid.viewport().width()
    assert clipped_texts(view) == []


def click_tile(qtbot, view, key: str, tile: int) -> None:
    """A real left click on tile ``tile`` of panel ``key``."""
    plot, item = view.panels[key]
    tiles = view.tiles[key]
    row, col = divmod(tile, tiles.columns)
    x = col * (tiles.width + tiles.gap) + tiles.width / 2
    y = row * (tiles.height + tiles.gap) + tiles.height / 2
    view.grid.ensureVisible(0, int(plot.sceneBoundingRect().top()))
    # The panels' ranges follow their sizes once the layout has settled.
    box = plot.getViewBox()
    qtbot.waitUntil(lambda: box.sceneBoundingRect().contains(item.mapToScene(QPointF(x, y))),
                    timeout=5000)
    scene = item.mapToScene(QPointF(x, y))
    canvas = view.grid.canvas
    pos = canvas.mapFromScene(scene)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_a_click_on_a_filter_opens_it_large_with_its_values(qtbot, cnn):
    view = shown(qtbot, "filters", cnn, (600, 700))
    payload = cnn.trainer.make_snapshot().probes["filters"]
    key = list(payload)[0]
    click_tile(qtbot, view, key, 5)
    detail = view.detail
    assert detail is not None and detail.isVisible()
    kernel = payload[key]["kernels"][5, 0]
    np.testing.assert_allclose(detail.values, kernel)
    assert detail.key == (key, 5) and "filter 5" in detail.windowTitle()
    # Every value is written in its cell; the colour scale is the layer's.
    assert [t.toPlainText() for t in detail.texts] == [f"{v:.2g}" for v in kernel.flat]
    assert tuple(detail.image.levels) == tuple(view.levels[key])
    detail.close()


def test_a_click_on_a_feature_map_opens_it_large(qtbot, cnn):
    view = shown(qtbot, "feature_maps", cnn, (600, 900))
    payload = cnn.trainer.make_snapshot().probes["feature_maps"]
    key = list(payload["maps"])[0]
    click_tile(qtbot, view, key, 2)
    np.testing.assert_allclose(view.detail.values, payload["maps"][key][2])
    assert f"{key}: map 2" in view.detail.windowTitle()
    view.detail.close()


def test_long_titles_are_elided_with_the_whole_text_in_the_tooltip(qtbot):
    view = shown(qtbot, "weights", trained(spiral_session(), 1), (170, 500))
    plot, _ = next(iter(view.plots.values()))
    full = plot._full_title[0]
    assert shown_title(plot) != full and shown_title(plot).endswith("…")
    assert plot.titleLabel.toolTip() == full
    view.resize(1400, 500)
    QApplication.processEvents()
    assert shown_title(plot) == full and plot.titleLabel.toolTip() == ""
    assert clipped_texts(view) == []


def test_legends_sit_outside_the_data(qtbot):
    latent = shown(qtbot, "latent", trained(autoencoder_session(), 2), (360, 420))
    assert latent.legend.items  # one entry per digit
    data = latent.plot.getViewBox().sceneBoundingRect()
    assert not latent.legend.sceneBoundingRect().intersects(data)
    session = trained(iris_session(), 3)
    curves = shown(qtbot, "curves", session, (700, 260))
    for plot, legend in curves.legends.items():
        assert not legend.sceneBoundingRect().intersects(plot.getViewBox().sceneBoundingRect())
    assert clipped_texts(curves) == []


def test_optimizer_legend_keeps_each_racer_whole_and_the_map_follows_the_paths(qtbot):
    session = trained(surface_session(5), 5)
    view = shown(qtbot, "paths", session, (700, 420))
    text = view.legend.text()
    assert "μ=0.03&nbsp;β=0.9" in text or "&nbsp;" in text  # spaces inside an entry hold
    base = session.trainer.make_snapshot()
    racers = base.probes["paths"]["trajectories"]
    name = next(iter(racers))
    (x0, x1), (y0, y1) = view.map.viewRange()
    xs, ys, _ = base.probes["paths"]["grid"]
    assert x1 < xs[-1] - 0.1  # the frame is around the paths, not the whole surface
    away = dict(racers[name])
    away["points"] = np.concatenate([racers[name]["points"], [[xs[-1] - 0.05, (y0 + y1) / 2]]])
    moved = {**base.probes["paths"], "trajectories": {**racers, name: away}}
    view.show_snapshot(dataclasses.replace(base, step=base.step + 1, probes={"paths": moved}))
    view.flush()
    (nx0, nx1), _ = view.map.viewRange()
    assert nx1 >= away["points"][-1, 0]  # the frame widened to keep the racer in view


def test_confusion_counts_never_overlap_when_the_dock_narrows(qtbot):
    view = shown(qtbot, "confusion", trained(iris_session(), 5), (700, 400))
    for size in ((180, 160), (700, 400)):
        view.resize(*size)
        QApplication.processEvents()
        cell = view.plot.getViewBox().width() / 3
        for text in view.texts:
            if text.isVisible():
                assert text.textItem.boundingRect().width() <= cell
    assert all(t.isVisible() for t in view.texts)  # big again: every count shows


# -- GANs ----------------------------------------------------------------------------------

def test_gan_curves_draw_each_networks_loss_and_d_of_real_and_fake(qtbot):
    session = trained(gan_session(), 2)
    view = CurvesView()
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    labels = {label.text for _, label in view.legends[view.loss_plot].items}
    assert labels == {"D loss", "G loss"}
    losses = [item for key, item in view.items.items() if key[0] is view.loss_plot]
    assert len(losses) == 2
    assert not np.allclose(losses[0].getOriginalDataset()[1], losses[1].getOriginalDataset()[1])
    assert view.metric_box.currentText() == "D(real), D(fake)"
    labels = {label.text for _, label in view.legends[view.metric_plot].items}
    assert labels == {"D(real)", "D(fake)"} and view.equilibrium.isVisible()
    assert "d_accuracy" in [view.metric_box.itemText(i) for i in range(view.metric_box.count())]


# -- placeholders --------------------------------------------------------------------------

@pytest.mark.parametrize("view_id", ["paths", "latent", "boundary", "filters", "histogram",
                                     "stepthrough", "samples", "confusion"])
def test_without_a_session_a_view_says_loading_not_why_it_would_not_fit(qtbot, view_id):
    view = create_view(view_id)
    qtbot.addWidget(view)
    assert view.message == LOADING
    view.set_session(None)
    assert view.message == LOADING
    view.set_session(None, idle="")
    assert view.message == ""


# -- exports -------------------------------------------------------------------------------

def svg_texts(path) -> str:
    """All text an SVG file draws, in order."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    return " ".join("".join(el.itertext()) for el in root.iter()
                    if el.tag.split("}")[-1] == "text")


def test_exports_carry_the_colour_bar_and_the_legend(qtbot, circle, tmp_path):
    boundary = shown(qtbot, "boundary", circle, (520, 420))
    boundary.export_svg(tmp_path / "b.svg")
    assert "class 1" in svg_texts(tmp_path / "b.svg")  # the colour bar's end label
    boundary.export_png(tmp_path / "b.png")
    image = pg.QtGui.QImage(str(tmp_path / "b.png"))
    bar = boundary.bar.getViewBox().sceneBoundingRect()  # the bar's gradient
    near_top = QPointF(bar.center().x(), bar.top() + 0.1 * bar.height())  # the blue end
    origin = boundary.plot_widget.mapTo(boundary, boundary.plot_widget.mapFromScene(near_top))
    colour = pg.QtGui.QColor(image.pixel(origin))
    assert colour.saturation() > 40 and 190 <= colour.hue() <= 215  # in the picture
    curves = shown(qtbot, "curves", circle, (700, 260))
    curves.export_svg(tmp_path / "c.svg")
    assert "train_loss (batches)" in svg_texts(tmp_path / "c.svg")


def test_a_wide_weight_matrix_keeps_its_height_under_its_axes(qtbot):
    """A 48 x 128 layer in a narrow dock: the picture stays as tall as the grid planned
    (its axes were not counted, and it was drawn 12 px tall at 1366x768)."""
    from playground.project.presets import load_preset
    from playground.run.session import build_session

    view = shown(qtbot, "weights", build_session(load_preset("launch-boston-kfold")),
                 (300, 700))
    plot, item = view.plots["hidden_2"]
    rect = item.sceneBoundingRect()
    assert rect.height() >= 0.8 * (48 / 130) * rect.width(), (rect.width(), rect.height())
    assert clipped_texts(view) == []
