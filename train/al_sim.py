"""Active-learning simulation on the corpus: does choosing reports by the model's uncertainty beat chance?

The training reports are shuffled by seed; a model is trained on the first ``start`` share of them, then for
``rounds`` rounds another ``step`` share of the reports is added, chosen either by ``suggest``'s scoring (each
unlabelled report scored by the mean uncertainty of its sentences under the current model; the highest first) or
at random, and a model is trained afresh on the larger set. Dev F1 (strict, the best epoch) after each round is
the curve; the same seeds give both strategies the same starting set and the same round-0 model.
"""
from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from model.atomic import atomic_write_text
from train.corpus import Document, write_jsonl_atomic

STRATEGIES = ("uncertainty", "random")


def by_report(docs: Sequence[Document]) -> dict[str, list[Document]]:
    """Sentences grouped by ``meta.doc``, in corpus order."""
    out: dict[str, list[Document]] = {}
    for d in docs:
        out.setdefault(str(d.meta.get("doc", d.id)), []).append(d)
    return out


def report_uncertainty(predictor, reports: dict[str, list[Document]], method: str = "margin") -> dict[str, float]:
    """Each report's score: the mean of its sentences' uncertainty (``train.suggest``'s scoring)."""
    from train.suggest import Candidate, score

    cands = [Candidate(rid, k, d.text, 0, d.source) for rid, ds in reports.items() for k, d in enumerate(ds)]
    score(predictor, cands, method)
    sums: dict[str, list[float]] = {}
    for c in cands:
        sums.setdefault(c.report, []).append(c.uncertainty)
    return {rid: float(np.mean(v)) for rid, v in sums.items()}


def error_share(predictor, docs: Sequence[Document], top: int = 50, method: str = "margin") -> dict:
    """Does uncertainty point at the model's mistakes? Span errors (false positives + misses, exact offsets and
    label) in the ``top`` most uncertain sentences against the rest, and the F1 of each part."""
    from train.suggest import Candidate, score

    cands = [Candidate(str(d.meta.get("doc", d.id)), i, d.text, 0, d.source) for i, d in enumerate(docs)]
    score(predictor, cands, method)
    order = sorted(range(len(docs)), key=lambda i: -cands[i].uncertainty)

    def part(idx: Sequence[int]) -> dict:
        tp = fp = fn = 0
        for i in idx:
            gold = {(e.start, e.end, e.label) for e in docs[i].entities}
            got = {(e.start, e.end, e.label) for e in cands[i].entities}
            tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
        return {"sentences": len(idx), "errors": fp + fn, "f1": round(2 * tp / max(2 * tp + fp + fn, 1), 4)}

    first, rest = part(order[:top]), part(order[top:])
    share = first["errors"] / max(first["errors"] + rest["errors"], 1)
    return {"method": method, "top": first, "rest": rest, "error_share_top": round(share, 3)}


def pick(strategy: str, unlabelled: Sequence[str], k: int, rng: random.Random,
         scores: Optional[dict[str, float]] = None) -> list[str]:
    """``k`` reports: the highest scores (ties by id), or a seeded random sample.

    >>> pick("uncertainty", ["a", "b", "c"], 2, random.Random(0), {"a": 0.1, "b": 0.9, "c": 0.5})
    ['b', 'c']
    """
    if strategy == "random":
        return rng.sample(sorted(unlabelled), min(k, len(unlabelled)))
    assert scores is not None
    return sorted(unlabelled, key=lambda r: (-scores[r], r))[:k]


def _train(config: str, docs: Sequence[Document], out: Path, seed: int, overrides: Sequence[str]) -> dict:
    from train.config import load_config
    from train.trainer import train

    out.mkdir(parents=True, exist_ok=True)
    write_jsonl_atomic(out / "train.jsonl", docs)
    cfg = load_config(config, list(overrides) + [f"--data.train=[{out / 'train.jsonl'}]", f"--train.output_dir={out}",
                                                 f"--train.seed={seed}", "--train.overwrite=true",
                                                 "--train.progress_bar=false"])
    started = time.perf_counter()
    metrics = train(cfg, run_name="al-sim")
    return {"dev_f1": metrics["dev"]["strict"]["f1"], "test_f1": metrics["test"]["strict"]["f1"],
            "best_epoch": metrics["best_epoch"], "seconds": round(time.perf_counter() - started, 1)}


