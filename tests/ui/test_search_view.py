"""Search view: both tables fill, the best rows are bold, the scores are plotted."""

from __future__ import annotations

from tests.core.test_probes_projects import spiral_session
from tests.core.test_search import search_session
from tests.ui.test_views import assert_not_blank, shown
from ui.views import VIEWS
from ui.views.search import fmt_value


def test_tables_and_best_rows(qtbot):
    view = shown(qtbot, "search", search_session(), epochs=1, size=(620, 560))
    p = view._last
    grid = view.tables["grid"]
    assert grid.rowCount() == 5 and grid.item(0, 0).text() == "10"
    best = p["tables"]["grid"]["best"]
    assert grid.item(best, 1).font().bold() and not grid.item((best + 1) % 5, 1).font().bold()
    assert view.tables["random"].rowCount() == 5
    assert len(view.points["grid"].data) == 5 and len(view.rings["random"].data) == 1
    assert view.info.text().startswith("10 of 10 configurations trained")
    assert_not_blank(view, 10)


def test_headers_fit_their_columns_in_a_narrow_dock(qtbot):
    # At 1366x768 the view gets some 310 px: two tables of three columns side by side.
    view = shown(qtbot, "search", search_session(), epochs=1, size=(310, 700))
    for table in view.tables.values():
        header = table.horizontalHeader()
        metrics = header.fontMetrics()
        for c in range(table.columnCount()):
            text = table.horizontalHeaderItem(c).text()
            need = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
            assert need + 6 <= header.sectionSize(c), (text, need, header.sectionSize(c))
    assert view.tables["grid"].horizontalHeaderItem(0).text() == "batch\nsize"


def test_values_are_written_as_typed():
    assert fmt_value("batch_size", 30.0) == "30" and fmt_value("lr", 0.012345) == "0.0123"


def test_says_when_it_does_not_apply(qtbot):
    view = VIEWS["search"]()
    qtbot.addWidget(view)
    view.set_session(spiral_session())
    assert "search" in view.message
