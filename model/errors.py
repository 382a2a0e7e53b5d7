"""User-facing errors: what was found, what was expected, where, and how to fix it.

The CLI prints ``str(error)`` on one line and exits with ``error.exit_code`` (2: usage or input error). Library
callers catch them as the built-in types they subclass (``ValueError``, ``FileNotFoundError``, ``ImportError``).
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import Optional


class WarNerError(Exception):
    """Base class: one message built from found / expected / where / fix."""

    exit_code = 2

    def __init__(self, found: str, *, expected: Optional[str] = None, where: Optional[str] = None,
                 fix: Optional[str] = None):
        self.found, self.expected, self.where, self.fix = found, expected, where, fix
        super().__init__(self.message())

    def message(self) -> str:
        parts = [f"{self.where}: {self.found}" if self.where else self.found]
        if self.expected:
            parts.append(f"expected {self.expected}")
        if self.fix:
            parts.append(f"fix: {self.fix}")
        return "; ".join(parts)


class InputError(WarNerError, ValueError):
    """A file, value or option the user gave is not what the command reads."""


class MissingInput(WarNerError, FileNotFoundError):
    """A path the user gave does not exist (or is the wrong kind of path)."""


class MissingExtra(WarNerError, ImportError):
    """An optional dependency is not installed."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import an optional dependency, or raise ``MissingExtra`` with the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"{purpose} needs the Python package '{module}', which is not installed",
                           fix=f"pip install 'war-ner[{extra}]'") from None


def read_text(path: str | os.PathLike, expected: str) -> str:
    """The text of a UTF-8 file the user named, or a one-line error naming the file and what was expected.

    ``expected`` names the kind of file, e.g. ``"a UTF-8 JSONL corpus file"``. A leading byte-order mark (Windows
    editors write one) is dropped: it is not part of the first line.
    """
    path = Path(path)
    if not path.exists():
        raise MissingInput("no such file", where=str(path), expected=expected, fix="check the path")
    if path.is_dir():
        raise MissingInput("is a folder", where=str(path), expected=expected, fix="name a file inside it")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise InputError("cannot be read (permission denied)", where=str(path), expected=expected,
                         fix="check its permissions") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", where=str(path),
                         expected=expected, fix="save it as UTF-8, or check that this is the file you meant") from None
    return text[1:] if text.startswith("\ufeff") else text
