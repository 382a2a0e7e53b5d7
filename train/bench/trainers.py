"""The two trainers, same init, data, seed and number of updates: ours (``train.trainer.train``) and a
``transformers.Trainer`` baseline written the way ``run_ner.py`` is; samples/s, padding and test F1 of each."""
from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path
from typing import Sequence

from model.errors import MissingInput
from train.bench.system import memory_mb, set_threads


def resolve_config(path: str) -> Path:
    """A run config given on the command line: as given (absolute or from here), else in this package's checkout."""
    p = Path(path)
    if p.is_file():
        return p.resolve()
    beside = Path(__file__).resolve().parents[2] / path  # running from a checkout of the repository
    if not p.is_absolute() and beside.is_file():
        return beside
    raise MissingInput("no such run config", where=path, expected="a YAML run config for the training comparison",
                       fix="pass --train-configs PATH (e.g. configs/tiny.yaml of the repository) or --no-training")


def _overrides(spec: dict, output_dir: Path) -> list[str]:
    return [f"--data.train={spec['train']}", f"--data.test={spec['test']}", "--data.dev=[]",
            f"--train.output_dir={output_dir}", f"--train.max_steps={spec['steps']}", "--train.progress_bar=false",
            "--train.tensorboard=false", "--train.eval_every_epochs=1000000", f"--train.num_threads={spec['threads']}",
            *([f"--train.seed={spec['seed']}"] if spec.get("seed") is not None else []), *spec.get("overrides", [])]


def _run_config(spec: dict, out: Path):
    from train.config import load_config

    return load_config(resolve_config(spec["config"]), _overrides(spec, out))


def _test_f1(model_dir: Path, test_path: str, threads: int) -> float:
    from model.predictor import Predictor
    from train.data import load_any, to_example
    from train.evaluate import evaluate_predictor

    predictor = Predictor.from_pretrained(model_dir, num_threads=threads, engine="torch")
    return float(evaluate_predictor(predictor, [to_example(d) for d in load_any([test_path])])["strict"]["f1"])


def our_schedule(cfg, tokenizer_dir: Path, steps: int) -> dict:
    """Samples and tokens our trainer's batches held over ``steps`` updates: its batch order replayed through the
    same public functions (``train.batching``) from the same seeds."""
    from transformers import AutoTokenizer

    from model.encoding import arabert_preprocessor
    from train.augment import run_copies
    from train.batching import encode_features, epoch_batches
    from train.data import bio_labels, entity_types, load_any, to_example

    docs = load_any(cfg.data.train)
    labels = bio_labels(cfg.data.labels or entity_types(docs))
    docs = docs + run_copies(docs, cfg)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    prep = arabert_preprocessor(cfg.model.arabert_model) if cfg.model.preprocess == "arabert" else None
    feats = encode_features([to_example(d) for d in docs], tokenizer, {l: i for i, l in enumerate(labels)}, cfg, prep)
    lengths = [len(f["input_ids"]) for f in feats]
    tc = cfg.train
    samples = real = padded = done = epoch = 0
    while done < steps:
        batches = epoch_batches(lengths, tc.batch_size, tc.seed * 1000 + epoch, tc.group_by_length)
        for b in batches[: steps - done]:
            samples += len(b)
            real += sum(lengths[i] for i in b)
            padded += len(b) * max(lengths[i] for i in b)
        done += min(len(batches), steps - done)
        epoch += 1
    return {"samples": samples, "real_tokens": real, "padded_tokens": padded}


def train_ours_worker(spec: dict) -> dict:
    """Our trainer for ``spec['steps']`` updates."""
    set_threads(spec["threads"])
    from train.trainer import train

    out = Path(spec["work_dir"]) / "ours"
    shutil.rmtree(out, ignore_errors=True)
    cfg = _run_config(spec, out)
    t = time.perf_counter()
    metrics = train(cfg, run_name="bench")
    wall = time.perf_counter() - t
    sched = our_schedule(cfg, out / "state" / "tokenizer", metrics["global_steps"])
    loop = metrics["train_seconds_this_process"]
    return {"trainer": "ours", "steps": metrics["global_steps"], "loop_seconds": loop, "wall_seconds": round(wall, 3),
            **sched, "samples_per_s": sched["samples"] / loop, "group_by_length": cfg.train.group_by_length,
            "test_f1": _test_f1(out / "model", spec["test"], spec["threads"]), **memory_mb()}


def train_baseline_worker(spec: dict) -> dict:
    """``transformers.Trainer`` the way ``run_ner.py`` uses it, from the same init, data and seed."""
    set_threads(spec["threads"])
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
            "test_f1": _test_f1(work / "model", spec["test"], spec["threads"]), **memory_mb()}


def merge_train_runs(runs: list[dict], seeds: Sequence) -> dict:
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
