"""CLI commands on the inference side: ``events``, ``export-onnx``, ``bench`` (``extract``: ``cli_extract``)."""
from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Iterator, Optional, Sequence

from model.atomic import atomic_open, check_target
from model.reports import Report


@contextlib.contextmanager
def _output(out: Optional[str]) -> Iterator[io.TextIOBase]:
    """stdout, or a file written through a temporary so an error never leaves half an output."""
    if not out:
        yield sys.stdout
        return
    with atomic_open(out, newline="") as fh:
        yield fh


def write_records(reports: Sequence[Report], records: Sequence[list], fmt: str, out: Optional[str]) -> int:
    """Write event records as jsonl, csv (ACLED columns) or one self-contained html page; return the count."""
    from model.export import render_html, write_csv, write_jsonl

    flat = [r for recs in records for r in recs]
    with _output(out) as fh:
        if fmt == "jsonl":
            write_jsonl(flat, fh)
        elif fmt == "csv":
            write_csv(flat, fh)
        else:
            fh.write(render_html([(rep.text, rep.entities, recs) for rep, recs in zip(reports, records)],
                                 "war-ner: event records"))
    return len(flat)


def events_from_gold(paths: Sequence[str], *, fmt: str = "jsonl", out: Optional[str] = None) -> int:
    """Event records from the entities already in annotation files (no model): the rules on gold input."""
    from model.events import build_events
    from train.data import load_any

    reports = [Report(d.id, d.text, d.meta.get("date"), d.entities) for d in load_any(paths)]
    records = [build_events(r.text, r.entities, r.date, source_id=r.id) for r in reports]
    return write_records(reports, records, fmt, out)


def _events(args) -> int:
    if args.out:
        check_target(args.out)
    gold_fields = None
    if args.casualty_fields:  # read first: a bad layer must not leave the records written and then fail
        from train.event_eval import read_casualty_fields

        gold_fields = read_casualty_fields(args.casualty_fields)
    n = events_from_gold(args.inputs, fmt=args.format, out=args.out)
    print(f"{n} event record(s)", file=sys.stderr)
    if gold_fields is not None:
        from train.event_eval import casualty_field_accuracy

        report = casualty_field_accuracy(args.inputs, gold_fields)
        print(json.dumps({k: v for k, v in report.items() if k != "errors"}, indent=2), file=sys.stderr)
        for err in report["errors"]:
            print(json.dumps(err, ensure_ascii=False), file=sys.stderr)
    return 0


def _evaluate_events(args) -> int:
    from model.errors import InputError, MissingInput
    from train.cli_checks import checkpoint_dir
    from train.corpus import first_problem
    from train.data import load_any
    from train.incidents import read_layer
    from train.score_events import evaluate_events

    if not args.model and not args.gold_entities:
        raise InputError("neither --model nor --gold-entities", expected="--model DIR (records from the model), "
                         "--gold-entities (the rules alone on the gold entities) or both (gold entities with the "
                         "model's event heads)")
    if args.model:
        checkpoint_dir(args.model)
    if args.out:
        check_target(args.out)
    layer_path = Path(args.incidents) if args.incidents else Path(args.inputs[0]).parent / "layers" / "incidents.jsonl"
    if not args.incidents and not layer_path.is_file():
        raise MissingInput("no incident layer beside the data", where=str(layer_path),
                           expected="layers/incidents.jsonl beside the first input", fix="pass --incidents FILE")
    layer, problems = read_layer(layer_path)
    if problems:
        raise InputError(first_problem(problems, f"war-ner validate {Path(layer_path).parent.parent}"))
    if not layer:
        raise InputError("no incident (the layer is empty)", where=str(layer_path),
                         expected="a JSONL incident layer with one incident object per line")
    docs = load_any(args.inputs)  # before the model: bad data fails in a second
    records_for = None
    if args.model:
        from model.predictor import Predictor

        predictor = Predictor.from_pretrained(args.model)
        if args.gold_entities:
            records_for = lambda text, gold, date, rid: predictor.events(text, gold, date, rid)  # noqa: E731
        else:
            records_for = lambda text, gold, date, rid: predictor.extract(text, date, rid)  # noqa: E731
    metrics = evaluate_events(docs, layer, records_for)
    if args.model:  # what ran: the checkpoint's onnx-int8/ export when it has an up-to-date one
        metrics["engine"], metrics["engine_dir"] = predictor.engine, str(predictor.model_dir)
    summary = {k: v for k, v in metrics.items() if k != "errors"}
    print(json.dumps(summary, indent=2))
    if args.out:
        from train.corpus import atomic_write_text

        atomic_write_text(args.out, json.dumps(metrics, indent=2, ensure_ascii=False))
    return 0


