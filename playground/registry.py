"""A registry of small entries keyed by a stable string id.

Layer types, datasets, tasks, optimizers, losses, surfaces and probes are each a
:class:`Registry`. Entries are registered once at import; a duplicate id is a
programming error unless ``override=True``. Lookups of unknown ids (from a file)
raise :class:`~playground.errors.ValidationError` listing what is known.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from playground.errors import ValidationError

T = TypeVar("T")


class Registry(Generic[T]):
    """Ordered mapping ``id -> entry`` for one kind of thing.

    Parameters
    ----------
    kind : str
        What the entries are ("layer type", "dataset"...), used in messages.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, entry: T, override: bool = False) -> T:
        """Add ``entry`` under ``entry.id``; returns the entry."""
        key = entry.id  # type: ignore[attr-defined]
        if key in self._entries and not override:
            raise ValueError(f"{self.kind} {key!r} is already registered")
        self._entries[key] = entry
        return entry

    def get(self, key: object, where: str = "") -> T:
        """Entry for ``key``; an unknown id raises ``ValidationError`` naming ``where``.

        ``key`` may be any value read from a file: one that is not a string is unknown.
        """
        entry = self._entries.get(key) if isinstance(key, str) else None
        if entry is None:
            known = ", ".join(self._entries)
            raise ValidationError(f"unknown {self.kind} {key!r} (known: {known})", where)
        return entry

    def ids(self) -> list[str]:
        """Registered ids, in registration order."""
        return list(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)
