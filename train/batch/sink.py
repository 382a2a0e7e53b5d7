"""Where extracted records go: a resumable file, stdout, or one HTML page.

A resumable output is two files. ``OUT`` holds the records exactly as a one-shot run writes them (JSONL: one
record per line; CSV: ACLED columns), so nothing downstream changes. ``OUT.progress`` is a journal: a header line
(format, model, default date), then one line per finished report, ``{"n": reports done, "id": its id, "records":
records so far, "end": byte size of OUT after it}``. A report's records are written and flushed to ``OUT`` first,
its journal line second; both files are fsync'ed at least once a second and on close. On resume the last journal
line that ``OUT`` covers (``end`` <= its size) is the commit point: ``OUT`` is cut back to that ``end`` (a report
half written when the process died goes), the journal is cut after that line (a partial last line goes), and the
first ``n`` reports of the input are skipped, after checking that the n-th has the journal's id. A killed process
loses nothing (what it flushed is in the page cache); a machine crash loses at most the last second, which the
next run redoes. Nothing is written twice.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Optional

from model.atomic import atomic_open
from model.errors import InputError
from model.reports import Report, record_line

JOURNAL_SUFFIX = ".progress"
_MAGIC = "war-ner extract progress"
_FSYNC_EVERY_S = 1.0


def _csv_text(rows: list[dict], header: bool = False) -> str:
    from model.events import ACLED_COLUMNS

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(ACLED_COLUMNS), extrasaction="ignore")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def render(fmt: str, report: Report, records: list) -> str:
    """A report's records as the text a jsonl or csv output holds for it."""
    if fmt == "csv":
        return _csv_text([r.to_acled_row() for r in records])
    return "".join(record_line(r, report.extra) for r in records)


class ResumableFile:
    """Records appended to ``out`` report by report, with the journal ``out.progress`` (see the module doc)."""

    def __init__(self, out: str | Path, fmt: str, settings: dict, overwrite: bool = False):
        self.path = Path(out)
        self.journal_path = self.path.with_name(self.path.name + JOURNAL_SUFFIX)
        self.fmt = fmt
        self.header = {"journal": _MAGIC, "format": fmt, **settings}
        self.done, self.last_id, self.records = 0, None, 0
        if self.path.is_dir():
            raise InputError("is a folder", expected=f"a {fmt} file to write", where=str(self.path),
                             fix="give a file path for --out")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if overwrite or not self.path.exists():
            self._start()
        else:
            self._resume()
        self._last_sync = time.monotonic()

    def _start(self) -> None:
        self.journal_path.unlink(missing_ok=True)  # the journal goes first: it must never outlive a reset OUT
        self.fh = open(self.path, "wb")
        if self.fmt == "csv":
            self.fh.write(_csv_text([], header=True).encode("utf-8"))
        self.end = self.fh.tell()
        self.jh = open(self.journal_path, "wb")
        self.jh.write((json.dumps({**self.header, "start": self.end}, ensure_ascii=False) + "\n").encode("utf-8"))
        self._sync()

    def _resume(self) -> None:
        fix = f"rerun with the same model, format and --date, or pass --overwrite to start {self.path} again"
        if not self.journal_path.exists():
            if self.path.stat().st_size == 0:
                return self._start()
            raise InputError(f"exists and has no {self.journal_path.name}, so it was not written by an "
                             "interrupted extract", expected="a new --out path, or the --out of an earlier run",
                             where=str(self.path), fix="pass --overwrite to replace it, or choose another --out")
        size = self.path.stat().st_size
        with open(self.journal_path, "rb") as jh:
            first = jh.readline()
            try:
                head = json.loads(first)
            except ValueError:
                head = None
            if not isinstance(head, dict) or head.get("journal") != _MAGIC:
                raise InputError("is not a progress journal", where=str(self.journal_path), fix=fix)
            changed = [k for k in self.header if head.get(k) != self.header[k]]
            if changed:
                found = ", ".join(f"{k}: {head.get(k)!r}" for k in changed)
                raise InputError(f"was written with other settings ({found})",
                                 expected=", ".join(f"{k}: {self.header[k]!r}" for k in changed),
                                 where=str(self.journal_path), fix=fix)
            keep, end = jh.tell(), int(head["start"])
            for line in jh:
                try:
                    entry = json.loads(line) if line.endswith(b"\n") else None
                except ValueError:
                    entry = None
                if not isinstance(entry, dict) or entry.get("end", size + 1) > size:
                    break  # a partial line, or a report whose records did not reach OUT: the commit point is above
                keep, end = jh.tell(), entry["end"]
                self.done, self.last_id, self.records = entry["n"], entry["id"], entry["records"]
        if size < int(head["start"]):
            raise InputError("is shorter than its journal's header", where=str(self.path), fix=fix)
        os.truncate(self.journal_path, keep)
        os.truncate(self.path, end)
        self.fh = open(self.path, "ab")
        self.jh = open(self.journal_path, "ab")
        self.end = end

    def add(self, report: Report, entities: list, records: list) -> None:
        """Append one report's records and commit it in the journal."""
        data = render(self.fmt, report, records).encode("utf-8")
        self.fh.write(data)
        self.fh.flush()
        self.end += len(data)
        self.done += 1
        self.records += len(records)
        self.last_id = report.id
        entry = {"n": self.done, "id": report.id, "records": self.records, "end": self.end}
        self.jh.write((json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        self.jh.flush()
        if time.monotonic() - self._last_sync >= _FSYNC_EVERY_S:
            self._sync()

    def _sync(self) -> None:
        # OUT before the journal: a journal line never reaches the disk before the records it points past.
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.jh.flush()
        os.fsync(self.jh.fileno())
        self._last_sync = time.monotonic()

    def close(self) -> None:
        self._sync()
        self.fh.close()
        self.jh.close()


class StreamSink:
    """Records to stdout (or any text stream) as they come: no resume."""

    def __init__(self, fmt: str, stream: IO[str] = None):
        self.fmt, self.stream = fmt, stream or sys.stdout
        self.done, self.records, self.last_id = 0, 0, None
        if fmt == "csv":
            self.stream.write(_csv_text([], header=True))

    def add(self, report: Report, entities: list, records: list) -> None:
        self.stream.write(render(self.fmt, report, records))
        self.stream.flush()
        self.done += 1
        self.records += len(records)

    def close(self) -> None:
        self.stream.flush()


class HtmlSink:
    """One page for all reports: it needs every report before it is written (memory grows with the archive, and
    there is no resume), so use it to review a handful of reports, not an archive."""

    def __init__(self, out: Optional[str]):
        self.out, self.items = out, []
        self.done, self.records, self.last_id = 0, 0, None

    def add(self, report: Report, entities: list, records: list) -> None:
        self.items.append((report.text, entities, records))
        self.done += 1
        self.records += len(records)

    def close(self) -> None:
        from model.export import render_html

        page = render_html(self.items, "war-ner: event records")
        if self.out:
            with atomic_open(self.out) as fh:
                fh.write(page)
        else:
            sys.stdout.write(page)
