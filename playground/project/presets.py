"""The preset catalogue: chapter presets shipped in ``presets/``, looked up by id or path."""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from playground.errors import ValidationError
from playground.project.expect import validate_expect
from playground.project.schema import Project, load_project

#: Book prefixes of preset ids -> short book titles (research notes name them).
BOOKS = {
    "dlpi": "Deep Learning: A Practical Introduction",
    "launch": "A Deep Learning Launchpad",
    "dl4b": "Deep Learning for Beginners",
    "ldl": "Learning Deep Learning",
    "ad3501": "AD3501 Deep Learning (course notes)",
    "tfp": "TensorFlow Playground parity",
}

#: Text fields of ``meta``. ``chapter``, ``section`` and ``figure`` say where in the book the
#: experiment is (shown to users); ``seed_file`` and ``seed_lines`` where in the seed file
#: (for maintainers only, never shown in the app).
_META_TEXT = ("title", "book", "chapter", "section", "figure", "seed_file", "seed_lines",
              "what_to_watch", "notes", "substitution", "seed", "book_result")


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
        from playground.project.variants import variant_projects
        try:
            variant_projects(project)  # every patch applies and gives a valid project
        except ValidationError as exc:
            raise ValidationError(exc.message, f"{where}: {exc.where}") from None


def load_preset(id_or_path: str) -> Project:
    """Load a preset by id (``launch-xor``) or by a path to any project/preset file.

    Raises
    ------
    ValidationError
        Unknown id, unreadable or invalid file; a shipped preset naming a data
        file outside the package (see :func:`check_bundled_files`).
    """
    path = find_preset(id_or_path)
    project = load_project(path)
    if project.id or project.meta or project.expect:
        validate_preset(project, path.name)
    if is_bundled(path):
        check_bundled_files(project, path.name)
    return project


def is_bundled(path: Path) -> bool:
    """True for a file inside the shipped presets folder."""
    return _inside(path.parent, presets_dir())


def check_bundled_files(project: Project, where: str) -> None:
    """Refuse a shipped preset whose data (or a variant's) names a file outside the package.

    Data paths in a user's project are the user's own files, so absolute paths
    are fine there. A preset ships with the program: it may only name bundled
    files, as relative paths inside the assets folder (no ``..``, no ``~``, no
    absolute path, nothing a link leads out of).

    Raises
    ------
    ValidationError
        Naming the preset and the param.
    """
    from playground.data.base import DATASETS
    from playground.project.variants import variant_projects
    from playground.resources import assets_dir

    projects = [("", project)]
    if project.variants:
        projects += [(f"variants.{v.name}: ", v.project) for v in variant_projects(project)]
    for prefix, proj in projects:
        spec = proj.data
        if spec is None:
            continue
        entry = DATASETS.get(spec.type)
        names = {*entry.file_params, *(p.name for p in entry.params
                                       if p.kind == "str" and p.name == "path")}
        for name in sorted(names):
            value = spec.params.get(name) or ""
            if value and not _is_bundled_file(value, assets_dir()):
                raise ValidationError(f"a shipped preset may only name bundled data files "
                                      f"(relative paths inside the package), got {value!r}",
                                      f"{where}: {prefix}data.params.{name}")


def _is_bundled_file(value: str, root: Path) -> bool:
    if value.startswith("~") or Path(value).is_absolute() or ".." in Path(value).parts:
        return False
    return _inside(root / value, root)


def _inside(path: Path, root: Path) -> bool:
    """True when ``path`` (links resolved) is ``root`` or under it."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))
    except (OSError, ValueError):
        return False


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

    def key(info: PresetInfo) -> tuple:
        # Book order, then chapter numbers as numbers (dl4b-5 before dl4b-12).
        parts = info.id.split("-")
        book = order.index(parts[0]) if parts[0] in order else len(order)
        return (book, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts[1:]))
    return sorted(infos, key=key)
