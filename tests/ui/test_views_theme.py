"""Views stay readable in the dark palette: colours that sit on pale pictures do not follow
the window's text colour."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from tests.core.test_probes_projects import iris_session, surface_session, trained
from ui.views import create_view
from ui.views.colors import MARKER, lookup_table
from ui.window.theme import apply_theme


@pytest.fixture
def dark():
    app = QApplication.instance() or QApplication([])
    apply_theme(app, "dark")
    yield
    apply_theme(app, "light")


def shown(qtbot, view_id, session):
    view = create_view(view_id)
    qtbot.addWidget(view)
    view.resize(600, 420)
    view.set_session(session)
    view.show()
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    return view


def test_confusion_counts_contrast_with_their_cells_in_dark_mode(qtbot, dark):
    view = shown(qtbot, "confusion", trained(iris_session(), 20))
    share = view.image.image  # each cell's share, coloured pale (0) to dark blue (1)
    table = lookup_table("share")
    k = int(len(view.texts) ** 0.5)
    for n, text in enumerate(view.texts):
        i, j = divmod(n, k)
        colour = text.textItem.defaultTextColor()
        cell = table[int(round(share[i, j] * 255)), :3]
        pale = cell.mean() > 150
        assert (colour.lightness() < 100) == pale  # dark text on pale cells, white on dark


def test_start_markers_on_surfaces_are_dark_in_both_palettes(qtbot, dark):
    view = shown(qtbot, "paths", trained(surface_session(10), 10))
    pen = view.starts.opts["pen"]
    assert pen.color().getRgb()[:3] == MARKER
