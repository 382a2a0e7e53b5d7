"""Batch extraction over report archives: stream in, records out as they come, resume after a crash.

- ``inputs``: archives as a stream of reports (JSONL, folders of .txt, stdin), with file:line errors;
- ``sink``: where records go (a resumable file with its progress journal, stdout, one HTML page);
- ``local``: this process or N worker processes, output in input order;
- ``ray_engine``: the same extraction as a Ray Data job over JSONL shards.

``extract`` ties them together; ``war-ner extract`` (``train/cli_extract.py``) is a thin wrapper over it.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence

from model.atomic import check_target
from model.errors import InputError
from model.reports import Report, check_date
from train.batch.inputs import count_reports, iter_reports, iter_sources, jsonl_files, sources
from train.batch.local import run_local
from train.batch.sink import HtmlSink, ResumableFile, StreamSink
from train.cli_checks import checkpoint_dir

FORMATS = ("jsonl", "csv", "html")


@dataclass
class Summary:
    """What a run did: reports extracted now, reports skipped as already done, records written in all."""

    reports: int
    skipped: int
    records: int


def _skip_done(reports: Iterator[Report], done: int, last_id: Optional[str], where: str) -> Iterator[Report]:
    """Drop the first ``done`` reports, checking that the last of them is the one the journal ends on."""
    for n in range(done):
        rep = next(reports, None)
        if rep is None:
            raise InputError(f"the input has {n} report(s) but {where} records {done} done",
                             expected="the input of the interrupted run", where=where,
                             fix="rerun with the same inputs, or --overwrite to start again")
        if n == done - 1 and rep.id != last_id:
            raise InputError(f"report {done} of the input is {rep.id!r}, the journal's is {last_id!r}",
                             expected="the input of the interrupted run (same reports, same order)", where=where,
                             fix="rerun with the same inputs, or --overwrite to start again")
    return reports


def _progress(total: Optional[int], initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, unit="report", dynamic_ncols=True,
                smoothing=0.05, file=sys.stderr)


def extract(model_dir: str, inputs: Sequence[str], *, date: Optional[str] = None, fmt: str = "jsonl",
            out: Optional[str] = None, batch_size: int = 32, workers: Optional[int] = None,
            threads: Optional[int] = None, engine: str = "local", address: Optional[str] = None,
            overwrite: bool = False, stdin_format: str = "text", progress: Optional[bool] = None) -> Summary:
    """Entities and event records for every report of ``inputs``, written to ``out`` (stdout when None) as they
    come. jsonl/csv files resume: rerun with the same ``out`` and the reports already written are skipped."""
    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r}", expected=" or ".join(FORMATS), fix="pass --format jsonl")
    if workers is not None and workers < 1:
        raise InputError(f"--workers {workers}", expected="1 or more", fix="pass --workers 1")
    date = check_date(date, "--date")
    model_dir = str(checkpoint_dir(model_dir))
    checked = sources(inputs)
    if out and "://" not in out:
        check_target(out, "--out", folder=engine == "ray")  # a bad --out fails now, not after the archive
    progress = sys.stderr.isatty() if progress is None else progress
    if engine == "ray":
        return _extract_ray(model_dir, checked, date, fmt, out, batch_size, workers, threads, address, overwrite,
                            progress)
    if engine != "local":
        raise InputError(f"engine {engine!r}", expected="local or ray", fix="pass --engine local")
    total = count_reports(checked, date)  # every input error surfaces here, before anything is written
    if fmt == "html":
        sink = HtmlSink(out)
    elif out:
        settings = {"model": str(Path(model_dir).resolve()), "date": date}
        sink = ResumableFile(out, fmt, settings, overwrite=overwrite)
    else:
        sink = StreamSink(fmt)
    skipped = sink.done
    reports = _skip_done(iter_reports(checked, date, stdin_format), skipped, sink.last_id,
                         str(getattr(sink, "journal_path", out)))
    try:
        with _progress(total, skipped, progress) as bar:
            for rep, entities, records in run_local(reports, model_dir, workers=workers or 1,
                                                    batch_size=batch_size, threads=threads):
                rep.entities = entities
                sink.add(rep, entities, records)
                bar.update(1)
    finally:
        if not isinstance(sink, HtmlSink) or sys.exc_info()[0] is None:
            sink.close()  # commit what is done; an HTML page is written only when every report is in
    return Summary(sink.done - skipped, skipped, sink.records)


def _extract_ray(model_dir, checked, date, fmt, out, batch_size, workers, threads, address, overwrite,
                 progress) -> Summary:
    from train.batch.ray_engine import run_ray

    if fmt != "jsonl" or not out:
        raise InputError("--engine ray writes JSONL shards into a folder", expected="--format jsonl --out DIR",
                         fix="pass --out DIR (and no --format, or --format jsonl)")
    files = jsonl_files(checked)
    stems = {os.path.abspath(s.path): s.rel or s.path.stem for s in iter_sources(checked)}
    local = all("://" not in f for f in files)
    total = count_reports(checked, date) if local else None  # errors before the cluster is asked for anything
    n = run_ray(files, stems, model_dir, out, default_date=date, address=address, workers=workers,
                batch_size=batch_size, threads=threads or 1, overwrite=overwrite, progress=progress)
    return Summary(total if total is not None else -1, 0, n)
