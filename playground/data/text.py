"""Character-level text: a generated corpus or a user's file, as next-character windows.

Each sample is ``window`` consecutive characters as integer ids stored in a
float32 ``x`` of shape (N, window) (datasets keep inputs float; the Embedding
layer casts them back to long) and the id of the character that follows as
the class target ``y`` (N,). One target per window, rather than the whole
window shifted by one, keeps this an ordinary classification problem: the
``classification`` task with cross-entropy trains it (Embedding -> LSTM(last)
-> Dense(vocab)), and accuracy means "next character guessed". ``class_names``
are the vocabulary, in id order (space shown as ␣, newline as ⏎).

The split is chronological like the series datasets: the last
``test_fraction`` of the text is the test part and a window belongs to the
part holding its target character.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, Footprint, register_dataset
from playground.data.sequences import chronological_split, sliding_windows, split_points
from playground.errors import DataError
from playground.params import bool_param, choice_param, float_param, int_param, str_param

MAX_VOCAB = 1000
_SHOWN = {" ": "␣", "\n": "⏎", "\t": "⇥", "\r": "␍"}

# A tiny grammar: enough structure (words, spaces, sentence ends) for a character
# model to learn spelling within seconds, with a fixed vocabulary.
_SUBJECTS = ("the cat", "a small robot", "the old fox", "my sister", "the teacher",
             "a tired dog", "the king", "our neighbour", "the baker", "a young owl")
_VERBS = ("sees", "likes", "paints", "follows", "finds", "carries", "draws", "hears",
          "wants", "keeps")
_OBJECTS = ("a red ball", "the blue moon", "an apple", "the river", "a green box",
            "the quiet bird", "a long road", "the warm bread", "a silver key", "the map")
_ENDINGS = (".", "!", " today.", " again.", " at night.", " in the garden.", "?")
GENERATED_VOCAB = tuple(sorted(set("".join(_SUBJECTS + _VERBS + _OBJECTS + _ENDINGS) + " \n")))


def generate_corpus(n_chars: int, rng: np.random.Generator) -> str:
    """Random sentences from the grammar above, four to a line, at least ``n_chars`` long."""
    lines, total = [], 0
    while total < n_chars:
        sentences = [f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
                     f"{rng.choice(_ENDINGS)}" for _ in range(4)]
        line = " ".join(sentences)
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)[:n_chars]


@functools.lru_cache(maxsize=8)
def _read_text(path: str, mtime: float, size: int, max_chars: int, lowercase: bool) -> str:
    # mtime and size key the cache, so an edited file is read again.
    try:
        with open(path, "rb") as handle:
            raw = handle.read(4 * max_chars)  # at most 4 bytes a character in UTF-8
    except FileNotFoundError:
        raise DataError("text file not found", path) from None
    except OSError as exc:
        raise DataError(f"cannot read the text file: {exc.strerror}", path) from None
    text = decode_text(raw, path)[:max_chars]
    return text.lower() if lowercase else text


def decode_text(raw: bytes, where: str) -> str:
    """``raw`` file bytes as text: UTF-8, a leading byte-order mark dropped.

    Raises
    ------
    DataError
        Naming ``where``: an empty file, UTF-16/32 text, bytes that are not
        UTF-8 (with the offset of the first bad byte) or a binary file.
    """
    if not raw:
        raise DataError("the file is empty: a language model needs text to learn from", where)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataError("the text is UTF-16 (or UTF-32); save it as UTF-8", where)
    if b"\0" in raw:
        raise DataError("this looks like a binary file (it holds NUL bytes), not text", where)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data":
            # max_chars cut a multi-byte character in two: keep what came before it
            return raw[:exc.start].decode("utf-8-sig")
        raise DataError(f"not UTF-8 text (byte 0x{raw[exc.start]:02X} at offset {exc.start} "
                        "is not valid UTF-8); save the file as UTF-8", where) from None


def read_text(params: dict) -> str:
    """The user's file, truncated to ``max_chars`` and optionally lowercased.

    Raises
    ------
    DataError
        No path, a missing, unreadable, empty or binary file, or text that is
        not UTF-8, naming the file.
    """
    path = os.path.expanduser(params["path"].strip())
    if not path:
        raise DataError("source is 'file' but no path is given", "data.params.path")
    try:
        stat = os.stat(path)
    except OSError:
        raise DataError("text file not found", path) from None
    if not os.path.isfile(path):  # a pipe or a device would be read forever (or be zeros)
        raise DataError("not a regular file", path)
    return _read_text(path, stat.st_mtime, stat.st_size, params["max_chars"],
                      params["lowercase"])


def corpus(params: dict, rng: np.random.Generator | None = None) -> str:
    """The whole text of a ``text_chars`` spec: generated from ``rng``, or the user's file."""
    if params["source"] == "generated":
        return generate_corpus(params["corpus_chars"], rng or np.random.default_rng(0))
    return read_text(params)


def shown(char: str) -> str:
    """A character as the views print it (space as ␣, newline as ⏎...)."""
    return _SHOWN.get(char, char)


