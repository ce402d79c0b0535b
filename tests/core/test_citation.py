"""Book references for people: no seed-file lines or source-file names in what users read."""

import re

import pytest

from playground.project.citation import book_reference, human_text
from playground.project.presets import list_presets, load_preset

MAINTAINERS_ONLY = re.compile(r"\bL\d{3,}|seeds/|src/|\.txt\b|\.ts\b")


@pytest.mark.parametrize("text, shown", [
    ("binary_accuracy 1.00 (L2530)", "binary_accuracy 1.00"),
    ("loss 0.03 at epoch 2000 (L2528-2530); predictions", "loss 0.03 at epoch 2000; predictions"),
    ("last epoch 11 (val_accuracy 0.980, L3070-3084)", "last epoch 11 (val_accuracy 0.980)"),
    ("seen at iteration 95 (L3354; a random draw)", "seen at iteration 95 (a random draw)"),
    ("'a 0.007' (L4035, 'a 0.007' at L4046)", "'a 0.007' ('a 0.007')"),
    ("12000: 0.62 (L8906-L8914)", "12000: 0.62"),
    ("the 'spiral' data set (src/dataset.ts), two spirals", "the 'spiral' data set, two spirals"),
    ("Strides(2,2) is 5x5 (L2151)", "Strides(2,2) is 5x5"),  # other brackets untouched
    ("L1 and L2 penalties (Fig 6-4)", "L1 and L2 penalties (Fig 6-4)"),  # not line numbers
])
def test_line_and_file_references_are_left_out(text, shown):
    assert human_text(text) == shown


def test_references_name_the_books_chapter_section_and_figure():
    meta = {"book": "Deep Learning for Beginners", "chapter": "6",
            "section": "'Backpropagation' worked example", "figure": "Fig. 6.5",
            "seed_file": "seeds/002_15b07513064952f6.txt", "seed_lines": "2000-2100"}
    assert book_reference(meta) == ("Deep Learning for Beginners, chapter 6, "
                                    "'Backpropagation' worked example, Fig. 6.5")
    assert book_reference({"book": "B", "chapter": "5.7.6 (Table 5.1)"}) == \
        "B, section 5.7.6 (Table 5.1)"


def test_no_preset_shows_a_seed_line_to_its_users():
    for info in list_presets():
        meta = load_preset(info.id).meta
        shown = [book_reference(meta), *(human_text(str(meta.get(k, ""))) for k in
                                         ("what_to_watch", "book_result", "notes",
                                          "substitution"))]
        shown += [human_text(e.get("book", "")) for e in load_preset(info.id).expect]
        for text in shown:
            assert not MAINTAINERS_ONLY.search(text), f"{info.id}: {text}"
