"""Distributions view (GAN real vs generated) and the preset view layouts it completes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np

from playground.project.presets import presets_dir
from tests.core.test_probe_distribution import gan_session
from tests.ui.test_views import assert_not_blank, shown
from ui.views import VIEWS


def test_every_preset_layout_names_registered_views():
    for path in sorted(presets_dir().glob("*.json")):
        layout = json.loads(path.read_text()).get("views", {}).get("layout", [])
        unknown = [v for v in layout if v not in VIEWS]
        assert not unknown, f"{path.name}: views.layout has unknown {unknown}"


def test_histograms_and_d_curve_for_the_1d_gan(qtbot, tmp_path):
    session = gan_session()
    view = shown(qtbot, "histogram", session, epochs=2, size=(560, 420))
    p = view._last
    x, y = view.fake_hist.getData()
    assert np.allclose(x, p["edges"]) and np.allclose(y, p["fake_density"])
    assert np.allclose(view.d_curve.getData()[1], p["d_real"])
    assert view.bottom.isVisible() and not view.real_points.isVisible()
    assert view.info.text().startswith("real mean") and "generated mean" in view.info.text()
    assert_not_blank(view, 15)
    view.export_svg(tmp_path / "h.svg")
    assert ET.parse(tmp_path / "h.svg").getroot().tag.endswith("svg")


def test_point_clouds_for_2d_data(qtbot):
    view = shown(qtbot, "histogram", gan_session(dims=2))
    assert view.fake_points.isVisible() and not view.bottom.isVisible()
    assert len(view.fake_points.data) == len(view._last["fake"])
    assert_not_blank(view, 10)


def test_explains_when_it_does_not_apply(qtbot):
    from tests.core.test_probes_projects import spiral_session

    view = VIEWS["histogram"]()
    qtbot.addWidget(view)
    view.set_session(spiral_session())
    assert "needs a GAN" in view.message
