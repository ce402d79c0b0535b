"""The preset browser: the books' experiments grouped by book and chapter, with search.

Selecting a preset shows its description (what it reproduces, where in the
book, what to watch, notes, the book's result), what it substitutes for the
book's data and numbers, and which seed it ships and why (with the checks that
hold for that seed only); Open (or a double-click) asks the main window to load
it. After a run of that preset,
the description also lists "book vs ours" per expectation. The catalogue is
read in a background thread so the window shows first.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.project.citation import book_reference, human_text

PATH_ROLE = Qt.ItemDataRole.UserRole
#: Described after "In the book" (the book, chapter, section and figure; never the seed
#: file's lines, which stay in the preset for maintainers); then what is substituted and
#: which seed ships (:func:`describe`).
FIELDS = (("what_to_watch", "What to watch"), ("book_result", "The book reports"),
          ("notes", "Notes"))


@dataclass
class PresetEntry:
    """One preset as the browser shows it."""

    id: str
    title: str
    book: str
    chapter: str
    path: str
    meta: dict = field(default_factory=dict)
    expect: list = field(default_factory=list)
    substitute: str = ""  # the dataset's own substitution note
    seeds: dict = field(default_factory=dict)  # "training", and "data" when it has data

    def matches(self, words: list[str]) -> bool:
        """True when every word occurs in the id, title, book, chapter or description."""
        text = " ".join([self.id, self.title, self.book, self.chapter,
                         *(str(v) for v in self.meta.values())]).lower()
        return all(w in text for w in words)


def read_catalogue() -> list[PresetEntry]:
    """Every shipped preset with its meta (reads and validates each file)."""
    from playground.project.presets import list_presets
    from playground.project.schema import load_project

    out = []
    for info in list_presets():
        project = load_project(info.path)
        out.append(PresetEntry(info.id, info.title, info.book or "Other", info.chapter,
                               str(info.path), dict(project.meta), list(project.expect),
                               *_data_facts(project)))
    return out


def _data_facts(project: Any) -> tuple[str, dict]:
    """The dataset's substitution note and the seeds the project ships."""
    from playground.data.base import DATASETS

    seeds = {"training": project.training.seed}
    spec = project.data
    if spec is None:
        return "", seeds
    seeds["data"] = spec.seed
    if isinstance(spec.params.get("seed"), int):
        seeds["generator"] = spec.params["seed"]  # a generator seeding itself as its book does
    return DATASETS.get(spec.type).info_for(spec.params).substitute, seeds


def chapter_key(text: str) -> tuple:
    """Natural order: "2" < "10", "31.8.1" after "31.2"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.lower())
                 for part in re.findall(r"\d+|\D+", text))


def describe(entry: PresetEntry, results: list[str] | None = None) -> str:
    """HTML description of ``entry`` with this run's "book vs ours" lines."""
    meta = entry.meta
    parts = [f"<h3 style='margin-bottom:2px'>{html.escape(entry.title)}</h3>",
             f"<p style='color:gray;margin-top:0'><code>{html.escape(entry.id)}</code></p>"]
    where = book_reference(meta)
    if where:
        parts.append(f"<p><b>In the book:</b> {html.escape(where)}</p>")
    for key, label in FIELDS:
        if meta.get(key):
            parts.append(f"<p><b>{label}:</b> {html.escape(human_text(str(meta[key])))}</p>")
    parts.extend(_substitution(entry))
    parts.append(_seed(entry))
    if results:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in results)
        parts.append(f"<p><b>Book vs this run:</b></p><ul>{items}</ul>")
    return "".join(parts)


def _substitution(entry: PresetEntry) -> list[str]:
    """What stands in for the book's data or numbers: the preset's words, else the
    dataset's."""
    text = entry.meta.get("substitution") or (
        f"{entry.substitute[:1].upper()}{entry.substitute[1:]}." if entry.substitute else "")
    return [f"<p><b>Substituted:</b> {html.escape(human_text(text))}</p>"] if text else []


