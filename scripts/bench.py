"""Inference and training benchmark on one checkpoint, one machine, one run.

Inference paths, all on the same checkpoint and the same texts (the test split's sentences grouped back into
reports by ``meta.doc``):

- ``predictor-torch``: our ``Predictor`` on torch;
- ``pipeline``: ``transformers.pipeline("token-classification", aggregation_strategy="simple")`` called one
  report at a time (what users write first);
- ``predictor-onnx-fp32`` / ``predictor-onnx-int8``: our ``Predictor`` on ONNX Runtime (``model.onnx_export``);
- ``student-onnx-int8`` (with ``student_model_dir``, e5 only): the int8 export of a *different*, smaller checkpoint
  distilled from this one (``model.num_layers`` + ``train.distill_from``). Its speed-up is over this checkpoint's
  pipeline and its F1 is compared with this checkpoint's torch F1: it answers "how fast can the same quality be
  had", not "how fast is this checkpoint", and is reported as its own goal line.

Each path runs in a fresh subprocess (``python -m scripts.bench --worker``) so its peak RSS (``VmHWM``) is its
own (``rounds`` > 1 repeats every path in fresh processes, interleaved, against load drift on a shared machine).
Each reports sentences/s (all reports in one call, median of all timed passes), per-report latency p50/p95 (one
report per call), peak RSS, and strict seqeval entity F1 on the test split: every path's entities (character
offsets into the report) are mapped back to word tags by the corpus word rule and scored by
``train.evaluate.score``; the predictor paths also get the sentence-level F1 of ``evaluate_predictor``.

Training: ``train.trainer.train`` vs a ``transformers.Trainer`` baseline written as ``run_ner.py`` does it
(``DataCollatorForTokenClassification``, random sampling, tokenizer truncation), same init, data, seed and number
of steps, each in its own subprocess; samples/s, seconds and test F1 of both.

Scaling: wall time of the fastest predictor path for 1, 10, 100, 1000 reports (test reports repeated cyclically).

    python -m scripts.bench --model /tmp/bench_tiny/model --data /tmp/mk --out bench.json
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

REPO = Path(__file__).resolve().parents[1]
# records-onnx-int8: the int8 export run from raw text to event records (NER, rules and event heads)
PATHS = ("predictor-torch", "pipeline", "predictor-onnx-fp32", "predictor-onnx-int8", "records-onnx-int8")
GOALS = {"int8_vs_pipeline_speedup": 3.0, "int8_f1_delta_points": 0.5, "training_speedup": 1.3,
         "e5_peak_rss_mb": 1024.0}


# --------------------------------------------------------------------------------------------------- helpers


def _memory_mb() -> dict:
    """Peak and current RSS of this process in MiB (``VmHWM`` is per address space: it starts afresh at exec)."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, value = line.split(":", 1)
                out["peak_rss_mb" if key == "VmHWM" else "rss_mb"] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    if "peak_rss_mb" not in out:
        import resource

        scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, 1)
    return out


