"""The text family's views on real sessions: attention, Generate, positional encoding,
kernel regression and beam search; and in the main window, a prompt typed after the run
has ended comes back from the worker (never computed on the UI thread)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from playground.project.presets import load_preset
from playground.project.schema import project_from_dict
from playground.run.session import build_session
from playground.tasks.decoding import softmax
from tests.core.text_projects import text_session, transformer
from tests.ui.main_helpers import close_window, make_window, wait_session
from ui.views import create_view
from ui.views.attention import strip_html, tick_step
from ui.views.positional import cell_text

TRAINING = {"optimizer": {"type": "sgd", "params": {"lr": 0.1}}, "epochs": 1, "seed": 0,
            "device": "cpu"}


def shown(qtbot, view_id: str, session, size=(560, 520)):
    """A view of ``session`` drawing its current snapshot."""
    view = create_view(view_id)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    view.set_session(session)
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    return view


@pytest.fixture(scope="module")
def lm_session():
    session = text_session(transformer(dim=16, heads=2, blocks=2), window=16, epochs=2,
                           task={"prompt": "the old fox"})
    session.trainer.run()
    return session


def test_attention_view_shows_each_layer_and_head_with_the_causal_triangle(qtbot, lm_session):
    view = shown(qtbot, "attention", lm_session)
    assert view.message is None
    assert [view.layer.itemData(i) for i in range(view.layer.count())] == ["block1", "block2"]
    assert view.head_choice.count() == 2 and len(view.thumbs) == 2
    image = view.map.image.image  # (11, 11): the prompt's characters
    assert image.shape == (11, 11)
    assert np.all(np.isnan(image[np.triu_indices(11, k=1)]))  # masked: drawn hatched
    weights = view.data["layers"]["block1"]
    np.testing.assert_allclose(image[np.tril_indices(11)], weights[0][np.tril_indices(11)])
    view.select_head(1)
    np.testing.assert_allclose(np.nan_to_num(view.map.image.image), weights[1], atol=1e-7)
    assert view.head_choice.currentIndex() == 1
    view.layer.setCurrentIndex(1)
    np.testing.assert_allclose(np.nan_to_num(view.map.image.image),
                               view.data["layers"]["block2"][1], atol=1e-7)


def test_hovering_a_row_shades_the_prompt_by_its_weights(qtbot, lm_session):
    view = shown(qtbot, "attention", lm_session)
    view._set_hover(4)
    view._draw_strip()
    assert view.focus.isVisible() and view.focus.rect().top() == 4
    row = view.data["layers"]["block1"][0][4]
    assert view.strip.text() == strip_html(view.data["tokens"], row, 4)
    assert "attends to" in view.status.text() and "'o'" in view.status.text()
    assert strip_html(["a", "b"], np.array([1.0, 0.0]), 0).count("<u>") == 1


def test_the_temperature_slider_reshapes_the_next_character_bars(qtbot, lm_session):
    view = shown(qtbot, "attention", lm_session)
    logits = view.data["logits"]
    widths = view.bars.opts["width"]
    np.testing.assert_allclose(widths, np.sort(softmax(logits, 1.0))[::-1][:len(widths)])
    view.temperature.setValue(100)  # T = 10: flatter
    flat = view.bars.opts["width"]
    assert flat[0] < widths[0]
    np.testing.assert_allclose(flat, np.sort(softmax(logits, 10.0))[::-1][:len(flat)])
    assert view.t_label.text().startswith("T = 10.00 · perplexity")


def test_tick_labels_thin_out_when_cells_are_smaller_than_text():
    assert tick_step(20, 400, 12) == 1
    assert tick_step(32, 160, 12) == 3
    assert tick_step(0, 100, 12) == 1


def test_a_prompt_outside_the_vocabulary_is_one_line_in_the_view(qtbot, lm_session):
    view = shown(qtbot, "attention", lm_session)
    calls = []
    view.refresh_requested.connect(lambda: calls.append(1))
    view.prompt.setText("Fox")
    view._prompt_changed()
    assert calls == [1]  # the worker is asked for a snapshot computed with the new prompt
    view.show_snapshot(lm_session.trainer.make_snapshot())
    view.flush()
    assert view.status.text() == "prompt: 'F' is not in the text's vocabulary of 29 characters"


def test_generate_view_writes_with_each_method(qtbot, lm_session):
    view = shown(qtbot, "generate", lm_session)
    assert view.length.value() == 120 and view.prompt.text() == "the old fox"
    assert "Before training" in view.before.text()
    view.method.setCurrentIndex(view.method.findData("beam"))
    assert view.width.isVisibleTo(view) and not view.temperature.isVisibleTo(view)
    view.width.setValue(2)
    view.length.setValue(10)
    view.generate()
    view.show_snapshot(lm_session.trainer.make_snapshot())
    view.flush()
    payload = view.payload(lm_session.trainer.make_snapshot())
    assert payload["method"] == "beam" and len(payload["beams"]) == 2
    html = view.output.toHtml()
    for _, score in payload["beams"]:
        assert f"{score:.2f}" in html
    assert "(best beam)" in view.status.text()
    view.method.setCurrentIndex(view.method.findData("greedy"))
    assert not view.width.isVisibleTo(view)
    assert view.settings()["method"] == "greedy"


def test_positional_encoding_view_shows_the_formula_and_reads_cells(qtbot):
    raw = {"format_version": 1, "graphs": {}, "task": {"type": "positional_encoding"},
           "training": TRAINING}
    session = build_session(project_from_dict(raw))
    view = shown(qtbot, "positional_encoding", session)
    assert view.map.image.image.shape == (100, 512)
    assert "T = 10000, D = 512, i = 0 … 99" in view.formula.text()
    text = cell_text(50, 256, 512, 10000.0, float(session.task.table[50, 256]))
    assert text.startswith("position 50, dimension 256: sin(50 / 10000^(256/512)) = sin(0.5)")
    assert "wavelength 628.3 positions" in text


def test_kernel_view_follows_its_width_slider(qtbot):
    raw = {"format_version": 1, "graphs": {}, "task": {"type": "nadaraya_watson"},
           "data": {"type": "noisy_sine", "seed": 0}, "training": TRAINING}
    session = build_session(project_from_dict(raw))
    view = shown(qtbot, "nadaraya_watson", session, (800, 420))
    assert view.slider.value() == round(100 * math.log10(0.5))
    assert view.map.image.image.shape == (11, 100)
    curve = view.curve.getData()[1].copy()
    view.slider.setValue(100)  # h = 10: nearly the mean everywhere
    view.show_snapshot(session.trainer.make_snapshot())
    view.flush()
    assert session.trainer.probes["nadaraya_watson"].options["width"] == pytest.approx(10.0)
    assert np.ptp(view.curve.getData()[1]) < np.ptp(curve) / 3
    assert "h = 10 (preset 0.5)" in view.status.text()


def test_beam_view_is_table_5_1_with_the_kept_path_bold_and_the_others_struck(qtbot):
    session = build_session(load_preset("dlpi-5-beam-search"))
    view = shown(qtbot, "beam_search", session)
    table = view.table
    assert table.rowCount() == 8 and table.columnCount() == 7
    rows = [[table.item(r, c).text() for c in range(7)] for r in range(8)]
    assert rows[1] == ["y1, y2, y3, EOS", "0.50", "0.40", "0.40", "0.60", "0.76",
                       "finished, kept (lowest NLL)"]
    assert table.item(1, 0).font().bold()
    assert table.item(2, 5).font().strikeOut() and rows[2][5] == "0.94"
    assert rows[6][-1] == "out of the beam"


# -- in the main window -------------------------------------------------------------------------

@pytest.mark.slow
def test_the_char_preset_trains_and_answers_a_new_prompt_after_the_run(qtbot, tmp_path):
    project = load_preset("dlpi-6-char-attention")
    project.training = project.training.with_(epochs=1)
    project.data = replace(project.data, params={**project.data.params, "corpus_chars": 3000})
    window = make_window(qtbot, tmp_path, project=project)
    try:
        wait_session(qtbot, window)
        window.actions["play"].trigger()
        qtbot.waitUntil(lambda: window.run.state == "finished", timeout=120_000)
        # The worker's executor serves the ended run once its final metrics are recorded
        # (a call posted to the trainer's queue in between would wait forever: reported).
        qtbot.waitUntil(lambda: not window.run.worker.is_training(), timeout=60_000)
        attention = window.views.views["attention"]
        generate = window.views.views["generate"]
        qtbot.waitUntil(lambda: attention.data is not None, timeout=10_000)
        assert attention.view_id == "attention" and generate.view_id == "generate"
        qtbot.keyClicks(attention.prompt, "the king")
        attention.prompt.selectAll()
        qtbot.keyClicks(attention.prompt, "a red")
        qtbot.keyPress(attention.prompt, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: attention.data is not None
                        and attention.data["prompt"] == "a red", timeout=30_000)
        assert attention.data["tokens"] == ["a", "␣", "r", "e", "d"]
        generate.method.setCurrentIndex(generate.method.findData("beam"))
        qtbot.mouseClick(generate.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "(best beam)" in generate.status.text(), timeout=30_000)
    finally:
        close_window(qtbot, window)
