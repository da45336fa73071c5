"""Files as the watcher and `claimtrack ingest` take them: read only what is a regular,
finished file of reasonable size; move without ever overwriting; name within the file
system's limit; tell whether a file is still open for writing."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.errors import InputError

NOTE_SUFFIX = ".reason"
#: A "suffix" longer than this is part of the name, not an extension.
_MAX_SUFFIX = 16


def read_article(path: Path, *, max_bytes: int, root: Path | None = None) -> bytes:
    """The bytes of the file at ``path``, or :class:`InputError` saying why it is refused.

    A symbolic link is followed only to a file under ``root`` (when given) and never when
    it leads nowhere (dangling, or a loop). Folders, FIFOs, sockets and devices are not
    opened at all (a FIFO would block the reader). Raises ``FileNotFoundError`` when the
    file is gone.
    """
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        try:
            target = Path(os.path.realpath(path, strict=True))
        except FileNotFoundError:
            raise InputError(
                "broken_symlink", "a symbolic link to a file that does not exist"
            ) from None
        except OSError as exc:
            raise InputError("broken_symlink", f"a symbolic link that cannot be followed: {exc.strerror}") from exc  # fmt: skip
        if root is not None and not target.is_relative_to(root.resolve()):
            raise InputError("symlink_outside_inbox",
                             "a symbolic link to a file outside the folder is refused")  # fmt: skip
        info = target.stat()
    if stat.S_ISDIR(info.st_mode):
        raise InputError(
            "directory", "a folder is not an article; drop the files inside it instead"
        )
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not_a_file", "not a regular file (a FIFO, a socket or a device)")
    _check_size(info.st_size, max_bytes)
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, open() returns
        # at once instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except PermissionError as exc:
        raise InputError("unreadable", f"cannot read the file: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError("not_a_file", "not a regular file (a FIFO, a socket or a device)")
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise InputError("unreadable", f"cannot read the file: {exc.strerror}") from exc
    _check_size(len(raw), max_bytes)
    return raw


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise InputError("too_large", f"{size:,} bytes is over the limit of {max_bytes:,}")


# --- names ------------------------------------------------------------------------------


def name_max(directory: Path) -> int:
    """The longest file name, in bytes, that ``directory``'s file system takes."""
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _split_name(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    if dot <= 0 or len(name) - dot > _MAX_SUFFIX:
        return name, ""
    return name[:dot], name[dot:]


def _size(text: str) -> int:
    return len(os.fsencode(text))


def candidate_names(name: str, limit: int) -> Iterator[str]:
    """``name``, then ``name (2)``, ``name (3)``, ... each within ``limit`` bytes: a name
    too long for its counter keeps its start and extension and gains a hash of the whole
    name, so that two long names never shorten to the same one."""
    stem, suffix = _split_name(name)
    tag = "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:10]
    for n in range(1, 10_000):
        counter = "" if n == 1 else f" ({n})"
        full = f"{stem}{counter}{suffix}"
        if _size(full) <= limit:
            yield full
            continue
        room = limit - _size(tag + counter + suffix)
        cut = stem
        while cut and _size(cut) > room:
            cut = cut[: max(0, min(len(cut) - 1, room))]
        yield f"{cut}{tag}{counter}{suffix}"


# --- moving -------------------------------------------------------------------------------


def move_unique(source: Path, directory: Path, *, reserve: int = 0) -> Path:
    """Move ``source`` into ``directory`` under its own name or the first free
    ``name (n)``, never over another file, leaving ``reserve`` bytes of the name free for
    a suffix. A symbolic link is moved as the link."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in candidate_names(source.name, name_max(directory) - reserve):
        target = directory / name
        if _place(source, target):
            return target
    raise FileExistsError(errno.EEXIST, f"no free name in {directory}", source.name)


def set_aside(source: Path, directory: Path, note: str) -> Path:
    """Move a refused file (or folder) into ``directory`` beside ``NAME.reason`` holding
    ``note``. Neither the file nor the note ever replaces anything already there: the note
    is created first, exclusively, and a name is taken only when both are free."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in candidate_names(source.name, name_max(directory) - len(NOTE_SUFFIX)):
        target = directory / name
        note_path = directory / (name + NOTE_SUFFIX)
        try:
            with open(note_path, "x", encoding="utf-8") as handle:
                handle.write(note)
        except FileExistsError:
            continue
        try:
            placed = _place(source, target)
        except BaseException:
            note_path.unlink(missing_ok=True)
            raise
        if placed:
            return target
        note_path.unlink(missing_ok=True)
    raise FileExistsError(errno.EEXIST, f"no free name in {directory}", source.name)


def _place(source: Path, target: Path) -> bool:
    """Move ``source`` to ``target`` if nothing is there; False if something is."""
    if source.is_dir() and not source.is_symlink():
        try:
            target.mkdir()  # reserves the name: mkdir fails if anything is there
        except FileExistsError:
            return False
        os.rename(source, target)  # over the empty folder just made, atomically
        return True
    try:
        os.link(source, target, follow_symlinks=False)  # fails if the target exists: no race
    except FileExistsError:
        return False
    except OSError:
        # No hard links here: reserve the name with an empty file, then rename over it.
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return False
        os.rename(source, target)
        return True
    source.unlink()
    return True


# --- files still being written -----------------------------------------------------------


def open_for_writing(paths: Iterable[Path]) -> set[Path]:
    """Those of ``paths`` that a process holds open for writing, as far as ``/proc``
    shows (Linux: the processes of this user, or all of them for root). Elsewhere, or for
    another user's writer, the answer is empty and size and time must do."""
    wanted: dict[tuple[int, int], Path] = {}
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            wanted[(info.st_dev, info.st_ino)] = path
    if not wanted or not os.path.isdir("/proc/self/fd"):
        return set()
    busy: set[Path] = set()
    for process in os.scandir("/proc"):
        if not process.name.isdigit():
            continue
        try:
            descriptors = os.listdir(f"/proc/{process.name}/fd")
        except OSError:  # another user's process, or one that just ended
            continue
        for fd in descriptors:
            try:
                info = os.stat(f"/proc/{process.name}/fd/{fd}")
            except OSError:
                continue
            found = wanted.get((info.st_dev, info.st_ino))
            if found is not None and _writable(process.name, fd):
                busy.add(found)
    return busy


def _writable(pid: str, fd: str) -> bool:
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}", encoding="ascii") as info:
            for line in info:
                if line.startswith("flags:"):
                    return int(line.split()[1], 8) & os.O_ACCMODE != os.O_RDONLY
    except (OSError, ValueError):
        pass
    return False
