"""Each measured path in a fresh interpreter, so its peak RSS (``VmHWM``) and its imports are its own.

``spawn`` runs ``python -m train.bench.isolation SPEC.json OUT.json`` (the installed package, from any directory);
``in_process`` runs the same worker here (fast; tests use it, but then peak RSS mixes paths).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

from model.atomic import atomic_write_text


def _plain(value):
    """numpy scalars (seqeval returns them) as Python numbers for JSON."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_json(path: str | os.PathLike, data: dict) -> None:
    """``data`` as indented UTF-8 JSON, written atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=_plain))


def workers() -> dict[str, Callable[[dict], dict]]:
    """Worker kind -> function (imported here so that a worker process imports only what it runs)."""
    from train.bench.trainers import train_baseline_worker, train_ours_worker
    from train.bench.workers import infer_worker, scale_worker

    return {"infer": infer_worker, "scale": scale_worker, "train-ours": train_ours_worker,
            "train-baseline": train_baseline_worker}


def spawn(kind: str, spec: dict, scratch: Path, timeout: Optional[float] = None) -> dict:
    """Run one worker in a fresh interpreter; return its result (or ``{"error": ...}``)."""
    spec_path = Path(tempfile.mkstemp(suffix=".json", dir=scratch)[1])
    out_path = spec_path.with_name(spec_path.stem + "-out.json")
    spec_path.write_text(json.dumps({"kind": kind, **spec}, ensure_ascii=False), encoding="utf-8")
    env = dict(os.environ)
    # the folder holding this package first: a checkout that is not installed runs its own code
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(spec.get("threads", 1))
    t = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "train.bench.isolation", str(spec_path), str(out_path)],
                              env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"worker {kind} ran past {timeout} s"}
    if proc.returncode != 0 or not out_path.exists():
        tail = (proc.stderr or proc.stdout or "")[-2000:]
        return {"error": f"worker {kind} exited {proc.returncode}: {tail}"}
    result = json.loads(out_path.read_text(encoding="utf-8"))
    result["process_seconds"] = round(time.perf_counter() - t, 2)
    return result


def in_process(kind: str, spec: dict, scratch: Path, timeout: Optional[float] = None) -> dict:
    """The same worker in this process (the spec goes through JSON, as it would to a subprocess)."""
    return workers()[kind](json.loads(json.dumps(spec)))


def main(argv: Optional[list[str]] = None) -> int:
    """Worker entry: ``SPEC.json OUT.json``."""
    spec_path, out_path = (argv if argv is not None else sys.argv[1:])[:2]
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    write_json(out_path, workers()[spec.pop("kind")](spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
