"""``war-ner bench``: its options (goal thresholds among them) and the thin call into ``run_benchmark``."""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence



def _parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes {text!r}; expected comma-separated integers such as 1,10,100")
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"--sizes {text!r}; expected positive report counts")
    return sizes


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Every option of ``war-ner bench``."""
    from model.quantize import add_arguments as add_quantize_arguments
    from train.bench.goals import Goals

    p.add_argument("--model", required=True, help="checkpoint folder (written by `war-ner train`)")
    p.add_argument("--data", default="data/annotations", help="folder with train.jsonl and test.jsonl")
    p.add_argument("--out", default="outputs/bench.json", help="write the results JSON here")
    p.add_argument("--sizes", type=_parse_sizes, default=[1, 10, 100, 1000], help="report counts for scaling")
    p.add_argument("--long-words", type=int, default=1000,
                   help="reports of at least this many words (any split) give the long-report cost; 0: skip")
    p.add_argument("--no-training", action="store_true", help="skip the training comparison")
    p.add_argument("--train-steps", type=int, default=150, help="optimizer updates for each trainer")
    p.add_argument("--train-configs", default="configs/tiny.yaml",
                   help="comma-separated run configs to compare the trainers on (e.g. configs/e5-offline.yaml)")
    p.add_argument("--no-inference", action="store_true", help="only the training comparison")
    p.add_argument("--train-seeds", default="13", help="comma-separated seeds; F1 is averaged over them")
    p.add_argument("--e5-model", help="also benchmark this e5-offline checkpoint folder")
    p.add_argument("--student-model", help="a smaller checkpoint distilled from --e5-model (or, without it, from "
                                           "--model), run as fp32 and int8 ONNX beside it (student-onnx-*) and "
                                           "compared with its teacher's pipeline and torch paths")
    p.add_argument("--threads", type=int, default=None, help="torch/ONNX Runtime threads (default: all cores)")
    p.add_argument("--repeats", type=int, default=3, help="timed passes over the texts per process")
    p.add_argument("--rounds", type=int, default=1,
                   help="fresh processes per path, interleaved across paths (robust to load drift)")
    p.add_argument("--max-sentences", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=32)
    q = p.add_argument_group("the int8 paths' export (as war-ner export-onnx; --calibration defaults to the "
                             "--data folder's train.jsonl)")
    add_quantize_arguments(q, default="int8", smooth=0.75)
    g = p.add_argument_group("goals (a run reports whether each is met)")
    d = Goals()
    g.add_argument("--goal-speedup", type=float, default=d.speedup,
                   help="the fast path's sentences/s over the pipeline's (default %(default)s)")
    g.add_argument("--goal-f1-delta", type=float, default=d.f1_delta_points,
                   help="largest |F1 - torch F1| in points for a fast path (default %(default)s)")
    g.add_argument("--goal-peak-rss-mb", type=float, default=d.peak_rss_mb,
                   help="the fast path's peak RSS (default %(default)s)")
    g.add_argument("--goal-scaling-ratio", type=float, default=d.scaling_ratio,
                   help="largest over smallest ms per report across --sizes (default %(default)s)")
    g.add_argument("--goal-training-speedup", type=float, default=d.training_speedup,
                   help="our trainer's samples/s over the baseline's (default %(default)s)")
    g.add_argument("--goal-records-ratio", type=float, default=d.records_ratio,
                   help="text -> event records over NER alone on the same int8 export (default %(default)s)")


def run_from_args(args) -> int:
    """Run the benchmark the parsed options describe; print the tables; return the exit status."""
    from model.quantize import options_from_args
    from train.bench.goals import Goals
    from train.bench.report import format_table
    from train.bench.run import run_benchmark

    if args.calibration is None and (args.smooth is not None or args.quantize == "int8-static"):
        from pathlib import Path

        args.calibration = str(Path(args.data) / "train.jsonl")
    goals = Goals(speedup=args.goal_speedup, f1_delta_points=args.goal_f1_delta, peak_rss_mb=args.goal_peak_rss_mb,
                  scaling_ratio=args.goal_scaling_ratio, training_speedup=args.goal_training_speedup,
                  records_ratio=args.goal_records_ratio)
    result = run_benchmark(args.model, args.data, out_json=args.out, sizes=args.sizes, max_sentences=args.max_sentences,
                           long_words=args.long_words, train_steps=args.train_steps,
                           include_training=not args.no_training, include_inference=not args.no_inference,
                           train_configs=[c for c in args.train_configs.split(",") if c.strip()],
                           train_seeds=[int(x) for x in args.train_seeds.split(",") if x.strip()],
                           e5_model_dir=args.e5_model, student_model_dir=args.student_model,
                           threads=args.threads, repeats=args.repeats, rounds=args.rounds,
                           batch_size=args.batch_size, quantize_options=options_from_args(args), goals=goals)
    print(format_table(result))
    print(f"\nwritten to {args.out}", file=sys.stderr)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m train.bench`` (the same options as ``war-ner bench``)."""
    ap = argparse.ArgumentParser(prog="python -m train.bench", description="inference paths, training and scaling "
                                 "benchmark; table + JSON")
    add_arguments(ap)
    return run_from_args(ap.parse_args(argv))
