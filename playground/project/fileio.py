"""The one atomic file writer: every file the playground writes goes through here.

Projects, the recovery file, every export format and the metrics CSV are first
serialised in memory (:func:`serialise` runs a library writer such as
``torch.save`` or ``torch.jit.save`` into a ``BytesIO``, with Python-level error
handling), and only then written to disk by :func:`atomic_output` with Python
I/O: a temp file next to the target, flushed to disk, then renamed over it. So

* no native exception can escape: torch's C++ zip writer never touches the disk
  (on a full disk ``torch.jit.save`` to a path ends in ``terminate called after
  throwing an instance of 'c10::Error'``, which aborts the whole process);
* a full disk, a read-only or missing folder is one line
  (:class:`~playground.errors.PlaygroundError`), and the old file is intact;
* a save through a symbolic link writes the link's target (the link stays a
  link) and keeps the existing file's permission bits; a new file gets the
  usual ``0666 & ~umask``;
* temp files are named ``.NAME.PID-RANDOM.tmp``; those left behind by a crash
  (their process is gone, or they are older than :data:`STALE_SECONDS`) are
  removed the next time NAME is written.

Several files that belong together (a Python export's ``.py`` and ``.pt``) are
written with :func:`atomic_outputs`: every temp file is complete before the
first rename, so a full disk leaves all the old files as they were.
"""

from __future__ import annotations

import errno
import io
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from playground.errors import PlaygroundError, one_line

#: A temp file of ours whose process cannot be told is stale after this long (1 hour).
STALE_SECONDS = 3600
Payload = bytes | str


def serialise(write: Callable[[BinaryIO], object], what: str = "the file") -> bytes:
    """Run ``write(buffer)`` on an in-memory buffer and return the bytes it wrote.

    Library writers (``torch.save``, ``torch.jit.save``, ``torch.export.save``,
    ``np.savez``) raise many kinds of exceptions, some of them wrapped C++
    errors; here they all become one line.

    Raises
    ------
    PlaygroundError
        Naming ``what`` and the writer's reason (out of memory included).
    """
    buffer = io.BytesIO()
    try:
        write(buffer)
    except MemoryError:
        raise PlaygroundError(f"not enough memory to write {what}") from None
    except Exception as exc:  # noqa: BLE001 - any writer failure is one line
        raise PlaygroundError(f"cannot write {what}: {_first_line(exc)}") from None
    return buffer.getvalue()


