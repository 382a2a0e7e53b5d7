"""Active-learning simulation (train/al_sim.py): uncertainty-chosen vs random reports, dev F1 per round.

    python scripts/al_sim.py --config configs/tiny.yaml --seeds 1 2 3 --out outputs/annotate/al_sim \
        --json docs/al_sim.json --png docs/al_sim.png -- --train.epochs=15

Arguments after ``--`` override the config (``--section.key=value``), as for ``war-ner train``. With
``--error-share MODEL`` it only measures how many of MODEL's span errors on ``--data`` fall in the ``--top``
most uncertain sentences:

    python scripts/al_sim.py --error-share outputs/e5-offline/onnx-int8 --data data/annotations/test.jsonl
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train import al_sim  # noqa: E402
from train.data import load_any  # noqa: E402


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    overrides = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/tiny.yaml")
    ap.add_argument("--train", nargs="+", default=["data/annotations/train.jsonl"], help="the pool of reports")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--start", type=float, default=0.3, help="share of the reports to start from")
    ap.add_argument("--step", type=float, default=0.1, help="share of the reports added per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--method", choices=["margin", "entropy"], default="margin")
    ap.add_argument("--no-full", action="store_true", help="skip the reference run on all training reports")
    ap.add_argument("--out", default="outputs/annotate/al_sim", help="run folders")
    ap.add_argument("--json", default="docs/al_sim.json")
    ap.add_argument("--png", default="docs/al_sim.png")
    ap.add_argument("--error-share", metavar="MODEL", help="only measure MODEL's errors by uncertainty on --data")
    ap.add_argument("--data", default="data/annotations/test.jsonl")
    ap.add_argument("--top", type=int, default=50)
    args = ap.parse_args(argv)
    if args.error_share:
        import json

        from model.predictor import Predictor

        predictor = Predictor.from_pretrained(args.error_share)
        for method in ("margin", "entropy"):
            print(json.dumps(al_sim.error_share(predictor, load_any([args.data]), args.top, method)))
        return 0
    al_sim.quiet_training_logs()
    results = al_sim.simulate(args.config, load_any(args.train), args.out, args.seeds, args.start, args.step,
                              args.rounds, args.method, overrides, not args.no_full,
                              log=lambda m: print(m, flush=True))
    al_sim.write_results(results, args.json)
    al_sim.plot(results, args.png)
    for strategy, rows in results["summary"].items():
        for r in rows:
            print(f"{strategy:12s} round {r['round']:2d} reports {r['reports']:6.1f} sentences {r['sentences']:7.1f} "
                  f"dev F1 {r['dev_f1_mean']:.4f} [{r['dev_f1_min']:.4f}, {r['dev_f1_max']:.4f}] "
                  f"test F1 {r['test_f1_mean']:.4f}")
    print(f"wall {results['wall_seconds']} s -> {args.json}, {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