def _export_onnx(args) -> int:
    from model.errors import InputError, require
    from train.cli_checks import checkpoint_dir

    for module in ("onnxruntime", "onnx"):  # checked now: the export needs both, after minutes of tracing
        require(module, "onnx", "`war-ner export-onnx`")
    if (Path(args.model) / "model.onnx").exists():
        raise InputError("is already an ONNX folder", where=f"--model {args.model}", expected="the torch checkpoint "
                         "folder it was exported from (with model.safetensors)")
    model = checkpoint_dir(args.model)
    if Path(args.out).resolve() == model.resolve():
        raise InputError("--out is the --model folder", where=str(args.out), expected="a new folder for the ONNX "
                         "files (--out replaces its folder)", fix="choose another --out")
    check_target(args.out, "--out", folder=True)
    from model.onnx_export import export_onnx
    from model.quantize import options_from_args

    out = export_onnx(args.model, args.out, opset=args.opset, **options_from_args(args))
    info = json.loads((out / "onnx_export.json").read_text(encoding="utf-8"))
    check = info["verify_vs_torch"]
    print(f"{out}: model.onnx {info['model_bytes'] / 2**20:.1f} MB ({args.quantize or 'fp32'}); logits vs torch: "
          f"max |diff| {check['max_abs_diff']:.2e}, argmax agreement {check['argmax_agreement']:.4f}",
          file=sys.stderr)
    return 0


def _bench(args) -> int:
    from train.bench.cli import run_from_args

    return run_from_args(args)


def add_commands(sub) -> None:
    """Register the inference-side subcommands."""
    p = sub.add_parser("events", help="event records from the gold entities of annotation files (no model)")
    p.add_argument("--format", choices=["jsonl", "csv", "html"], default="jsonl")
    p.add_argument("--out")
    p.add_argument("--casualty-fields", help="score casualty fields against this annotation layer "
                   "(data/annotations/layers/casualty_fields.jsonl); printed to stderr")
    p.add_argument("inputs", nargs="+")
    p.set_defaults(func=_events)

    p = sub.add_parser("evaluate-events", help="score event records against the incident layer "
                       "(incident P/R/F1, field accuracy on paired incidents)")
    p.add_argument("--model", help="checkpoint folder: records from its predicted entities")
    p.add_argument("--gold-entities", action="store_true", help="records from the gold entities (with --model: "
                   "and the model's event heads; alone: the rules alone)")
    p.add_argument("--incidents", help="the layer (default: layers/incidents.jsonl beside the first input)")
    p.add_argument("--out", help="write the metrics JSON (with the errors) here")
    p.add_argument("inputs", nargs="+", help="annotated JSONL files (sentences with meta.doc)")
    p.set_defaults(func=_evaluate_events)

    # ---- export-onnx, bench (model/onnx_export.py + model/quantize.py, train/bench/) ----
    from model.quantize import add_arguments as add_quantize_arguments
    from train.bench.cli import add_arguments as add_bench_arguments

    p = sub.add_parser("export-onnx", help="checkpoint -> ONNX folder (fp32, dynamic or static int8) for ONNX Runtime")
    p.add_argument("--model", required=True, help="checkpoint folder written by `war-ner train`")
    p.add_argument("--out", required=True, help="ONNX folder to write (replaced atomically)")
    add_quantize_arguments(p)
    p.add_argument("--opset", type=int, default=17, choices=range(14, 21), metavar="{14..20}",
                   help="ONNX opset (default 17)")
    p.set_defaults(func=_export_onnx)

    p = sub.add_parser("bench", help="inference paths, training and scaling benchmark; table + JSON")
    add_bench_arguments(p)
    p.set_defaults(func=_bench)

    # (further inference-side commands go here)
