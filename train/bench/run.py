"""``run_benchmark``: the texts, the machine, every checkpoint's paths, the trainers, the goals, one JSON."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

from model.errors import InputError
from train.bench.goals import Goals, judge
from train.bench.system import machine_info
from train.bench.texts import load_reports, long_reports, split_path


def _checkpoint_label(model_dir: Path) -> str:
    cfg = model_dir / "training_config.yaml"
    if cfg.exists():
        import yaml

        name = (yaml.safe_load(cfg.read_text(encoding="utf-8")) or {}).get("model", {}).get("name")
        if name:
            return str(name)
    return model_dir.name


def run_benchmark(
    model_dir: str | os.PathLike,
    data_dir: str | os.PathLike = "data/annotations",
    *,
    out_json: Optional[str | os.PathLike] = None,
    sizes: Sequence[int] = (1, 10, 100, 1000),
    max_sentences: Optional[int] = None,
    long_words: int = 1000,
    train_steps: int = 150,
    include_training: bool = True,
    include_inference: bool = True,
    e5_model_dir: Optional[str | os.PathLike] = None,
    student_model_dir: Optional[str | os.PathLike] = None,
    train_configs: Sequence[str] = ("configs/tiny.yaml",),
    train_seeds: Sequence[int] = (13,),
    threads: Optional[int] = None,
    repeats: int = 3,
    rounds: int = 1,
    batch_size: int = 32,
    isolate: bool = True,
    quantize_options: Optional[dict] = None,
    goals: Optional[Goals] = None,
    work_dir: Optional[str | os.PathLike] = None,
    verbose: bool = True,
) -> dict:
    """Benchmark the checkpoint ``model_dir`` (plus ``e5_model_dir`` when given) on ``data_dir``'s test split.

    ``student_model_dir``, a checkpoint distilled from the last of them, runs beside that one (``student-onnx-*``).

    ``max_sentences`` keeps the first N test sentences; the reports of at least ``long_words`` words in any split
    give the long-report cost (0: none); ``train_steps`` updates for each trainer on the train split
    (``include_training=False`` skips training); ``threads`` torch/ORT threads in every path (default: all cores);
    ``isolate=False`` runs the paths in this process (faster, but peak RSS then mixes paths); ``quantize_options``
    are ``export_onnx`` keywords for the int8 paths (e.g. ``{"quantize": "int8-static", "keep_fp32": [...]}``).
    Writes ``out_json`` (atomically) when given and returns the same dict.
    """
    from train.bench.isolation import in_process, spawn, write_json
    from train.bench.checkpoint import bench_checkpoint
    from train.bench.trainers import merge_train_runs, resolve_config

    data_dir = Path(data_dir)
    goals = goals or Goals()
    threads = threads or os.cpu_count() or 1
    test_path = split_path(data_dir, "test")
    configs = [str(resolve_config(c)) for c in train_configs] if include_training else []  # fail before the work
    reports = load_reports(test_path, max_sentences)
    if not reports:
        raise InputError("no sentences", where=str(test_path), expected="a non-empty test split")
    splits = [p for p in (data_dir / f"{s}.jsonl" for s in ("train", "dev", "test")) if p.is_file()]
    longs = long_reports(splits, long_words) if long_words else []
    run = spawn if isolate else in_process
    scratch = Path(tempfile.mkdtemp(prefix="war-ner-bench-", dir=work_dir))
    started = time.perf_counter()
    result: dict = {
        "command": " ".join(sys.argv) if sys.argv and sys.argv[0] else None,
        "machine": machine_info(threads),
        "settings": {"threads": threads, "repeats": repeats, "rounds": rounds, "batch_size": batch_size,
                     "train_seeds": list(train_seeds), "sizes": list(sizes), "max_sentences": max_sentences,
                     "long_words": long_words, "train_steps": train_steps, "isolated_processes": isolate,
                     "data_dir": str(data_dir), "quantize_options": quantize_options or {},
                     "goals": goals.as_dict()},
        "texts": {"reports": len(reports), "sentences": sum(len(r["sentences"]) for r in reports),
                  "characters": sum(len(r["text"]) for r in reports),
                  "long_reports": [{k: r[k] for k in ("doc", "source", "words", "sentences")} for r in longs]},
        "checkpoints": {},
    }
    try:
        todo = [(_checkpoint_label(Path(model_dir)), Path(model_dir))]
        if e5_model_dir:
            todo.append(("e5-offline", Path(e5_model_dir)))
        for label, mdir in todo if include_inference else []:
            if verbose:
                print(f"[bench] inference: {label} ({mdir})", file=sys.stderr, flush=True)
            result["checkpoints"][label] = bench_checkpoint(
                label, mdir, reports, run, scratch, threads=threads, repeats=repeats, rounds=rounds,
                batch_size=batch_size, sizes=sizes, quantize_options=quantize_options or {}, long_reports=longs,
                student_dir=Path(student_model_dir) if student_model_dir and label == todo[-1][0] else None)
        if include_training:
            result["training"] = {}
            spec = {"train": str(split_path(data_dir, "train")), "test": str(test_path), "steps": train_steps,
                    "threads": threads, "work_dir": str(scratch)}
            for config in configs:
                name = Path(config).stem
                if verbose:
                    print(f"[bench] training: {name}, {train_steps} steps", file=sys.stderr, flush=True)
                runs: dict[str, list] = {"ours": [], "baseline": []}
                for seed in train_seeds:  # alternate the trainers seed by seed: load drift hits both
                    for key, kind in (("ours", "train-ours"), ("baseline", "train-baseline")):
                        runs[key].append(run(kind, {**spec, "config": config, "seed": seed}, scratch))
                result["training"][name] = {key: merge_train_runs(rs, train_seeds) for key, rs in runs.items()}
        result["goals"] = judge(result, goals)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["machine"]["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    result["seconds"] = round(time.perf_counter() - started, 1)
    if out_json:
        write_json(out_json, result)
    return result
