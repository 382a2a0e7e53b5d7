"""Atomic writes: a temporary file (or folder) beside the target, renamed over it, so a failure never leaves half
a file (or half a folder) where the previous one was."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator, TextIO

from model.errors import InputError


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, newline: str | None = None) -> Iterator[TextIO]:
    """A text stream whose content replaces ``path`` only when the ``with`` block ends without an error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def check_target(path: str | os.PathLike, option: str = "--out", folder: bool = False) -> Path:
    """Raise a one-line ``InputError`` now if ``path`` could not be written later, so a bad ``--out`` fails before
    the work, not after it: a folder where a file is wanted (or the reverse), or no writable folder to hold it."""
    path = Path(path)
    kind = "a folder path" if folder else "a file path"
    if path.exists() and path.is_dir() != folder:
        found = "is a file" if folder else "is a folder"
        fix = "choose another path" if folder else "name a file inside it"
        raise InputError(found, where=str(path), expected=f"{kind} for {option}", fix=fix)
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{parent} is a file, so nothing can be written below it", where=str(path),
                         expected=f"{kind} for {option} inside a folder", fix="choose another path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"the folder {parent} is not writable", where=str(path),
                         expected=f"{kind} for {option} in a writable folder", fix="choose another path")
    return path


def atomic_write_text(path: str | os.PathLike, content: str) -> None:
    """Write ``content`` to ``path`` atomically."""
    with atomic_open(path) as fh:
        fh.write(content)


def atomic_dir(final: str | os.PathLike, write: Callable[[Path], None]) -> None:
    """Build a folder in a sibling temp folder with ``write(tmp)``, then swap it in place of ``final``.

    A failure in ``write`` leaves the previous folder as it was; a run killed between the two renames leaves it
    beside ``final`` (``.old-*``), where :func:`recover_dir` (called first thing here) puts it back.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    recover_dir(final)
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}"
    old = final.parent / f".old-{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        write(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def recover_dir(final: str | os.PathLike) -> None:
    """Undo a swap cut short between its two renames: bring the previous folder back into place."""
    final = Path(final)
    if final.exists() or not final.parent.exists():
        return
    olds = sorted(final.parent.glob(f".old-{final.name}-*"), key=lambda p: p.stat().st_mtime)
    if olds:
        os.replace(olds[-1], final)
