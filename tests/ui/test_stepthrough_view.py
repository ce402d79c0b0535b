"""Step-through view: the book's numbers of one backprop step, revealed phase by phase."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from playground.probes import VIEW_PROBES
from playground.probes.stepthrough import book_values
from playground.project.presets import load_preset
from playground.run.session import build_session
from tests.ui.main_helpers import click, close_window, make_window
from ui.views import VIEWS, StepThroughView, create_view
from ui.views.stepthrough import FAIL, PASS, fmt_array


def shown(qtbot, preset: str, steps: int = 0) -> tuple[StepThroughView, object]:
    """The view on a fresh session of ``preset`` after ``steps`` steps, drawn."""
    session = build_session(load_preset(preset))
    view = create_view("stepthrough")
    qtbot.addWidget(view)
    view.resize(760, 720)
    view.set_session(session)
    for _ in range(steps):
        session.trainer.step_batch()
    view.show()
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    assert view.message is None, view.message
    return view, session


def value(view: StepThroughView, key: str) -> str:
    return view.rows[key].text(1)


def test_registered_with_its_probe():
    assert VIEWS["stepthrough"] is StepThroughView
    assert VIEW_PROBES["stepthrough"] == ("stepthrough",)
    for preset in ("dlpi-1-bp-step", "ldl-3-backprop-step"):
        assert "stepthrough" in load_preset(preset).views["layout"]


def test_number_formatting():
    assert fmt_array([[2.0, 2.0, -2.0]]) == "(2, 2, -2)"  # batch of one: a vector
    assert fmt_array([[0.5]]) == "0.5"
    assert fmt_array([-0.0]) == "0"
    assert fmt_array([[1.5, 1.5], [0.5, 0.5]]) == "[1.5, 1.5]\n[0.5, 0.5]"
    assert "in all" in fmt_array(list(range(40)))


def test_dlpi_bp_step_phases_reveal_the_books_numbers(qtbot):
    view, session = shown(qtbot, "dlpi-1-bp-step")
    assert "not taken yet" in view.heading.text()  # a preview: nothing applied
    assert session.trainer.step == 0
    # Only the sample and the weights before the step are shown at first.
    assert value(view, "x") == "(1, 1)" and value(view, "out.weight") == "(1, -1, -2)"
    assert "hidden.z" not in view.rows and "out.weight.new" not in view.rows
    buttons = view.buttons
    assert buttons["forward"].isEnabled()
    assert not buttons["backward"].isEnabled() and not buttons["update"].isEnabled()

    qtbot.mouseClick(buttons["forward"], Qt.MouseButton.LeftButton)
    assert value(view, "hidden.z") == "(2, 2, -2)"
    assert value(view, "hidden.output") == "(2, 2, 0)"
    assert value(view, "output") == "0.5"
    assert "hidden.delta" not in view.rows
    assert view.rows["hidden.z"].text(2) == f"{PASS} z(1) = (2, 2, -2)"

    qtbot.mouseClick(buttons["backward"], Qt.MouseButton.LeftButton)
    assert value(view, "out.delta") == "-0.5"
    assert value(view, "hidden.delta") == "(-0.5, 0.5, 0)"
    assert value(view, "out.weight.grad") == "(-1, -1, 0)"
    assert "out.weight.new" not in view.rows

    qtbot.mouseClick(buttons["update"], Qt.MouseButton.LeftButton)
    assert value(view, "out.weight.new") == "(2, 0, -2)"
    assert value(view, "out.bias.new") == "0.5"
    assert value(view, "hidden.weight.new") == "[1.5, 1.5]\n[0.5, 0.5]\n[-1, -1]"
    assert value(view, "hidden.bias.new") == "(0.5, -0.5, 0)"
    assert value(view, "new_output") == "0.999447"
    books = [item.text(2) for item in view.rows.values() if item.text(2)]
    assert len(books) >= 10 and all(PASS in b and FAIL not in b for b in books)

    qtbot.mouseClick(view.hide_button, Qt.MouseButton.LeftButton)
    assert view.revealed == 0 and "hidden.z" not in view.rows


def test_after_the_step_it_shows_the_applied_step(qtbot):
    view, session = shown(qtbot, "dlpi-1-bp-step", steps=1)
    view.reveal(3)
    assert "Step 1<" in view.heading.text() and "update was applied" in view.heading.text()
    assert value(view, "out.weight.new") == "(2, 0, -2)"
    # The model holds the new weights: the next step starts from them.
    session.trainer.step_batch()
    view.tree.topLevelItem(1).setExpanded(False)  # the reader folds the hidden layer
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    assert value(view, "out.weight") == "(2, 0, -2)"
    assert not view.tree.topLevelItem(1).isExpanded() and view.tree.topLevelItem(2).isExpanded()
    assert view.rows["out.weight.new"].text(2) == ""  # the book's numbers: the run's last step
    assert "the book's numbers are those of step 1" in view.note.text().lower()


def test_ldl_backprop_step_error_terms(qtbot):
    view, _ = shown(qtbot, "ldl-3-backprop-step")
    view.reveal(3)
    assert value(view, "g.output") == "-0.244919"
    assert value(view, "f.delta") == "-0.141276"
    assert value(view, "g.delta") == "-0.066401"
    assert value(view, "g.weight.new") == "(0.594024, -0.099336)"
    assert view.rows["f.bias.new"].text(2).startswith(PASS)
    assert view.rows["loss"].text(2) == f"{PASS} MSE = 0.17 (L2230)"


def test_book_values_read_trace_arrays_and_weights():
    book = book_values(load_preset("ldl-3-backprop-step").expect)
    assert set(book) >= {"g.bias.new", "g.weight.new", "f.delta", "loss"}
    assert "g.bias" in book_values(load_preset("ldl-3-backprop-step").expect, applied=False)
    assert [b.index for b in book["g.weight.new"]] == [(0, 0), (0, 1)]
    assert book["f.delta"][0].matches([[-0.1413]]) is True
    assert book["f.delta"][0].matches([[-0.2]]) is False
    assert book["f.delta"][0].matches(None) is None


def test_other_tasks_say_what_is_needed(qtbot):
    session = build_session(load_preset("launch-xor"))
    view = create_view("stepthrough")
    qtbot.addWidget(view)
    view.set_session(session)
    assert "Step-through backprop task" in view.message


@pytest.mark.parametrize("preset", ["dlpi-1-bp-step"])
def test_in_the_main_window_step_applies_what_was_previewed(qtbot, tmp_path, preset):
    window = make_window(qtbot, tmp_path, preset)
    try:
        qtbot.waitUntil(lambda: window.views.ready, timeout=10_000)
        view = window.views.views["stepthrough"]
        qtbot.waitUntil(lambda: view.message is None and "x" in view.rows, timeout=20_000)
        assert "not taken yet" in view.heading.text()
        view.reveal(3)
        assert value(view, "out.weight.new") == "(2, 0, -2)"
        click(qtbot, window, "step")
        qtbot.waitUntil(lambda: "last step taken" in view.heading.text(), timeout=30_000)
        assert "Step 1<" in view.heading.text()
        assert value(view, "out.weight.new") == "(2, 0, -2)"
        assert view.revealed == 3  # what was revealed stays revealed
        window.views.views["stepthrough"].export_png(str(tmp_path / "stepthrough.png"))
        assert (tmp_path / "stepthrough.png").stat().st_size > 1000
    finally:
        close_window(qtbot, window)


def test_the_books_final_weights_show_at_the_runs_last_step(qtbot):
    session = build_session(load_preset("ldl-3-xor"))
    view = create_view("stepthrough")
    qtbot.addWidget(view)
    view.set_session(session)
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    view.reveal(3)
    assert not any(item.text(2) for item in view.rows.values())  # step 1: not the book's
    assert session.trainer.run() == "finished"
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    assert "Step 800<" in view.heading.text() and "stopped updating" in view.heading.text()
    marks = view.rows["hidden.weight"].text(2)  # converged: the kept weights are the book's
    assert marks.count(PASS) == 4 and FAIL not in marks
