"""Extraction on this machine: in this process, or in N worker processes that each load the model once.

Results come back in input order whatever the number of workers (each chunk of reports is a future, and futures
are read in the order they were submitted), and at most ``workers * _IN_FLIGHT`` chunks are out at a time, so
memory stays flat however long the archive is.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Iterable, Iterator, Optional

from model.reports import Report

_IN_FLIGHT = 3  # chunks per worker submitted ahead: enough to keep workers busy, few enough to keep memory flat
_predictor = None  # one per worker process, loaded by _init_worker


def default_threads(workers: int) -> Optional[int]:
    """Intra-op threads per worker: the cores shared out (None: the library's default, for one process)."""
    if workers <= 1:
        return None
    return max(1, (os.cpu_count() or 1) // workers)


def _load(model_dir: str, batch_size: int, threads: Optional[int]):
    from model.predictor import Predictor

    return Predictor.from_pretrained(model_dir, batch_size=batch_size, num_threads=threads)


def _init_worker(model_dir: str, batch_size: int, threads: Optional[int]) -> None:
    global _predictor
    _predictor = _load(model_dir, batch_size, threads)


def _extract_chunk(chunk: list[tuple[str, Optional[str], str]]) -> list[tuple[list, list]]:
    return [_predictor.extract_all(text, date, rid) for rid, date, text in chunk]


def _chunks(reports: Iterable[Report], size: int) -> Iterator[list[Report]]:
    chunk: list[Report] = []
    for rep in reports:
        chunk.append(rep)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_local(reports: Iterable[Report], model_dir: str, *, workers: int = 1, batch_size: int = 32,
              threads: Optional[int] = None, chunk_size: int = 4) -> Iterator[tuple[Report, list, list]]:
    """(report, entities, records) for every report, in input order."""
    threads = threads if threads is not None else default_threads(workers)
    if workers <= 1:
        predictor = _load(model_dir, batch_size, threads)
        for rep in reports:
            entities, records = predictor.extract_all(rep.text, rep.date, rep.id)
            yield rep, entities, records
        return
    # spawn, not fork: forking a process that has imported torch (or started its threads) can deadlock.
    ctx = multiprocessing.get_context("spawn")
    pending: deque[tuple[list[Report], Future]] = deque()
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(model_dir, batch_size, threads)) as pool:
        try:
            for chunk in _chunks(reports, chunk_size):
                pending.append((chunk, pool.submit(_extract_chunk, [(r.id, r.date, r.text) for r in chunk])))
                while len(pending) >= workers * _IN_FLIGHT:
                    yield from _collect(pending.popleft())
            while pending:
                yield from _collect(pending.popleft())
        finally:
            for _, fut in pending:
                fut.cancel()


def _collect(item: tuple[list[Report], Future]) -> Iterator[tuple[Report, list, list]]:
    chunk, fut = item
    for rep, (entities, records) in zip(chunk, fut.result()):
        yield rep, entities, records