def _percentile(values: Sequence[float], q: float) -> float:
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _plain(value):
    """numpy scalars (seqeval returns them) as Python numbers for JSON."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _write_json(path: Path, data: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_plain), encoding="utf-8")
    os.replace(tmp, path)


def _set_threads(threads: int, torch_too: bool = True) -> None:
    """Pin the thread pools of this process (ONNX Runtime's own pool is set through ``Predictor``)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    if torch_too:
        import torch

        torch.set_num_threads(threads)


def _split_path(data_dir: Path, split: str) -> Path:
    p = Path(data_dir) / f"{split}.jsonl"
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file; expected {data_dir} to hold train.jsonl, dev.jsonl, test.jsonl")
    return p


# ------------------------------------------------------------------------------------------------ the texts


def load_reports(test_path: str | os.PathLike, max_sentences: Optional[int] = None) -> list[dict]:
    """Test sentences grouped back into reports by ``meta.doc`` (first-appearance order), joined by a space.

    Each report: ``{"doc", "text", "sentences": [{"offset", "words": [[start, end, text]], "tags"}]}`` with word
    offsets into the report text.
    """
    from model.spans import spans_to_bio
    from model.words import split_words
    from train.data import load_any

    docs = load_any([test_path])
    if max_sentences:
        docs = docs[:max_sentences]
    groups: dict[str, list] = {}
    for d in docs:
        groups.setdefault(str(d.meta.get("doc") or d.id), []).append(d)
    reports = []
    for doc_id, sents in groups.items():
        parts, offset, entries = [], 0, []
        for d in sents:
            words = split_words(d.text)
            entries.append({"offset": offset, "words": [[w.start + offset, w.end + offset, w.text] for w in words],
                            "tags": spans_to_bio(words, d.entities)})
            parts.append(d.text)
            offset += len(d.text) + 1
        reports.append({"doc": doc_id, "text": " ".join(parts), "sentences": entries})
    return reports


def entities_to_word_tags(words: Sequence[Sequence], entities: Sequence[Sequence]) -> list[str]:
    """BIO word tags from character-span entities ``(start, end, label)`` by the corpus word rule.

    A word belongs to an entity when their spans overlap; the entity's first such word is ``B-``, the rest ``I-``.
    A word already claimed by an earlier entity keeps its tag (sub-word aggregations can overlap a word twice).
    """
    tags = ["O"] * len(words)
    for start, end, label in sorted(entities, key=lambda e: (e[0], e[1])):
        first = True
        for i, (ws, we, _) in enumerate(words):
            if ws < end and start < we and tags[i] == "O":
                tags[i] = f"{'B' if first else 'I'}-{label}"
                first = False
    return tags


def _report_tags(reports: list[dict], entities: list[list]) -> tuple[list[list[str]], list[list[str]]]:
    gold, pred = [], []
    for rep, ents in zip(reports, entities):
        for s in rep["sentences"]:
            gold.append(s["tags"])
            pred.append(entities_to_word_tags(s["words"], ents))
    return gold, pred


# ------------------------------------------------------------------------------------------------ workers


def _infer_worker(spec: dict) -> dict:
    """One inference path in this (fresh) process: load, warm up, throughput, latency, peak RSS, outputs."""
    threads = spec["threads"]
    kind = spec["path"]
    # the ONNX paths must not pay for importing torch; they set ONNX Runtime's threads through the Predictor
    _set_threads(threads, torch_too="onnx" not in kind)
    reports = spec["reports"]
    texts = [r["text"] for r in reports]
    n_sent = sum(len(r["sentences"]) for r in reports)
    t0 = time.perf_counter()
    if kind == "pipeline":
        from transformers import pipeline

        pipe = pipeline("token-classification", model=spec["model_dir"], aggregation_strategy="simple", device=-1)

        def one(text: str) -> list:
            return [[int(e["start"]), int(e["end"]), str(e["entity_group"])] for e in pipe(text)]

        def run_all(batch: list[str]) -> list:
            return [one(t) for t in batch]
    else:
        from model.predictor import Predictor

        predictor = Predictor.from_pretrained(spec["model_dir"], num_threads=threads, batch_size=spec["batch_size"])

        def run_all(batch: list[str]) -> list:
            if kind.startswith("records"):  # end to end: text -> entities -> event records (heads included)
                return [[[e.start, e.end, e.label] for e in predictor.extract_all(t)[0]] for t in batch]
            return [[[e.start, e.end, e.label] for e in ents] for ents in predictor.predict(batch)]

        def one(text: str) -> list:
            return run_all([text])[0]
    load_s = time.perf_counter() - t0
    mem_loaded = _memory_mb()
    run_all(texts[: min(3, len(texts))])  # warm-up: first-call allocations, lazy imports
    runs = []
    entities = None
    for _ in range(spec["repeats"]):
        t = time.perf_counter()
        if kind == "pipeline":  # the baseline is one call per report: its latencies are the throughput run
            entities = []
            lat = []
            for text in texts:
                s = time.perf_counter()
                entities.append(one(text))
                lat.append(time.perf_counter() - s)
            runs.append({"seconds": time.perf_counter() - t, "latencies": lat})
        else:
            entities = run_all(texts)
            runs.append({"seconds": time.perf_counter() - t})
    if kind != "pipeline":
        for run in runs:
            lat = []
            for text in texts:
                s = time.perf_counter()
                one(text)
                lat.append(time.perf_counter() - s)
            run["latencies"] = lat
    word_tags = None
    if kind != "pipeline":
        sentences = [[w[2] for w in s["words"]] for r in reports for s in r["sentences"]]
        word_tags = [tags for tags, _ in predictor.predict_word_tags(sentences)]
    mem = _memory_mb()
    seconds = [r["seconds"] for r in runs]
    latencies = [x for r in runs for x in r["latencies"]]
    info = {"torch_threads": sys.modules["torch"].get_num_threads() if "torch" in sys.modules else None}
    if "onnx" in kind:
        opts = predictor.runner.session.get_session_options()
        info["ort_intra_op_threads"] = opts.intra_op_num_threads
    return {
        "path": kind,
        "model_dir": spec["model_dir"],
        "reports": len(texts),
        "sentences": n_sent,
        "load_seconds": round(load_s, 3),
        "throughput_seconds": [round(s, 5) for s in seconds],
        "latencies_s": [round(x, 6) for x in latencies],
        "rss_after_load_mb": mem_loaded.get("rss_mb"),
        "peak_rss_mb": mem["peak_rss_mb"],
        "torch_imported": "torch" in sys.modules,
        "threads": info,
        "entities": entities,
        "word_tags": word_tags,
    }


def _scale_worker(spec: dict) -> dict:
    """Wall time of ``Predictor.predict`` on N reports (the test reports repeated cyclically) for each N."""
    _set_threads(spec["threads"], torch_too="onnx" not in spec["path"])
    from model.predictor import Predictor

    predictor = Predictor.from_pretrained(spec["model_dir"], num_threads=spec["threads"],
                                          batch_size=spec["batch_size"])
    texts = [r["text"] for r in spec["reports"]]
    predictor.predict(texts[:3])
    rows = []
    for n in spec["sizes"]:
        batch = [texts[i % len(texts)] for i in range(n)]
        reps = spec["repeats"] if n <= 10 else 1
        walls = []
        for _ in range(reps):
            t = time.perf_counter()
            predictor.predict(batch)
            walls.append(time.perf_counter() - t)
        wall = statistics.median(walls)
        sentences = sum(len(spec["reports"][i % len(texts)]["sentences"]) for i in range(n))
        rows.append({"reports": n, "sentences": sentences, "wall_seconds": round(wall, 4),
                     "ms_per_report": round(1000 * wall / n, 3), "sentences_per_s": round(sentences / wall, 1),
                     "repeats": reps})
    return {"path": spec["path"], "model_dir": spec["model_dir"], "sizes": rows, **_memory_mb()}


def _train_overrides(spec: dict, output_dir: Path) -> list[str]:
    return [f"--data.train={spec['train']}", f"--data.test={spec['test']}", "--data.dev=[]",
            f"--train.output_dir={output_dir}", f"--train.max_steps={spec['steps']}", "--train.progress_bar=false",
            "--train.tensorboard=false", "--train.eval_every_epochs=1000000", f"--train.num_threads={spec['threads']}",
            *([f"--train.seed={spec['seed']}"] if spec.get("seed") is not None else []), *spec.get("overrides", [])]


def _test_f1(model_dir: Path, test_path: str, threads: int) -> float:
    from model.predictor import Predictor
    from train.data import load_any, to_example
    from train.evaluate import evaluate_predictor

    predictor = Predictor.from_pretrained(model_dir, num_threads=threads)
    return float(evaluate_predictor(predictor, [to_example(d) for d in load_any([test_path])])["strict"]["f1"])


def _our_schedule(cfg, output_dir: Path, steps: int) -> dict:
    """Samples and tokens our trainer's batches held over ``steps`` updates (its batch order, replayed)."""
    from transformers import AutoTokenizer

    from model.encoding import arabert_preprocessor
    from train.augment import run_copies
    from train.data import bio_labels, entity_types, load_any, to_example
    from train.trainer import _features, length_grouped_batches, plain_batches

    docs = load_any(cfg.data.train)
    labels = bio_labels(cfg.data.labels or entity_types(docs))
    docs = docs + run_copies(docs, cfg)
    tokenizer = AutoTokenizer.from_pretrained(output_dir / "state" / "tokenizer")
    prep = arabert_preprocessor(cfg.model.arabert_model) if cfg.model.preprocess == "arabert" else None
    feats = _features([to_example(d) for d in docs], tokenizer, {l: i for i, l in enumerate(labels)}, cfg, prep)
    lengths = [len(f["input_ids"]) for f in feats]
    tc = cfg.train
    samples = real = padded = done = 0
    epoch = 0
    while done < steps:
        seed = tc.seed * 1000 + epoch
        batches = (length_grouped_batches(lengths, tc.batch_size, seed) if tc.group_by_length
                   else plain_batches(len(lengths), tc.batch_size, seed))
        for b in batches[: steps - done]:
            samples += len(b)
            real += sum(lengths[i] for i in b)
            padded += len(b) * max(lengths[i] for i in b)
        done += min(len(batches), steps - done)
        epoch += 1
    return {"samples": samples, "real_tokens": real, "padded_tokens": padded}


def _run_config(spec: dict, out: Path):
    """The run config both trainers use: the spec's YAML (relative to the repo) with the bench overrides."""
    from train.config import load_config

    path = Path(spec["config"])
    return load_config(path if path.is_absolute() else REPO / path, _train_overrides(spec, out))


def _train_ours_worker(spec: dict) -> dict:
    _set_threads(spec["threads"])
    from train.trainer import train

    out = Path(spec["work_dir"]) / "ours"
    shutil.rmtree(out, ignore_errors=True)
    cfg = _run_config(spec, out)
    t = time.perf_counter()
    metrics = train(cfg, run_name="bench")
    wall = time.perf_counter() - t
    sched = _our_schedule(cfg, out, metrics["global_steps"])
    loop = metrics["train_seconds_this_process"]
    return {"trainer": "ours", "steps": metrics["global_steps"], "loop_seconds": loop, "wall_seconds": round(wall, 3),
            **sched, "samples_per_s": sched["samples"] / loop, "group_by_length": cfg.train.group_by_length,
            "test_f1": _test_f1(out / "model", spec["test"], spec["threads"]), **_memory_mb()}


def _train_baseline_worker(spec: dict) -> dict:
    """``transformers.Trainer`` the way ``run_ner.py`` uses it, from the same init, data and seed."""
    _set_threads(spec["threads"])
    from accelerate.utils import set_seed
    from datasets import Dataset
    from transformers import DataCollatorForTokenClassification, Trainer, TrainingArguments

    from train import models
    from train.augment import run_copies
    from train.data import bio_labels, entity_types, load_any, to_example

    work = Path(spec["work_dir"]) / "baseline"
    shutil.rmtree(work, ignore_errors=True)
    cfg = _run_config(spec, work)
    tc = cfg.train
    t_wall = time.perf_counter()
    set_seed(tc.seed)  # as our trainer: seed, then build the model (same init for the same seed)
    docs = load_any(cfg.data.train)
    labels = bio_labels(cfg.data.labels or entity_types(docs))
    label2id = {l: i for i, l in enumerate(labels)}
    examples = [to_example(d) for d in docs + run_copies(docs, cfg)]  # the sentences our trainer sees
    model, tokenizer, _ = models.build(cfg.model, labels, [d.text for d in docs], work)

    raw = Dataset.from_dict({"tokens": [ex.words for ex in examples],
                             "ner_tags": [[label2id.get(t, 0) for t in ex.tags] for ex in examples]})

    def tokenize_and_align_labels(batch):  # run_ner.py, label_all_tokens=False
        enc = tokenizer(batch["tokens"], truncation=True, max_length=cfg.model.max_length, is_split_into_words=True)
        all_labels = []
        for i, tags in enumerate(batch["ner_tags"]):
            previous, ids = None, []
            for wid in enc.word_ids(batch_index=i):
                ids.append(-100 if wid is None or wid == previous else tags[wid])
                previous = wid
            all_labels.append(ids)
        enc["labels"] = all_labels
        return enc

    train_ds = raw.map(tokenize_and_align_labels, batched=True, remove_columns=raw.column_names)
    base_collator = DataCollatorForTokenClassification(tokenizer)
    seen: list[tuple[int, int, int]] = []  # (samples, real tokens, padded tokens) per collated batch

    def collate(features):
        batch = base_collator(features)
        seen.append((len(features), sum(len(f["input_ids"]) for f in features), int(batch["input_ids"].numel())))
        return batch

    args = TrainingArguments(
        output_dir=str(work / "run"), per_device_train_batch_size=tc.batch_size, learning_rate=tc.learning_rate,
        weight_decay=tc.weight_decay, warmup_steps=int(tc.warmup_ratio * spec["steps"]), max_steps=spec["steps"],
        lr_scheduler_type="linear", max_grad_norm=tc.max_grad_norm, seed=tc.seed, report_to=[], save_strategy="no",
        logging_steps=max(spec["steps"], 1), disable_tqdm=True, use_cpu=True, dataloader_num_workers=0,
    )
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, data_collator=collate,
                      processing_class=tokenizer)
    result = trainer.train()
    loop = float(result.metrics["train_runtime"])
    model.save_pretrained(work / "model")
    tokenizer.save_pretrained(work / "model")
    wall = time.perf_counter() - t_wall
    used = seen[: int(result.global_step)]  # the loop may collate one batch ahead of the last step
    counts = {"samples": sum(b[0] for b in used), "real_tokens": sum(b[1] for b in used),
              "padded_tokens": sum(b[2] for b in used)}
    return {"trainer": "transformers.Trainer (run_ner.py style)", "steps": int(result.global_step),
            "loop_seconds": round(loop, 3), "wall_seconds": round(wall, 3), **counts,
            "samples_per_s": counts["samples"] / loop, "group_by_length": False,
            "test_f1": _test_f1(work / "model", spec["test"], spec["threads"]), **_memory_mb()}


