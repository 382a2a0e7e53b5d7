"""Report archives as a stream: JSONL files, folders of ``.txt`` reports (and ``.jsonl`` shards), or stdin.

Reports come out one at a time in a fixed order (arguments in order, a folder's files sorted by relative path,
lines in order), so the n-th report is the same on every run: resuming skips by position and checks the id.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence

from model.errors import InputError, MissingInput
from model.reports import Report, report_from_object

INPUT_HELP = "a .txt report, a .jsonl file of reports, a folder of .txt/.jsonl files, or - for stdin"


@dataclass(frozen=True)
class Source:
    """One input file: ``kind`` is ``jsonl``, ``txt`` or ``stdin``; ``rel`` names a folder's file in ids."""

    kind: str
    path: Optional[Path] = None
    rel: Optional[str] = None


def _walk(folder: Path) -> Iterator[Source]:
    """The folder's .txt and .jsonl files, depth first, sorted at every level (memory: one directory listing)."""
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    for entry in entries:
        p = Path(entry.path)
        if entry.is_dir():
            yield from _walk(p)
        elif entry.is_file() and p.suffix.lower() in (".txt", ".jsonl") and not p.name.startswith("."):
            yield Source(p.suffix.lower()[1:], p)


def sources(paths: Sequence[str]) -> list[tuple[str, Path | None]]:
    """Check every argument (exists; a folder holds reports) and return them as (kind, path): kind is ``file``,
    ``folder`` or ``stdin``. Folders are walked lazily by ``iter_sources``."""
    if not paths:
        raise InputError("no input", expected=INPUT_HELP, fix="name the archive to read")
    checked: list[tuple[str, Path | None]] = []
    for p in paths:
        if p == "-":
            checked.append(("stdin", None))
            continue
        path = Path(p)
        if not path.exists():
            raise MissingInput("no such file", expected=INPUT_HELP, where=str(path),
                               fix="check the path")
        if path.is_dir():
            if next(_walk(path), None) is None:
                raise InputError("folder holds no .txt or .jsonl file", expected=INPUT_HELP, where=str(path),
                                 fix="give the folder of .txt reports, or the .jsonl file itself")
            checked.append(("folder", path))
        else:
            checked.append(("file", path))
    if sum(kind == "stdin" for kind, _ in checked) > 1:
        raise InputError("'-' (stdin) given twice", expected="stdin at most once", fix="drop the second -")
    return checked


def iter_sources(checked: Sequence[tuple[str, Path | None]]) -> Iterator[Source]:
    """Every input file in order (folders expanded)."""
    for kind, path in checked:
        if kind == "stdin":
            yield Source("stdin")
        elif kind == "folder":
            for src in _walk(path):
                yield Source(src.kind, src.path, src.path.relative_to(path).with_suffix("").as_posix())
        else:
            yield Source("jsonl" if path.suffix.lower() == ".jsonl" else "txt", path)


def _read_text_file(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise InputError("binary file (NUL bytes)", expected="a UTF-8 text report", where=str(path),
                         fix="give the .txt report, not a binary or compressed file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r})",
                         expected="a UTF-8 text report", where=str(path),
                         fix="convert it to UTF-8 (e.g. iconv -f cp1256 -t utf-8)") from None


def parse_jsonl_line(raw: bytes, where: str, default_id: Optional[str],
                     default_date: Optional[str]) -> Optional[Report]:
    """One JSONL line (bytes) -> a report, or None for a blank line. Shared by the local and the Ray engines."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", expected="UTF-8 JSON Lines", where=where,
                         fix="convert the file to UTF-8; a compressed or binary file cannot be read") from None
    line = line.lstrip("\ufeff")  # a byte-order mark can only open a file: drop it like utf-8-sig would
    if not line.strip():
        return None
    if "\x00" in line:
        raise InputError("binary data (NUL bytes)", expected="UTF-8 JSON Lines", where=where,
                         fix="give the .jsonl file itself, not a binary or compressed file")
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise InputError(f"invalid JSON ({exc})", expected="one JSON object per line", where=where,
                         fix="repair or remove this line") from None
    return report_from_object(obj, where, default_id, default_date)


def _iter_jsonl(fh, name: str, stem: str, default_date: Optional[str]) -> Iterator[Report]:
    # Binary lines split on b"\n" only: str.splitlines would also split on U+2028 inside a JSON string.
    for n, raw in enumerate(fh, start=1):
        rep = parse_jsonl_line(raw, f"{name}:{n}", f"{stem}-{n}", default_date)
        if rep is not None:
            yield rep


def iter_reports(checked: Sequence[tuple[str, Path | None]], default_date: Optional[str] = None,
                 stdin_format: str = "text") -> Iterator[Report]:
    """Every report of the inputs, one at a time, in a fixed order; errors say file:line and how to fix."""
    for src in iter_sources(checked):
        if src.kind == "stdin":
            if stdin_format == "jsonl":
                yield from _iter_jsonl(sys.stdin.buffer, "<stdin>", "stdin", default_date)
            else:
                yield Report("stdin", sys.stdin.read(), default_date)
        elif src.kind == "jsonl":
            stem = src.rel or src.path.stem
            with open(src.path, "rb") as fh:
                yield from _iter_jsonl(fh, str(src.path), stem, default_date)
        else:
            yield Report(src.rel or src.path.stem, _read_text_file(src.path), default_date)


def count_reports(checked: Sequence[tuple[str, Path | None]], default_date: Optional[str] = None) -> Optional[int]:
    """Read every report once (all errors surface before anything is written) and count them; None with stdin."""
    if any(kind == "stdin" for kind, _ in checked):
        return None
    return sum(1 for _ in iter_reports(checked, default_date))


def jsonl_files(checked: Sequence[tuple[str, Path | None]]) -> list[str]:
    """The JSONL shards of the inputs (for Ray); any other kind of input is an error."""
    files = []
    for src in iter_sources(checked):
        if src.kind != "jsonl":
            where = str(src.path) if src.path else "-"
            raise InputError(f"a {src.kind} input", expected="JSONL shards (.jsonl) for --engine ray",
                             where=where, fix="convert the reports to JSONL, or use the local engine (--workers N)")
        files.append(str(src.path))
    return files