def simulate(config: str, train_docs: Sequence[Document], out_dir: str | Path, seeds: Sequence[int] = (1, 2, 3),
             start: float = 0.3, step: float = 0.1, rounds: int = 3, method: str = "margin",
             overrides: Sequence[str] = (), full_reference: bool = True, log=print) -> dict:
    """Run the simulation; return every run's figures and a per-round summary (see the module doc)."""
    from model.predictor import Predictor

    out_dir = Path(out_dir)
    reports = by_report(train_docs)
    ids = sorted(reports)
    n_start, n_step = round(start * len(ids)), round(step * len(ids))
    runs: list[dict] = []
    began = time.perf_counter()

    def row(seed: int, strategy: str, rnd: int, chosen: list[str], res: dict) -> dict:
        docs = [d for r in chosen for d in reports[r]]
        return {"seed": seed, "strategy": strategy, "round": rnd, "reports": len(chosen), "sentences": len(docs),
                "entities": sum(len(d.entities) for d in docs), **res}

    for seed in seeds:
        order = ids[:]
        random.Random(seed).shuffle(order)
        initial = order[:n_start]
        res0 = _train(config, [d for r in initial for d in reports[r]], out_dir / f"s{seed}" / "r0", seed, overrides)
        log(f"seed {seed} round 0: {len(initial)} reports, dev F1 {res0['dev_f1']:.4f} ({res0['seconds']} s)")
        for strategy in STRATEGIES:
            runs.append(row(seed, strategy, 0, initial, res0))
            labelled, model_dir = list(initial), out_dir / f"s{seed}" / "r0" / "model"
            rng = random.Random(seed * 1000 + 7)
            for rnd in range(1, rounds + 1):
                unlabelled = [r for r in ids if r not in set(labelled)]
                scores = None
                if strategy == "uncertainty":
                    predictor = Predictor.from_pretrained(model_dir)
                    scores = report_uncertainty(predictor, {r: reports[r] for r in unlabelled}, method)
                labelled += pick(strategy, unlabelled, n_step, rng, scores)
                run_dir = out_dir / f"s{seed}" / f"{strategy}-r{rnd}"
                res = _train(config, [d for r in labelled for d in reports[r]], run_dir, seed, overrides)
                model_dir = run_dir / "model"
                runs.append(row(seed, strategy, rnd, labelled, res))
                log(f"seed {seed} {strategy} round {rnd}: {len(labelled)} reports, {runs[-1]['sentences']} "
                    f"sentences, dev F1 {res['dev_f1']:.4f} ({res['seconds']} s)")
        if full_reference:
            res = _train(config, list(train_docs), out_dir / f"s{seed}" / "all", seed, overrides)
            runs.append(row(seed, "all", -1, ids, res))
            log(f"seed {seed} all {len(ids)} reports: dev F1 {res['dev_f1']:.4f} ({res['seconds']} s)")
    return {"config": config, "overrides": list(overrides), "method": method, "report_score": "mean sentence "
            f"uncertainty ({method})", "seeds": list(seeds), "train_reports": len(ids), "start_reports": n_start,
            "step_reports": n_step, "rounds": rounds, "runs": runs, "summary": summarise(runs),
            "wall_seconds": round(time.perf_counter() - began, 1)}


def summarise(runs: Sequence[dict]) -> dict:
    """Per strategy and round: mean, min and max over seeds of dev and test F1, reports and sentences."""
    out: dict = {}
    for strategy in sorted({r["strategy"] for r in runs}):
        rows = []
        for rnd in sorted({r["round"] for r in runs if r["strategy"] == strategy}):
            sel = [r for r in runs if r["strategy"] == strategy and r["round"] == rnd]
            rows.append({"round": rnd, "reports": round(float(np.mean([r["reports"] for r in sel])), 1),
                         "sentences": round(float(np.mean([r["sentences"] for r in sel])), 1),
                         **{f"{k}_{stat}": round(float(fn([r[k] for r in sel])), 4)
                            for k in ("dev_f1", "test_f1") for stat, fn in (("mean", np.mean), ("min", np.min),
                                                                             ("max", np.max))}})
        out[strategy] = rows
    return out


def plot(results: dict, png: str | Path) -> None:
    """Dev F1 per round, mean over seeds with the min-max band and each seed's curve faint."""
    from model.errors import require

    require("matplotlib", "annotate", "the active-learning plot")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    total = results["train_reports"]
    colours = {"uncertainty": "#d62728", "random": "#1f77b4"}
    for strategy in STRATEGIES:
        rows = results["summary"].get(strategy, [])
        x = [100 * r["reports"] / total for r in rows]
        ax.plot(x, [r["dev_f1_mean"] for r in rows], "o-", color=colours[strategy],
                label=f"{strategy} (mean of {len(results['seeds'])} seeds)")
        ax.fill_between(x, [r["dev_f1_min"] for r in rows], [r["dev_f1_max"] for r in rows],
                        color=colours[strategy], alpha=0.15)
        for seed in results["seeds"]:
            mine = sorted((r for r in results["runs"] if r["strategy"] == strategy and r["seed"] == seed),
                          key=lambda r: r["round"])
            ax.plot([100 * r["reports"] / total for r in mine], [r["dev_f1"] for r in mine], "-",
                    color=colours[strategy], alpha=0.25, linewidth=0.8)
    full = results["summary"].get("all")
    if full:
        ax.axhline(full[0]["dev_f1_mean"], color="grey", linestyle="--", linewidth=1,
                   label=f"all {total} training reports")
    ax.set_xlabel(f"training reports annotated (% of {total})")
    ax.set_ylabel("dev F1 (strict, best epoch)")
    ax.set_title(f"Active learning, {Path(results['config']).name} {' '.join(results['overrides'])}".strip(),
                 fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)
    plt.close(fig)


def write_results(results: dict, path: str | Path) -> None:
    atomic_write_text(path, json.dumps(results, indent=1) + "\n")


def quiet_training_logs() -> None:
    """Keep the trainer's per-epoch INFO lines out of the simulation's output."""
    logging.basicConfig(level=logging.WARNING)