def encode(text: str, vocab: tuple[str, ...]) -> np.ndarray:
    """Character ids of ``text`` in ``vocab`` order: (len(text),) int64.

    Raises
    ------
    ValueError
        Naming the first character that is not in the vocabulary.
    """
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # (n,) code points
    vocab_codes = np.fromiter(map(ord, vocab), dtype=np.int64, count=len(vocab))
    size = int(max(codes.max(initial=0), vocab_codes.max(initial=0))) + 1
    lookup = np.full(size, -1, dtype=np.int64)
    lookup[vocab_codes] = np.arange(len(vocab))
    ids = lookup[codes]
    bad = np.flatnonzero(ids < 0)
    if bad.size:
        raise ValueError(f"{shown(text[bad[0]])!r} is not in the text's vocabulary of "
                         f"{len(vocab)} characters")
    return ids


def decode(ids: object, vocab: tuple[str, ...]) -> str:
    """The text of character ids (any iterable of ints)."""
    return "".join(vocab[int(i)] for i in ids)  # type: ignore[attr-defined]


def vocabulary(params: dict, text: str | None = None) -> tuple[str, ...]:
    """The characters of the corpus in id order (fixed for the generated corpus)."""
    if params["source"] == "generated":
        return GENERATED_VOCAB
    text = read_text(params) if text is None else text
    return tuple(sorted(set(text)))


def gen_text_chars(params: dict, rng: np.random.Generator) -> Arrays:
    """Next-character windows: x (N, window) float32 ids, y (N,) int64 next id."""
    text = corpus(params, rng)
    where = params["path"] if params["source"] == "file" else "dataset 'text_chars'"
    vocab = vocabulary(params, text)
    if len(vocab) > MAX_VOCAB:
        raise DataError(f"the text has {len(vocab)} different characters (at most {MAX_VOCAB}); "
                        "switch on lowercase or use a plainer text", where)
    if len(vocab) < 2:
        raise DataError(f"the text uses a single character ({shown(vocab[0])!r}): there is "
                        "nothing to predict; give a text with at least two different "
                        "characters", where)
    ids = encode(text, vocab).astype(np.float32)  # (n,) float ids
    n, window = len(ids), params["window"]
    cuts = split_points(n, int(round(params["val_fraction"] * n)),
                        int(round(params["test_fraction"] * n)))
    if cuts[0] < window + 1:
        raise DataError(f"the text has {n} characters and its training part {max(cuts[0], 0)}, "
                        f"too few for a window of {window} plus the next one; lower "
                        "data.params.window or use a longer text", where)
    x, y, starts = sliding_windows(ids, window, 1, params["step"])
    parts = chronological_split(starts, window, 1, cuts, n)
    meta = {"vocab": vocab, "text_length": n, "cuts": cuts, "window": window,
            "target_index": {k: (starts[v] + window).astype(np.int64) for k, v in parts.items()}}
    return Arrays(x[:, :, 0], y[:, 0].astype(np.int64), fixed_split=parts, meta=meta)


#: Bytes per character while a corpus is made, encoded and split (measured: about 21).
TEXT_BYTES = 40


def text_footprint(params: dict) -> list[Footprint]:
    """The corpus (generated, or the file up to ``max_chars``) and its windows, copied."""
    if params["source"] == "generated":
        n, param = params["corpus_chars"], "corpus_chars"
    else:
        try:
            n = min(params["max_chars"], os.path.getsize(os.path.expanduser(params["path"])))
        except OSError:
            return []  # a missing file is reported by read_text, naming it
        param = "max_chars"
    window, step = params["window"], params["step"]
    windows = max(0, (n - window - 1) // step + 1)
    return [Footprint(n * TEXT_BYTES, f"{n:,} characters of text", param),
            Footprint(windows * (window * 4 + 8), f"{windows:,} windows of {window:,} "
                                                  "characters", "window")]


def _info(params: dict) -> DatasetInfo:
    try:
        vocab = vocabulary(params)
    except DataError:
        vocab = ()  # a missing file is reported when the data is loaded, naming it
    note = "" if params["source"] != "generated" else (
        "random sentences of a small grammar stand in for a real text; choose source 'file' "
        "for your own")
    return DatasetInfo("text", "class", tuple(shown(c) for c in vocab), substitute=note)


register_dataset(DatasetType(
    "text_chars", "Text, next character", "Text",
    (choice_param("source", "generated", ("generated", "file"),
                  help="generated: simple random sentences; file: a UTF-8 text file of yours."),
     str_param("path", "", help="Text file for source 'file'."),
     int_param("corpus_chars", 20_000, 100, 10**7, help="Length of the generated corpus."),
     int_param("max_chars", 200_000, 100, 10**8, help="Read at most this much of the file."),
     bool_param("lowercase", False, help="Lowercase the file first (smaller vocabulary)."),
     int_param("window", 32, 1, 10_000, help="Characters the model sees before predicting."),
     int_param("step", 3, 1, 10_000, help="Distance between window starts (ldl: 3)."),
     float_param("val_fraction", 0.0, 0.0, 0.5, help="Share of the text (before the test "
                                                     "part) for validation."),
     float_param("test_fraction", 0.1, 0.0, 0.5, help="Last share of the text for testing.")),
    gen_text_chars, _info,
    "Character-level next-token windows over a generated corpus or your own text file; "
    "targets are the next character's id, class names the vocabulary.",
    footprint=text_footprint))
