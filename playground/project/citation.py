"""Book references for people: the book, chapter, section and figure, without file lines.

Presets keep where each number comes from for maintainers: the seed file and
its line numbers (``seed_file``, ``seed_lines``, "(L2530)" after a quoted
result, "(src/dataset.ts)" for TensorFlow Playground's sources). Users want
the book's own coordinates instead, so everything shown to them goes through
:func:`human_text`, and :func:`book_reference` says where in the book a
preset is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: A line reference into a seed file: L2530, L2528-2530, L8906-L8914.
_LINES = r"L\d{3,}(?:\s*[-–]\s*L?\d+)?"
#: A part of a parenthesised note that is only a maintainer's reference.
_REF_PART = re.compile(rf"(?:(?:at|see)\s+)?(?:{_LINES}(?:\s*,\s*{_LINES})*|seeds/\S*|src/\S*"
                       r"|[\w.-]+\.(?:ts|txt|js|py))")
_GROUP = re.compile(r"\s*\(([^()]*)\)")
_SEPARATOR = re.compile(r"(\s*[;,]\s*)")
_TRAILING = re.compile(rf"\s+at\s+{_LINES}$")
_BARE = re.compile(rf"\s*\b{_LINES}\b")


def _clean_group(match: re.Match) -> str:
    """One "(...)" with its reference parts dropped ("" when nothing else is left)."""
    pieces = _SEPARATOR.split(match.group(1))
    kept: list[str] = []
    dropped = False
    for i in range(0, len(pieces), 2):
        part = pieces[i].strip()
        short = _TRAILING.sub("", part)
        dropped |= short != part
        if not short or _REF_PART.fullmatch(short):
            dropped = True
            continue
        if kept:
            kept.append(pieces[i - 1].strip() + " ")
        kept.append(short)
    if not dropped:
        return match.group(0)
    if not kept:
        return ""
    lead = match.group(0)[:len(match.group(0)) - len(match.group(0).lstrip())]
    return f"{lead}({''.join(kept)})"


def human_text(text: str) -> str:
    """``text`` without seed-file line references and source-file names.

    >>> human_text("binary_accuracy 1.00 (L2530)")
    'binary_accuracy 1.00'
    >>> human_text("last epoch 11 (val_accuracy 0.980, L3070-3084)")
    'last epoch 11 (val_accuracy 0.980)'
    >>> human_text("TensorFlow Playground's 'spiral' data set (src/dataset.ts), two spirals")
    "TensorFlow Playground's 'spiral' data set, two spirals"
    """
    if not text:
        return text
    return _BARE.sub("", _GROUP.sub(_clean_group, text))


def book_reference(meta: Mapping[str, object]) -> str:
    """Where in the book a preset is: "A Deep Learning Launchpad, chapter 31, section 31.8.1
    Learning the XOR Function" or "Deep Learning for Beginners, chapter 6, 'Backpropagation'
    worked example, Fig. 6.5".

    Uses ``book``, ``chapter``, and when present ``section`` and ``figure``; never the
    seed file or its lines. A field that starts with a number is named: "chapter 31",
    "section 5.7.6".
    """
    parts = []
    for key in ("book", "chapter", "section", "figure"):
        text = str(meta.get(key, "") or "").strip()
        if key in ("chapter", "section") and _NUMBERED.match(text):
            # "31" is a chapter, "5.7.6" a section, whichever field holds it
            text = f"{'section' if _SECTION.match(text) else 'chapter'} {text}"
        if text:
            parts.append(text)
    return human_text(", ".join(parts))


_NUMBERED = re.compile(r"\d")
_SECTION = re.compile(r"\d+\.\d")