def _seed(entry: PresetEntry) -> str:
    """Which seeds the preset ships, why, and the checks that hold for them only."""
    seeds = entry.seeds
    shipped = f"training seed {seeds.get('training', 0)}"
    if "data" in seeds:
        shipped += f", data seed {seeds['data']}"
    if "generator" in seeds:
        shipped += f" (the generator's own seed {seeds['generator']})"
    why = entry.meta.get("seed") or "No seed was chosen for a number: every check is meant " \
                                     "to hold for other seeds too (Train > Run seeds)."
    own = [str(e.get("label") or e.get("metric") or e.get("array") or f"{e.get('weight')} weights")
           for e in entry.expect if isinstance(e, dict) and e.get("seed_specific")]
    only = f" Checked for this seed only: {', '.join(dict.fromkeys(own))}." if own else ""
    return (f"<p><b>Seed:</b> ships {html.escape(shipped)}. {html.escape(human_text(why))}"
            f"{html.escape(only)}</p>")


class PresetBrowser(QWidget):
    """Tree of presets (book / chapter / preset), search box, description, Open.

    Parameters
    ----------
    orientation : Qt.Orientation
        Vertical (the Presets tab): the tree above the description; horizontal (File >
        Open preset): side by side.

    Signals
    -------
    open_requested(str)
        Path of the preset to open.
    """

    open_requested = Signal(str)
    _read = Signal(object, str)

    def __init__(self, parent: QWidget | None = None,
                 orientation: Qt.Orientation = Qt.Orientation.Vertical):
        super().__init__(parent)
        self.entries: dict[str, PresetEntry] = {}
        self.results: dict[str, list[str]] = {}
        self.current_id = ""
        self._thread: threading.Thread | None = None
        self.search = QLineEdit(placeholderText="Search presets…", clearButtonEnabled=True,
                                objectName="preset_search")
        self.search.textChanged.connect(self._filter)
        self.tree = QTreeWidget(objectName="preset_tree", headerHidden=True)
        self.tree.currentItemChanged.connect(self._on_current)
        self.tree.itemActivated.connect(lambda item, _: self._open(item))
        self.description = QTextBrowser(objectName="preset_description",
                                        openExternalLinks=False)
        self.open_button = QPushButton("Open", objectName="open_preset", enabled=False)
        self.open_button.clicked.connect(lambda: self._open(self.tree.currentItem()))
        splitter = QSplitter(orientation, childrenCollapsible=False)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.description)
        # A dock: the tree above its description. A dialog: side by side, the text wider.
        splitter.setSizes([220, 200] if orientation == Qt.Orientation.Vertical else [470, 530])
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(splitter, 1)
        layout.addLayout(row)
        self._read.connect(self._on_read, Qt.ConnectionType.QueuedConnection)

    # -- catalogue ---------------------------------------------------------------------------
    def load_async(self) -> None:
        """Read the catalogue in a background thread (the tree fills when it is done)."""
        if self._thread is not None:
            return
        self.description.setPlainText("Reading the presets…")

        def run() -> None:
            try:
                self._read.emit(read_catalogue(), "")
            except Exception as exc:  # a broken preset file: one line, the rest still usable
                self._read.emit([], f"{type(exc).__name__}: {exc}".splitlines()[0])
        self._thread = threading.Thread(target=run, name="playground-presets", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Join the catalogue thread (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join()

    @Slot(object, str)
    def _on_read(self, entries: list, error: str) -> None:
        self.set_entries(entries)
        if error:
            self.description.setPlainText(f"Some presets could not be read: {error}")

    def set_entries(self, entries: list[PresetEntry]) -> None:
        """Fill the tree with ``entries``."""
        self.entries = {e.id: e for e in entries}
        self.tree.clear()
        books: dict[str, QTreeWidgetItem] = {}
        chapters: dict[tuple[str, str], QTreeWidgetItem] = {}
        book_order = list(dict.fromkeys(e.book for e in entries))  # the catalogue's book order
        for entry in sorted(entries, key=lambda e: (book_order.index(e.book),
                                                    chapter_key(e.chapter), e.title)):
            book = books.get(entry.book)
            if book is None:
                book = books[entry.book] = QTreeWidgetItem(self.tree, [entry.book])
                book.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = book.font(0)
                font.setBold(True)
                book.setFont(0, font)
            chapter_name = (f"Chapter {entry.chapter}" if entry.chapter[:1].isdigit()
                            else entry.chapter or "Other")
            chapter = chapters.get((entry.book, chapter_name))
            if chapter is None:
                chapter = chapters[(entry.book, chapter_name)] = \
                    QTreeWidgetItem(book, [chapter_name])
                chapter.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item = QTreeWidgetItem(chapter, [entry.title])
            item.setData(0, PATH_ROLE, entry.id)
            item.setToolTip(0, f"{entry.id}: {entry.title}")
        self.tree.expandAll()
        self._filter(self.search.text())
        if self.current_id:
            self.set_current(self.current_id)
        elif not self.description.toPlainText().startswith("Some"):
            self.description.setPlainText("Choose a preset to read what it shows.")

    def preset_items(self) -> list[QTreeWidgetItem]:
        """Leaf items, one per preset, in tree order."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            book = self.tree.topLevelItem(i)
            for j in range(book.childCount()):
                chapter = book.child(j)
                out.extend(chapter.child(k) for k in range(chapter.childCount()))
        return out

    # -- selection ---------------------------------------------------------------------------
    def set_current(self, preset_id: str) -> None:
        """Select ``preset_id`` (the project now open) without opening it."""
        self.current_id = preset_id
        for item in self.preset_items():
            if item.data(0, PATH_ROLE) == preset_id:
                self.tree.blockSignals(True)
                self.tree.setCurrentItem(item)
                self.tree.blockSignals(False)
                self._show(preset_id)
                return

    def _on_current(self, item: QTreeWidgetItem | None, _previous: Any = None) -> None:
        pid = item.data(0, PATH_ROLE) if item is not None else None
        self.open_button.setEnabled(bool(pid))
        if pid:
            self._show(pid)

    def _show(self, preset_id: str) -> None:
        entry = self.entries.get(preset_id)
        if entry is not None:
            self.description.setHtml(describe(entry, self.results.get(preset_id)))
            self.open_button.setEnabled(True)

    def _open(self, item: QTreeWidgetItem | None) -> None:
        pid = item.data(0, PATH_ROLE) if item is not None else None
        if pid and pid in self.entries:
            self.open_requested.emit(self.entries[pid].path)

    def show_results(self, preset_id: str, lines: list[str]) -> None:
        """After a run of ``preset_id``: its "book vs ours" lines in the description."""
        self.results[preset_id] = list(lines)
        item = self.tree.currentItem()
        if item is not None and item.data(0, PATH_ROLE) == preset_id:
            self._show(preset_id)

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            book = self.tree.topLevelItem(i)
            book_visible = False
            for j in range(book.childCount()):
                chapter = book.child(j)
                chapter_visible = False
                for k in range(chapter.childCount()):
                    item = chapter.child(k)
                    entry = self.entries.get(item.data(0, PATH_ROLE))
                    visible = entry is not None and entry.matches(words)
                    item.setHidden(not visible)
                    chapter_visible |= visible
                chapter.setHidden(not chapter_visible)
                book_visible |= chapter_visible
            book.setHidden(not book_visible)


def book_vs_ours(check: Any) -> str:
    """"book: loss 0.03 (L2530) | this run: train_loss 0.0200 (<= 0.035) PASS"."""
    value = "missing" if check.value is None else f"{check.value:.4g}"
    verdict = getattr(check, "verdict", "PASS" if check.passed else "FAIL")
    if not check.book:
        return check.line()
    return (f"book: {human_text(check.book)} | this run: {check.label} {value} ({check.rule}) "
            f"{verdict}")


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    browser = PresetBrowser()
    browser.set_entries(read_catalogue())
    browser.resize(360, 640)
    browser.show()
    app.exec()
