"""User-facing errors: what was found, what was expected, where, and how to fix it.

The CLI prints ``str(error)`` on one line and exits with ``error.exit_code`` (2: usage or input error). Library
callers catch them as the built-in types they subclass (``ValueError``, ``FileNotFoundError``, ``ImportError``).
"""
from __future__ import annotations

import importlib
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
