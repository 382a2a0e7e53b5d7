"""Extraction as a Ray Data job: JSONL shards in, JSONL shards out, on a local Ray or a cluster.

Each input shard is read whole and split on ``\\n`` (Ray's ``read_text`` splits on every Unicode line break,
U+2028 inside a JSON string included), lines are parsed by the same function as the local engine (same ids, same
errors), and ``map_batches`` runs an actor class that loads the predictor once per actor. The checkpoint travels
through Ray's object store, so the nodes of a cluster need war-ner installed but not the model folder. Each
record becomes the same JSON line as in the local engine; the output folder holds the shards Ray writes (their
order follows Ray's scheduling: sort or key by ``source_id`` downstream). No resume: a failed task is retried by
Ray; a failed job is rerun with ``--overwrite``.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from model.errors import InputError, require

_MODEL_FILE_LIMIT = 2 * 2**30  # skip nothing a checkpoint needs, refuse to ship a folder that is not one


def _model_files(model_dir: str) -> dict[str, bytes]:
    """The checkpoint's files by relative path (its ``onnx-int8/`` fast path included), for the object store."""
    root = Path(model_dir)
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    if sum(map(len, files.values())) > _MODEL_FILE_LIMIT:
        raise InputError("the checkpoint folder is over 2 GB", where=model_dir,
                         fix="give the checkpoint folder itself (config.json, weights, tokenizer)")
    return files


class _ExtractActor:
    """Loads the predictor once (from the shipped files), then turns batches of JSONL lines into record lines."""

    def __init__(self, model_ref, default_date: Optional[str], stems: dict, batch_size: int, threads: int):
        import ray

        from model.predictor import Predictor

        self._tmp = tempfile.TemporaryDirectory(prefix="war-ner-model-")  # removed with the actor
        self.dir = self._tmp.name
        for name, data in ray.get(model_ref[0]).items():
            Path(self.dir, name).parent.mkdir(parents=True, exist_ok=True)
            Path(self.dir, name).write_bytes(data)
        self.predictor = Predictor.from_pretrained(self.dir, batch_size=batch_size, num_threads=threads)
        self.default_date, self.stems = default_date, stems

    def __call__(self, batch):
        import pyarrow as pa

        from model.reports import record_line
        from train.batch.inputs import parse_jsonl_line

        lines = []
        for path, n, raw in zip(batch["path"].to_pylist(), batch["n"].to_pylist(), batch["line"].to_pylist()):
            stem = self.stems.get(os.path.abspath(path), Path(path).stem)
            rep = parse_jsonl_line(raw, f"{path}:{n}", f"{stem}-{n}", self.default_date)
            if rep is None:
                continue
            _, records = self.predictor.extract_all(rep.text, rep.date, rep.id)
            lines.extend(record_line(r, rep.extra) for r in records)
        return pa.table({"line": pa.array(lines, type=pa.string())})


def _split_lines(row: dict) -> list[dict]:
    # Numbered from 1 like an editor, so errors and default ids match the local engine.
    return [{"path": row["path"], "n": n, "line": raw}
            for n, raw in enumerate(row["bytes"].split(b"\n"), start=1) if raw.strip()]


def _lines_datasink(out: str):
    from ray.data.datasource import BlockBasedFileDatasink

    class LinesDatasink(BlockBasedFileDatasink):
        """Writes the ``line`` column as it is: the same bytes as the local engine's output."""

        def write_block_to_file(self, block, file) -> None:
            file.write("".join(block.to_arrow().column("line").to_pylist()).encode("utf-8"))

    return LinesDatasink(out, file_format="jsonl")


def _prepare_out(out: str, overwrite: bool) -> None:
    if "://" in out:
        return  # remote storage (s3://, gs://): Ray writes there; checking it is left to the caller
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise InputError("is a file", expected="a folder for the output shards", where=out,
                         fix="give a folder path for --out with --engine ray")
    if path.is_dir() and any(path.iterdir()):
        if not overwrite:
            raise InputError("folder is not empty", expected="a new or empty folder for the output shards",
                             where=out, fix="pass --overwrite to replace its content, or choose another --out")
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)


def run_ray(files: Sequence[str], stems: dict, model_dir: str, out: str, *, default_date: Optional[str] = None,
            address: Optional[str] = None, workers: Optional[int] = None, batch_size: int = 32, threads: int = 1,
            reports_per_batch: int = 16, overwrite: bool = False, progress: bool = False) -> int:
    """Run the job; return the number of records written under ``out``."""
    ray = require("ray", "ray", "--engine ray")
    require("ray.data", "ray", "--engine ray")
    _prepare_out(out, overwrite)
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = progress
        ctx.print_on_execution_start = progress
        if not progress:  # Ray Data logs each run's start and end at INFO on the driver
            logging.getLogger("ray.data").setLevel(logging.WARNING)
        actors = workers or max(1, int(ray.cluster_resources().get("CPU", 1)) // max(1, threads))
        # A list around the reference: Ray resolves top-level refs, and the actor should fetch the files itself.
        model_ref = [ray.put(_model_files(model_dir))]
        # Reading, splitting and writing take no CPU slot: with one actor per CPU they would otherwise wait for a
        # slot the actors never give back (a deadlock Ray Data reports as "backpressured").
        ds = ray.data.read_binary_files(list(files), include_paths=True, num_cpus=0)
        ds = ds.flat_map(_split_lines, num_cpus=0)
        ds = ds.map_batches(
            _ExtractActor, batch_format="pyarrow", batch_size=reports_per_batch,
            compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=threads,
            fn_constructor_kwargs={"model_ref": model_ref, "default_date": default_date, "stems": dict(stems),
                                   "batch_size": batch_size, "threads": threads})
        ds.write_datasink(_lines_datasink(out), ray_remote_args={"num_cpus": 0})
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, InputError):
            raise cause from None
        raise
    finally:
        if started:
            ray.shutdown()
    if "://" in out:
        return -1
    return sum(_count_lines(p) for p in sorted(Path(out).glob("*.jsonl")))


def _count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def read_shards(out: str) -> list[dict]:
    """Every record of a Ray output folder (for tests and checks)."""
    return [json.loads(line) for p in sorted(Path(out).glob("*.jsonl"))
            for line in p.read_text(encoding="utf-8").split("\n") if line]
