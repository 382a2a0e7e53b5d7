"""CLI: ``evaluate-geo`` (the geocoder against a gold places layer; ``train/geo_eval.py``)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT_DATA = ("data/annotations/dev.jsonl", "data/annotations/test.jsonl")


def _evaluate_geo(args) -> int:
    from model.atomic import atomic_write_text, check_target
    from model.errors import MissingInput
    from train.data import load_any
    from train.geo_eval import build_reports, evaluate_geo, measure_load, measure_lookup, read_gold
    from train.incidents import read_layer

    if args.out:
        check_target(args.out)
    gold = read_gold(args.gold)  # bad input fails before the gazetteer loads
    docs = load_any(args.data)
    layer_path = Path(args.incidents) if args.incidents else Path(args.gold).parent / "incidents.jsonl"
    if args.incidents and not layer_path.is_file():
        raise MissingInput("no such file", where=str(layer_path), expected="a JSONL incident layer",
                           fix="check the --incidents path")
    incidents = read_layer(layer_path)[0] if layer_path.is_file() else []
    reports = build_reports(docs)
    load = measure_load()  # before any lookup: the gazetteer's first load in this process is what is measured
    report = evaluate_geo(gold, reports, incidents)
    report["cost"] = {"gazetteer_load": load, "lookup": measure_lookup(reports)}
    if args.out:
        atomic_write_text(args.out, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    summary = {k: v for k, v in report.items() if k != "errors"}
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"{len(report['errors'])} line(s) with a different id or precision"
          + (f" (listed in {args.out})" if args.out else " (--out FILE lists them)"), file=sys.stderr)
    return 0


def add_commands(sub) -> None:
    """Register ``evaluate-geo``."""
    p = sub.add_parser("evaluate-geo", help="score the geocoder (GeoNames ids, ACLED geo_precision) against a "
                       "gold places layer; lookup cost and gazetteer memory")
    p.add_argument("gold", help="the places layer (data/annotations/layers/places.jsonl)")
    p.add_argument("--data", nargs="+", default=list(DEFAULT_DATA),
                   help="annotated JSONL files holding the gold lines' reports (default: dev and test)")
    p.add_argument("--incidents", help="the incident layer (default: incidents.jsonl beside the gold layer)")
    p.add_argument("--out", help="write the metrics JSON (with every disagreement) here")
    p.set_defaults(func=_evaluate_geo)
