"""Paste and drop go through the validation a file gets when it loads: the same one-line
message, nothing added, the window never blocked (pastes are bounded)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData, QPointF
from PySide6.QtWidgets import QApplication

from playground import limits
from tests.hostile import make_corpus
from tests.ui.test_editor_canvas import make_editor
from ui.editor.clipboard import GRAPH_MIME

CORPUS = make_corpus.CORPUS

#: Corpus fragment -> how the message the editor shows starts (after "cannot paste:
#: clipboard: "); it is the message loading a file with that graph gives.
REFUSED = {
    "paste-units-nan.json": "NaN is not allowed in project files",
    "paste-units-text.json": "nodes[0].params.units: expected int in [1, 100000], got 'lots'",
    "paste-unknown-layer.json": "nodes[0].type: unknown layer type 'warp_drive'",
    "paste-nested-5000.json": "the JSON is nested too deeply",
    "paste-nested-100.json": "nodes[0].params.deep[0][0][0][0][0][0][0][0][0][0][0][0][0][...: "
                             "nested more than 64 levels deep",
    "paste-not-a-graph.json": "nodes: expected a list, got str",
}


def test_every_pasted_fragment_of_the_corpus_is_listed():
    assert set(REFUSED) == {n for n in make_corpus.FILES if n.startswith("paste-")}


def put_on_clipboard(text: str, ours: bool = True) -> None:
    mime = QMimeData()
    if ours:
        mime.setData(GRAPH_MIME, text.encode("utf-8"))
    mime.setText(text)
    QApplication.clipboard().setMimeData(mime)


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.parametrize("ours", [True, False], ids=["graph-mime", "plain-text"])
def test_a_bad_fragment_is_refused_with_the_files_message(qtbot, name, ours):
    editor = make_editor(qtbot)
    before = editor.graph.to_dict()
    put_on_clipboard((CORPUS / name).read_text(), ours)
    assert editor.paste() == []
    assert editor.graph.to_dict() == before and editor.undo_stack.count() == 0
    assert editor.status_label.text().startswith(f"cannot paste: clipboard: {REFUSED[name]}")
    assert "\n" not in editor.status_label.text()


def test_plain_text_that_is_not_a_graph_is_nothing_to_paste(qtbot):
    editor = make_editor(qtbot)
    put_on_clipboard("the cat sees a red ball", ours=False)
    assert editor.paste() == [] and editor.status_label.text() == "nothing to paste"


def test_a_huge_paste_is_refused_at_once_by_its_count(qtbot):
    editor = make_editor(qtbot)
    put_on_clipboard(json.dumps(make_corpus.make_big_graph(20_000)))  # 2 MB of valid nodes
    assert editor.paste() == []
    assert editor.status_label.text() == (f"cannot paste: clipboard: nodes: 20,002 nodes; at "
                                          f"most {limits.MAX_PASTE_NODES:,} are pasted at once")
    assert len(editor.graph.nodes) == 4


def test_pastes_stop_at_the_graphs_size_limit(qtbot):
    editor = make_editor(qtbot)
    chunk = make_corpus.make_big_graph(limits.MAX_PASTE_NODES - 2)  # with its input and output
    put_on_clipboard(json.dumps(chunk))
    pasted = 0
    while len(editor.graph.nodes) + limits.MAX_PASTE_NODES <= limits.MAX_GRAPH_NODES:
        pasted += len(editor.paste())
    assert pasted and len(editor.graph.nodes) == 4 + pasted
    assert editor.paste() == []
    text = editor.status_label.text()
    assert text.startswith(f"cannot paste: clipboard: nodes: {limits.MAX_PASTE_NODES:,} more nodes "
                           f"would make") and text.endswith(f"at most {limits.MAX_GRAPH_NODES:,}")


def test_a_valid_fragment_still_pastes(qtbot):
    editor = make_editor(qtbot)
    put_on_clipboard((CORPUS / "paste-units-text.json").read_text().replace('"lots"', "5"))
    new = editor.paste()
    assert len(new) == 1 and editor.graph.nodes[new[0]].params["units"] == 5


def test_a_dropped_unknown_layer_type_is_refused_with_a_line(qtbot):
    editor = make_editor(qtbot)
    assert editor.drop_layer("warp_drive", QPointF(0, 0)) is None
    assert editor.status_label.text() == "unknown layer type 'warp_drive'"
    assert len(editor.graph.nodes) == 4