def _merge_train_runs(runs: list[dict], seeds: Sequence) -> dict:
    """One trainer over several seeds: summed samples over summed loop time, mean test F1, per-seed details."""
    errors = [r for r in runs if "error" in r]
    if errors:
        return errors[0]
    out = dict(runs[0])
    for key in ("loop_seconds", "wall_seconds", "samples", "real_tokens", "padded_tokens"):
        out[key] = sum(r[key] for r in runs)
    out["samples_per_s"] = out["samples"] / out["loop_seconds"]
    out["test_f1"] = statistics.mean(r["test_f1"] for r in runs)
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    out["seeds"] = list(seeds)
    out["per_seed"] = [{"seed": s, "test_f1": r["test_f1"], "samples_per_s": r["samples_per_s"],
                        "loop_seconds": r["loop_seconds"], "wall_seconds": r["wall_seconds"]}
                       for s, r in zip(seeds, runs)]
    return out


WORKERS = {"infer": _infer_worker, "scale": _scale_worker, "train-ours": _train_ours_worker,
           "train-baseline": _train_baseline_worker}


def _spawn(kind: str, spec: dict, scratch: Path, timeout: Optional[float] = None) -> dict:
    """Run one worker in a fresh interpreter; return its result (or ``{"error": ...}``)."""
    spec_path = Path(tempfile.mkstemp(suffix=".json", dir=scratch)[1])
    out_path = spec_path.with_name(spec_path.stem + "-out.json")
    spec_path.write_text(json.dumps({"kind": kind, **spec}, ensure_ascii=False), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(spec.get("threads", 1))
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scripts.bench", "--worker", str(spec_path), str(out_path)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not out_path.exists():
        tail = (proc.stderr or proc.stdout or "")[-2000:]
        return {"error": f"worker {kind} exited {proc.returncode}: {tail}"}
    result = json.loads(out_path.read_text(encoding="utf-8"))
    result["process_seconds"] = round(time.perf_counter() - t, 2)
    return result


def _in_process(kind: str, spec: dict, scratch: Path, timeout: Optional[float] = None) -> dict:
    return WORKERS[kind](json.loads(json.dumps(spec)))


# --------------------------------------------------------------------------------------------------- driver


def _checkpoint_label(model_dir: Path) -> str:
    cfg = model_dir / "training_config.yaml"
    if cfg.exists():
        import yaml

        name = (yaml.safe_load(cfg.read_text(encoding="utf-8")) or {}).get("model", {}).get("name")
        if name:
            return str(name)
    return model_dir.name


def _bench_checkpoint(label: str, model_dir: Path, reports: list[dict], run, scratch: Path, *, threads: int,
                      repeats: int, rounds: int, batch_size: int, sizes: Sequence[int],
                      quantize_options: dict, student_dir: Optional[Path] = None) -> dict:
    from model.onnx_export import export_onnx
    from train.evaluate import score

    out: dict = {"label": label, "model_dir": str(model_dir), "exports": {}, "paths": {}}
    dirs = {"predictor-torch": model_dir, "pipeline": model_dir}
    exports = [(name, model_dir, q) for name, q in (("predictor-onnx-fp32", None), ("predictor-onnx-int8", "int8"))]
    if student_dir is not None:
        exports.append(("student-onnx-int8", student_dir, "int8"))
        out["student_model_dir"] = str(student_dir)
    for name, source, q in exports:
        t = time.perf_counter()
        d = export_onnx(source, scratch / f"{label}-{name}", quantize=q, **(quantize_options if q else {}))
        info = json.loads((d / "onnx_export.json").read_text(encoding="utf-8"))
        out["exports"][name] = {"seconds": round(time.perf_counter() - t, 2), "model_mb": round(
            info["model_bytes"] / 2**20, 2), "verify_vs_torch": info["verify_vs_torch"],
            "transformer_optimizations": info["transformer_optimizations"]}
        dirs[name] = d
    dirs["records-onnx-int8"] = dirs["predictor-onnx-int8"]  # the same export, run from text to event records
    gold_sent = [s["tags"] for r in reports for s in r["sentences"]]
    for _ in range(rounds):  # paths interleaved round by round: load drift on a shared machine hits all
        for path in dirs:
            res = run("infer", {"path": path, "model_dir": str(dirs[path]), "reports": reports, "threads": threads,
                                "repeats": repeats, "batch_size": batch_size}, scratch)
            prev = out["paths"].get(path)
            if "error" in res or (prev is not None and "error" in prev):
                out["paths"].setdefault(path, res)
                continue
            if prev is not None:  # later rounds add timings and memory peaks; outputs come from round 1
                prev["throughput_seconds"] += res["throughput_seconds"]
                prev["_latencies"] += res["latencies_s"]
                prev["peak_rss_mb"] = max(prev["peak_rss_mb"], res["peak_rss_mb"])
                prev["load_seconds_rounds"].append(res["load_seconds"])
                continue
            gold, pred = _report_tags(reports, res.pop("entities"))
            res["f1"] = float(score(gold, pred)["strict"]["f1"])
            tags = res.pop("word_tags")
            if tags is not None:
                res["f1_sentences"] = float(score(gold_sent, tags)["strict"]["f1"])
            res["_pred"] = pred
            res["_latencies"] = res["latencies_s"]
            res["load_seconds_rounds"] = [res["load_seconds"]]
            out["paths"][path] = res
    for res in out["paths"].values():
        if "error" in res:
            continue
        seconds = res["throughput_seconds"]
        n = res["sentences"]
        res["sentences_per_s"] = n / statistics.median(seconds)
        res["sentences_per_s_best"] = n / min(seconds)
        res["latency_ms_p50"] = 1000 * _percentile(res["_latencies"], 0.5)
        res["latency_ms_p95"] = 1000 * _percentile(res["_latencies"], 0.95)
        res["rounds"] = rounds
        res.pop("latencies_s", None)
        res.pop("_latencies", None)
    ref = out["paths"].get("predictor-torch", {})
    for path, res in out["paths"].items():
        if "error" in res or "_pred" not in ref:
            continue
        flat = [t for s in res["_pred"] for t in s]
        flat_ref = [t for s in ref["_pred"] for t in s]
        res["tag_agreement_with_torch"] = sum(a == b for a, b in zip(flat, flat_ref)) / max(len(flat_ref), 1)
    for res in out["paths"].values():
        res.pop("_pred", None)
        res.pop("_tags", None)
    pipe = out["paths"].get("pipeline", {})
    for res in out["paths"].values():
        if "error" not in res and "error" not in pipe:
            res["speedup_vs_pipeline"] = res["sentences_per_s"] / pipe["sentences_per_s"]
    candidates = {p: r for p, r in out["paths"].items() if p.startswith("predictor") and "error" not in r}
    if candidates and sizes:
        fastest = max(candidates, key=lambda p: candidates[p]["sentences_per_s"])
        out["scaling"] = run("scale", {"path": fastest, "model_dir": str(dirs[fastest]), "reports": reports,
                                       "threads": threads, "repeats": repeats, "batch_size": batch_size,
                                       "sizes": list(sizes)}, scratch)
    return out


def _goals(result: dict) -> dict:
    goals: dict = {}
    for label, ck in result["checkpoints"].items():
        paths = ck["paths"]
        int8, torch_, pipe = (paths.get(k, {}) for k in ("predictor-onnx-int8", "predictor-torch", "pipeline"))
        if all("sentences_per_s" in p for p in (int8, torch_, pipe)):
            speed = int8["sentences_per_s"] / pipe["sentences_per_s"]
            delta = 100 * (int8["f1"] - torch_["f1"])
            goals[f"{label}: int8 >= {GOALS['int8_vs_pipeline_speedup']}x pipeline at F1 within "
                  f"{GOALS['int8_f1_delta_points']} pt of torch"] = {
                "speedup": round(speed, 2), "f1_delta_points": round(delta, 2),
                "met": bool(speed >= GOALS["int8_vs_pipeline_speedup"] and abs(delta) <= GOALS["int8_f1_delta_points"])}
            student = paths.get("student-onnx-int8", {})
            if "sentences_per_s" in student:
                speed = student["sentences_per_s"] / pipe["sentences_per_s"]
                delta = 100 * (student["f1"] - torch_["f1"])
                goals[f"{label}: distilled student's int8 >= {GOALS['int8_vs_pipeline_speedup']}x this checkpoint's "
                      f"pipeline at F1 within {GOALS['int8_f1_delta_points']} pt of its torch (another checkpoint)"] = {
                    "student_model_dir": ck.get("student_model_dir"), "speedup": round(speed, 2),
                    "f1_delta_points": round(delta, 2),
                    "met": bool(speed >= GOALS["int8_vs_pipeline_speedup"]
                                and abs(delta) <= GOALS["int8_f1_delta_points"])}
        if label != "tiny":
            peaks = {p: r["peak_rss_mb"] for p, r in paths.items() if "peak_rss_mb" in r}
            if peaks:
                best = min((p for p in peaks if p.startswith("predictor")), key=peaks.get, default=None)
                goals[f"{label}: inference peak RSS < {GOALS['e5_peak_rss_mb']:.0f} MiB"] = {
                    "peak_rss_mb": peaks, "best_path": best,
                    "met": bool(best is not None and peaks[best] < GOALS["e5_peak_rss_mb"])}
    for name, tr in result.get("training", {}).items():
        ours, base = tr.get("ours", {}), tr.get("baseline", {})
        if "samples_per_s" in ours and "samples_per_s" in base:
            speed = ours["samples_per_s"] / base["samples_per_s"]
            goals[f"training {name}: ours >= {GOALS['training_speedup']}x baseline samples/s at equal F1"] = {
                "speedup": round(speed, 2), "f1_ours": round(ours["test_f1"], 4),
                "f1_baseline": round(base["test_f1"], 4),
                "met": bool(speed >= GOALS["training_speedup"] and ours["test_f1"] >= base["test_f1"] - 0.005)}
    return goals


def run_benchmark(
    model_dir: str | os.PathLike,
    data_dir: str | os.PathLike = "data/annotations",
    *,
    out_json: Optional[str | os.PathLike] = None,
    sizes: Sequence[int] = (1, 10, 100, 1000),
    max_sentences: Optional[int] = None,
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
    work_dir: Optional[str | os.PathLike] = None,
    verbose: bool = True,
) -> dict:
    """Benchmark the checkpoint ``model_dir`` (plus ``e5_model_dir`` when given) on ``data_dir``'s test split.

    ``max_sentences`` keeps the first N test sentences; ``train_steps`` updates for each trainer on the train
    split (``include_training=False`` skips training); ``threads`` torch/ORT threads in every path (default: all
    cores); ``isolate=False`` runs the paths in this process (faster, but peak RSS then mixes paths). Writes
    ``out_json`` (atomically) when given and returns the same dict.
    """
    data_dir = Path(data_dir)
    threads = threads or os.cpu_count() or 1
    test_path = _split_path(data_dir, "test")
    reports = load_reports(test_path, max_sentences)
    if not reports:
        raise ValueError(f"{test_path}: no sentences; expected a non-empty test split")
    run = _spawn if isolate else _in_process
    scratch = Path(tempfile.mkdtemp(prefix="war-ner-bench-", dir=work_dir))
    started = time.perf_counter()
    result: dict = {
        "command": " ".join(sys.argv) if sys.argv and sys.argv[0] else None,
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None},
        "settings": {"threads": threads, "repeats": repeats, "rounds": rounds, "batch_size": batch_size,
                     "train_seeds": list(train_seeds),
                     "sizes": list(sizes),
                     "max_sentences": max_sentences, "train_steps": train_steps, "isolated_processes": isolate,
                     "data_dir": str(data_dir)},
        "texts": {"reports": len(reports), "sentences": sum(len(r["sentences"]) for r in reports),
                  "characters": sum(len(r["text"]) for r in reports)},
        "checkpoints": {},
    }
    try:
        import onnxruntime
        import torch
        import transformers

        result["versions"] = {"torch": torch.__version__, "transformers": transformers.__version__,
                              "onnxruntime": onnxruntime.__version__}
        todo = [(_checkpoint_label(Path(model_dir)), Path(model_dir))]
        if e5_model_dir:
            todo.append(("e5-offline", Path(e5_model_dir)))
        for label, mdir in todo if include_inference else []:
            if verbose:
                print(f"[bench] inference: {label} ({mdir})", file=sys.stderr, flush=True)
            result["checkpoints"][label] = _bench_checkpoint(
                label, mdir, reports, run, scratch, threads=threads, repeats=repeats, rounds=rounds,
                batch_size=batch_size,
                sizes=sizes, quantize_options=quantize_options or {},
                student_dir=Path(student_model_dir) if student_model_dir and label == "e5-offline" else None)
        if include_training:
            result["training"] = {}
            spec = {"train": str(_split_path(data_dir, "train")), "test": str(test_path), "steps": train_steps,
                    "threads": threads, "work_dir": str(scratch)}
            for config in train_configs:
                name = Path(config).stem
                if verbose:
                    print(f"[bench] training: {name}, {train_steps} steps", file=sys.stderr, flush=True)
                runs: dict[str, list] = {"ours": [], "baseline": []}
                for seed in train_seeds:  # alternate the trainers seed by seed: load drift hits both
                    for key, kind in (("ours", "train-ours"), ("baseline", "train-baseline")):
                        runs[key].append(run(kind, {**spec, "config": str(config), "seed": seed}, scratch))
                result["training"][name] = {key: _merge_train_runs(rs, train_seeds) for key, rs in runs.items()}
        result["goals"] = _goals(result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["machine"]["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    result["seconds"] = round(time.perf_counter() - started, 1)
    if out_json:
        _write_json(Path(out_json), result)
    return result


# ---------------------------------------------------------------------------------------------------- table


def format_table(result: dict) -> str:
    """The benchmark as plain-text tables."""
    s = result["settings"]
    lines = [f"texts: {result['texts']['reports']} reports, {result['texts']['sentences']} sentences; threads "
             f"{s['threads']}; median of {s['repeats']} passes x {s.get('rounds', 1)} process round(s); batch size "
             f"{s['batch_size']}; load avg start {result['machine'].get('load_average_start')}, end "
             f"{result['machine'].get('load_average_end')}"]
    for label, ck in result["checkpoints"].items():
        lines.append(f"\n== inference: {label} ({ck['model_dir']}) ==")
        lines.append(f"{'path':22s} {'sent/s':>8s} {'x pipe':>7s} {'p50 ms':>8s} {'p95 ms':>8s} {'peak MB':>8s} "
                     f"{'F1':>7s} {'F1 sent':>7s} {'agree':>6s}")
        for path, r in ck["paths"].items():
            if "error" in r:
                lines.append(f"{path:22s} ERROR {r['error'][:200]}")
                continue
            f1s = r.get("f1_sentences")
            lines.append(
                f"{path:22s} {r['sentences_per_s']:8.1f} {r.get('speedup_vs_pipeline', float('nan')):7.2f} "
                f"{r['latency_ms_p50']:8.1f} {r['latency_ms_p95']:8.1f} {r['peak_rss_mb']:8.0f} {r['f1']:7.4f} "
                f"{(f'{f1s:7.4f}' if f1s is not None else '      -')} {r.get('tag_agreement_with_torch', 1.0):6.3f}")
        for name, e in ck["exports"].items():
            v = e["verify_vs_torch"]
            lines.append(f"  {name}: {e['model_mb']} MB, export {e['seconds']} s, max |logit diff| vs torch "
                         f"{v['max_abs_diff']:.2e}, argmax agreement {v['argmax_agreement']:.4f}")
        if ck.get("student_model_dir"):
            lines.append(f"  student-onnx-int8 is another checkpoint, {ck['student_model_dir']}, distilled from this one")
        sc = ck.get("scaling")
        if sc and "sizes" in sc:
            lines.append(f"scaling ({sc['path']}): " + "; ".join(
                f"{row['reports']} reports {row['wall_seconds']:.3f} s ({row['ms_per_report']:.2f} ms/report)"
                for row in sc["sizes"]))
        elif sc:
            lines.append(f"scaling: ERROR {sc.get('error', '')[:200]}")
    for name, tr in result.get("training", {}).items():
        seeds = next((r.get("seeds") for r in tr.values() if r.get("seeds")), None)
        lines.append(f"\n== training: {name} (seeds {seeds}; totals over seeds, mean F1) ==")
        lines.append(f"{'trainer':40s} {'steps':>5s} {'loop s':>7s} {'wall s':>7s} {'samples/s':>9s} "
                     f"{'pad eff':>7s} {'test F1':>7s}")
        for key, r in tr.items():
            if "error" in r:
                lines.append(f"{key:40s} ERROR {r['error'][:200]}")
                continue
            eff = r["real_tokens"] / max(r["padded_tokens"], 1)
            lines.append(f"{r['trainer'][:40]:40s} {r['steps']:5d} {r['loop_seconds']:7.2f} {r['wall_seconds']:7.2f} "
                         f"{r['samples_per_s']:9.1f} {eff:7.3f} {r['test_f1']:7.4f}")
    if result.get("goals"):
        lines.append("\n== goals ==")
        for name, g in result["goals"].items():
            detail = ", ".join(f"{k}={v}" for k, v in g.items() if k != "met")
            lines.append(f"[{'met' if g['met'] else 'NOT met'}] {name}: {detail}")
    return "\n".join(lines)


def _parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes {text!r}; expected comma-separated integers such as 1,10,100")
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"--sizes {text!r}; expected positive report counts")
    return sizes


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="checkpoint folder (written by `war-ner train`)")
    p.add_argument("--data", default="data/annotations", help="folder with train.jsonl and test.jsonl")
    p.add_argument("--out", default="outputs/bench.json", help="write the results JSON here")
    p.add_argument("--sizes", type=_parse_sizes, default=[1, 10, 100, 1000], help="report counts for scaling")
    p.add_argument("--no-training", action="store_true", help="skip the training comparison")
    p.add_argument("--train-steps", type=int, default=150, help="optimizer updates for each trainer")
    p.add_argument("--train-configs", default="configs/tiny.yaml",
                   help="comma-separated run configs to compare the trainers on (e.g. configs/e5-offline.yaml)")
    p.add_argument("--no-inference", action="store_true", help="only the training comparison")
    p.add_argument("--train-seeds", default="13", help="comma-separated seeds; F1 is averaged over them")
    p.add_argument("--e5-model", help="also benchmark this e5-offline checkpoint folder")
    p.add_argument("--student-model", help="with --e5-model: a smaller checkpoint distilled from it, run as int8 ONNX "
                                           "beside it (path student-onnx-int8)")
    p.add_argument("--threads", type=int, default=None, help="torch/ONNX Runtime threads (default: all cores)")
    p.add_argument("--repeats", type=int, default=3, help="timed passes over the texts per process")
    p.add_argument("--rounds", type=int, default=1,
                   help="fresh processes per path, interleaved across paths (robust to load drift)")
    p.add_argument("--max-sentences", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=32)


def run_from_args(args) -> int:
    if args.student_model and not args.e5_model:
        raise SystemExit("war-ner bench: --student-model needs --e5-model (the checkpoint it was distilled from); "
                         "its speed and F1 are compared with that checkpoint's pipeline and torch paths")
    result = run_benchmark(args.model, args.data, out_json=args.out, sizes=args.sizes, max_sentences=args.max_sentences,
                           train_steps=args.train_steps, include_training=not args.no_training,
                           include_inference=not args.no_inference,
                           train_configs=[c for c in args.train_configs.split(",") if c.strip()],
                           train_seeds=[int(x) for x in args.train_seeds.split(",") if x.strip()],
                           e5_model_dir=args.e5_model, student_model_dir=args.student_model,
                           threads=args.threads, repeats=args.repeats,
                           rounds=args.rounds,
                           batch_size=args.batch_size)
    print(format_table(result))
    print(f"\nwritten to {args.out}", file=sys.stderr)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        _write_json(Path(argv[2]), WORKERS[spec.pop("kind")](spec))
        return 0
    ap = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.split("\n\n")[0])
    add_arguments(ap)
    return run_from_args(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
