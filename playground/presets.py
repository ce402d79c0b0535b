"""The preset catalogue: chapter presets shipped in ``presets/``, looked up by id or path."""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from playground.errors import ValidationError
from playground.expect import validate_expect
from playground.project import Project, load_project

#: Book prefixes of preset ids -> short book titles (research notes name them).
BOOKS = {
    "dlpi": "Deep Learning: A Practical Introduction",
    "launch": "A Deep Learning Launchpad",
    "dl4b": "Deep Learning for Beginners",
    "ldl": "Learning Deep Learning",
    "ad3501": "AD3501 Deep Learning (course notes)",
    "tfp": "TensorFlow Playground parity",
}

_META_TEXT = ("title", "book", "chapter", "seed_file", "seed_lines", "what_to_watch", "notes",
              "substitution", "book_result")


@dataclass(frozen=True)
class PresetInfo:
    """One catalogue line."""

    id: str
    title: str
    book: str
    chapter: str
    path: Path

    def to_dict(self) -> dict:
        """JSON-ready form (``playground list --json``)."""
        return {"id": self.id, "title": self.title, "book": self.book,
                "chapter": self.chapter, "path": str(self.path)}


def presets_dir() -> Path:
    """Folder holding the shipped preset files (works after a normal install too)."""
    return Path(str(importlib.resources.files("playground.bundled_presets")))


def preset_paths() -> list[Path]:
    """Every shipped preset file, sorted by name."""
    return sorted(presets_dir().glob("*.json"))


def validate_preset(project: Project, where: str) -> None:
    """Extra rules for presets: an id, a described ``meta`` and valid ``expect`` entries."""
    if not project.id:
        raise ValidationError("a preset needs an 'id'", where)
    meta = project.meta
    if not isinstance(meta, Mapping) or not meta.get("title") or not meta.get("book"):
        raise ValidationError("a preset needs meta.title and meta.book", f"{where}: meta")
    for key, value in meta.items():
        if key in _META_TEXT and not isinstance(value, str):
            raise ValidationError(f"expected text, got {value!r}", f"{where}: meta.{key}")
    validate_expect(project.expect, f"{where}: expect")
    if project.variants:
        from playground.variants import variant_projects
        try:
            variant_projects(project)  # every patch applies and gives a valid project
        except ValidationError as exc:
            raise ValidationError(exc.message, f"{where}: {exc.where}") from None


def load_preset(id_or_path: str) -> Project:
    """Load a preset by id (``launch-xor``) or by a path to any project/preset file.

    Raises
    ------
    ValidationError
        Unknown id, unreadable or invalid file.
    """
    path = find_preset(id_or_path)
    project = load_project(path)
    if project.id or project.meta or project.expect:
        validate_preset(project, path.name)
    return project


def find_preset(id_or_path: str) -> Path:
    """The file for a preset id, or ``id_or_path`` itself when it is a file."""
    candidate = Path(id_or_path)
    if candidate.suffix == ".json" or candidate.exists():
        if not candidate.exists():
            raise ValidationError("file not found", str(candidate))
        return candidate
    path = presets_dir() / f"{id_or_path}.json"
    if not path.exists():
        known = ", ".join(p.stem for p in preset_paths())
        raise ValidationError(f"no preset with id {id_or_path!r} (known: {known})")
    return path


def list_presets() -> list[PresetInfo]:
    """Every shipped preset, ordered by book then chapter then id."""
    infos = []
    for path in preset_paths():
        project = load_project(path)
        meta = project.meta
        infos.append(PresetInfo(project.id or path.stem, meta.get("title", path.stem),
                                meta.get("book", ""), meta.get("chapter", ""), path))
    order = list(BOOKS)
    return sorted(infos, key=lambda i: (order.index(i.id.split("-")[0])
                                        if i.id.split("-")[0] in order else len(order),
                                        i.id))