def atomic_output(path: str | os.PathLike, data: Payload,
                  check: Callable[[Path], None] | None = None) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically.

    Parameters
    ----------
    path : path-like
        The file to write; a symbolic link is followed to its target.
    data : bytes or str
        The whole content, serialised already (see :func:`serialise`).
    check : callable, optional
        ``check(temp_path)`` runs on the complete temp file before it replaces
        ``path`` (an export verified in a fresh process); if it raises, nothing
        is replaced and the temp file is removed.

    Returns
    -------
    Path
        The file written (the link's target when ``path`` is a link).

    Raises
    ------
    PlaygroundError
        One line naming the file and the reason (no space left, read-only or
        missing folder, permission denied); the old file is left as it was.
    """
    return atomic_outputs({path: data}, check={path: check} if check else None)[0]


def atomic_outputs(files: Mapping[str | os.PathLike, Payload],
                   check: Mapping[str | os.PathLike, Callable[[Path], None] | None] | None = None
                   ) -> list[Path]:
    """Write several files all or nothing: every temp file first, then the renames.

    ``files`` maps each path to its content; ``check`` optionally maps a path to
    a function run on its complete temp file. Returns the targets written, in
    order. Raises as :func:`atomic_output`.
    """
    checks = {Path(k): v for k, v in (check or {}).items() if v is not None}
    staged: list[tuple[Path, Path]] = []  # (temp, target)
    try:
        for path, data in files.items():
            target = resolve_target(path)
            temp = _stage(target, data.encode("utf-8") if isinstance(data, str) else data)
            staged.append((temp, target))
            if Path(path) in checks:
                checks[Path(path)](temp)
        for temp, target in staged:
            _rename(temp, target)
    finally:
        for temp, _ in staged:
            _unlink_quietly(temp)
    return [target for _, target in staged]


def resolve_target(path: str | os.PathLike) -> Path:
    """The file a save to ``path`` writes: a symbolic link's target (followed to the end,
    also when it does not exist yet), else ``path`` itself, absolute."""
    return Path(os.path.realpath(os.fspath(path)))


def temp_pattern(name: str | None = None) -> re.Pattern:
    """What our temp files for a file called ``name`` (any name if None) look like:
    ``.NAME.PID-HEX.tmp``, and ``.NAME.XXXXXXXX.tmp`` from earlier versions (``mkstemp``)."""
    stem = re.escape(name) if name is not None else ".+"
    return re.compile(rf"\.{stem}\.(?:(\d+)-[0-9a-f]+|[A-Za-z0-9_]{{8}})\.tmp")


def remove_stale_temps(target: str | os.PathLike) -> list[Path]:
    """Delete temp files of ours for ``target`` left by a crashed save; returns them.

    A temp file is stale when the process named in it is not running, or when it
    is older than :data:`STALE_SECONDS`; a live save's temp file is left alone.
    Errors are ignored (this is housekeeping).
    """
    target = Path(target)
    return _remove_stale(target.parent, temp_pattern(target.name))


def sweep_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """:func:`remove_stale_temps` for every file of ``folder`` (a folder of ours only, such
    as the recovery folder: the pattern is loose)."""
    return _remove_stale(Path(folder), temp_pattern())


def _remove_stale(folder: Path, pattern: re.Pattern) -> list[Path]:
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid = int(match.group(1)) if match.group(1) else None
        if age > STALE_SECONDS or (pid is not None and not _process_alive(pid)):
            if _unlink_quietly(Path(entry.path)):
                removed.append(Path(entry.path))
    return removed


# -- steps ----------------------------------------------------------------------------------

def _stage(target: Path, data: bytes) -> Path:
    """A complete, flushed temp file next to ``target`` holding ``data``, with the mode
    ``target`` has (or the default mode for a new file)."""
    folder = target.parent
    if not folder.is_dir():
        raise PlaygroundError("the folder does not exist" if not folder.exists()
                              else "not a folder", str(folder))
    remove_stale_temps(target)
    temp, fd = _create_temp(target)
    try:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except OSError:
            mode = None  # a new file: the umask decided, as for any file the user creates
        if mode is not None:
            os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        _unlink_quietly(temp)
        raise _write_error(exc, target) from None
    except BaseException:
        os.close(fd)
        _unlink_quietly(temp)
        raise
    os.close(fd)
    return temp


def _create_temp(target: Path) -> tuple[Path, int]:
    """Create ``.NAME.PID-HEX.tmp`` exclusively; the kernel applies the umask to 0666."""
    for _ in range(100):
        temp = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
        try:
            return temp, os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise PlaygroundError(f"cannot write here: {_reason(exc)}",
                                  str(target.parent)) from None
    raise PlaygroundError("cannot create a temp file here", str(target.parent))


def _rename(temp: Path, target: Path) -> None:
    try:
        os.replace(temp, target)
    except OSError as exc:
        raise _write_error(exc, target) from None
    try:  # make the rename itself durable
        fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_error(exc: OSError, target: Path) -> PlaygroundError:
    return PlaygroundError(f"cannot save: {_reason(exc)}; the old file, if any, is unchanged",
                           str(target))


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the disk"
    if exc.errno == errno.EROFS:
        return "the folder is on a read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def _unlink_quietly(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        return False
    return True


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's process, or cannot tell: not ours to judge
    return True


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return one_line(text.splitlines()[0]) if text else type(exc).__name__
