"""A user's own text file for the language model: every bad file is one line naming it."""

import pytest

from playground.errors import DataError, GraphError
from playground.run.session import build_session
from tests.core.text_projects import lstm_last, text_project, transformer

BAD_FILES = {
    "empty.txt": (b"", "the file is empty"),
    "one.txt": (b"a", "the text uses a single character ('a')"),
    "same.txt": (b"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "a single character ('z')"),
    "short.txt": (b"to be", "the text has 5 characters and its training part 5, too few for "
                            "a window of 12"),
    "latin1.txt": ("café au lait, ".encode("latin-1") * 10,
                   "not UTF-8 text (byte 0xE9 at offset 3 is not valid UTF-8); save the file "
                   "as UTF-8"),
    "utf16.txt": ("hello world".encode("utf-16"), "the text is UTF-16"),
    "binary.txt": (b"PK\x03\x04\x00\x00abcdefgh" * 8, "binary file (it holds NUL bytes)"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_text_file_is_one_line_naming_the_file(tmp_path, name):
    content, message = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(content)
    project = text_project(transformer(), data={"source": "file", "path": str(path)})
    with pytest.raises(DataError) as info:
        build_session(project)
    line = str(info.value)
    assert line.startswith(f"{path}: ") and message in line and "\n" not in line


def test_a_text_file_trains_generates_and_shows_attention(tmp_path):
    path = tmp_path / "poem.txt"
    text = "\ufeff" + "The rain in Spain stays mainly in the plain.\n" * 30  # with a BOM
    path.write_text(text, encoding="utf-8")
    vocab = len(set(text.lower()) - {"\ufeff"})
    session = build_session(text_project(transformer(vocab=vocab), data={
        "source": "file", "path": str(path), "lowercase": True}, task={"prompt": "the rain"}))
    task = session.task
    assert "\ufeff" not in task.vocab and "T" not in task.vocab and "t" in task.vocab
    session.trainer.run()
    assert session.trainer.state == "finished"
    assert len(task.complete("in the", 20, "beam", width=2)["text"]) == 20
    assert task.attention("the rain")["tokens"][:3] == ["t", "h", "e"]


def test_a_multibyte_character_cut_by_max_chars_is_dropped_not_an_error(tmp_path):
    path = tmp_path / "accents.txt"
    path.write_text("éa" * 400, encoding="utf-8")  # 3 bytes per pair: a read may end mid-é
    session = build_session(text_project(lstm_last(vocab=2), data={
        "source": "file", "path": str(path), "max_chars": 301}))
    assert session.task.vocab == ("a", "é")
    assert session.dataset.meta["text_length"] == 301


def test_the_network_sized_for_another_vocabulary_gets_the_fix(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_text("abc " * 50, encoding="utf-8")
    with pytest.raises(GraphError, match="node 'next': the text has 4 different characters but "
                                         "the network predicts 29; give the last Dense 4 units "
                                         r"\(and vocab_size 4 to the Embedding 'embed'\)"):
        build_session(text_project(transformer(), data={"source": "file", "path": str(path)}))


def test_a_file_of_one_repeated_character_pair_is_enough(tmp_path):
    path = tmp_path / "ab.txt"
    path.write_text("ab" * 100, encoding="utf-8")
    task = build_session(text_project(lstm_last(vocab=2), data={
        "source": "file", "path": str(path)})).task
    assert task.vocab == ("a", "b")
