"""CLI commands on the inference side: ``extract``, ``events``, ``export-onnx``, ``bench``."""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence


@dataclass
class Report:
    """One input report: its text, where it came from, and its date when the input gives one."""

    id: str
    text: str
    date: Optional[str] = None
    entities: list = field(default_factory=list)


def read_inputs(paths: Sequence[str], default_date: Optional[str] = None) -> list[Report]:
    """``.txt`` files (one report each), ``.jsonl`` files (``text``, optional ``id``, ``date``), or ``-`` (stdin)."""
    reports: list[Report] = []
    for p in paths:
        if p == "-":
            reports.append(Report("stdin", sys.stdin.read(), default_date))
            continue
        path = Path(p)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file; expected a .txt report, a .jsonl file or -")
        if path.suffix.lower() == ".jsonl":
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                except ValueError as exc:
                    raise ValueError(f"{path}:{n}: invalid JSON ({exc}); expected one object per line") from None
                if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
                    raise ValueError(f"{path}:{n}: expected an object with a string field 'text'")
                meta = raw.get("meta") if isinstance(raw.get("meta"), dict) else {}
                reports.append(Report(str(raw.get("id", f"{path.stem}-{n}")), raw["text"],
                                      raw.get("date") or meta.get("date") or default_date))
        else:
            reports.append(Report(path.stem, path.read_text(encoding="utf-8"), default_date))
    return reports


@contextlib.contextmanager
def _output(out: Optional[str]) -> Iterator[io.TextIOBase]:
    """stdout, or a file written through a temporary so an error never leaves half an output."""
    if not out:
        yield sys.stdout
        return
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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


def extract(model_dir: str, inputs: Sequence[str], *, date: Optional[str] = None, fmt: str = "jsonl",
            out: Optional[str] = None, batch_size: int = 32) -> int:
    """Predict entities in every input report, build event records (with the checkpoint's event heads when it
    has them), write them; return the record count."""
    from model.predictor import Predictor

    reports = read_inputs(inputs, date)
    predictor = Predictor.from_pretrained(model_dir, batch_size=batch_size)
    records = []
    for rep in reports:
        rep.entities, recs = predictor.extract_all(rep.text, rep.date, rep.id)
        records.append(recs)
    return write_records(reports, records, fmt, out)


def events_from_gold(paths: Sequence[str], *, fmt: str = "jsonl", out: Optional[str] = None) -> int:
    """Event records from the entities already in annotation files (no model): the rules on gold input."""
    from model.events import build_events
    from train.data import load_any

    reports = [Report(d.id, d.text, d.meta.get("date"), d.entities) for d in load_any(paths)]
    records = [build_events(r.text, r.entities, r.date, source_id=r.id) for r in reports]
    return write_records(reports, records, fmt, out)


def _extract(args) -> int:
    n = extract(args.model, args.inputs, date=args.date, fmt=args.format, out=args.out, batch_size=args.batch_size)
    print(f"{n} event record(s)", file=sys.stderr)
    return 0


def _events(args) -> int:
    n = events_from_gold(args.inputs, fmt=args.format, out=args.out)
    print(f"{n} event record(s)", file=sys.stderr)
    if args.casualty_fields:
        from train.event_eval import casualty_field_accuracy

        report = casualty_field_accuracy(args.inputs, args.casualty_fields)
        print(json.dumps({k: v for k, v in report.items() if k != "errors"}, indent=2), file=sys.stderr)
        for err in report["errors"]:
            print(json.dumps(err, ensure_ascii=False), file=sys.stderr)
    return 0


def _evaluate_events(args) -> int:
    from train.data import load_any
    from train.incidents import read_layer
    from train.score_events import evaluate_events

    if not args.model and not args.gold_entities:
        print("evaluate-events: give --model DIR (records from the model), --gold-entities (the rules alone on the "
              "gold entities) or both (gold entities with the model's event heads)", file=sys.stderr)
        return 2
    layer_path = Path(args.incidents) if args.incidents else Path(args.inputs[0]).parent / "layers" / "incidents.jsonl"
    if not layer_path.is_file():
        print(f"evaluate-events: {layer_path}: no incident layer; expected layers/incidents.jsonl beside the data "
              "or --incidents FILE", file=sys.stderr)
        return 2
    layer, problems = read_layer(layer_path)
    if problems:
        print("\n".join(map(str, problems)), file=sys.stderr)
        return 1
    records_for = None
    if args.model:
        from model.predictor import Predictor

        predictor = Predictor.from_pretrained(args.model)
        if args.gold_entities:
            records_for = lambda text, gold, date, rid: predictor.events(text, gold, date, rid)  # noqa: E731
        else:
            records_for = lambda text, gold, date, rid: predictor.extract(text, date, rid)  # noqa: E731
    metrics = evaluate_events(load_any(args.inputs), layer, records_for)
    summary = {k: v for k, v in metrics.items() if k != "errors"}
    print(json.dumps(summary, indent=2))
    if args.out:
        from train.corpus import atomic_write_text

        atomic_write_text(args.out, json.dumps(metrics, indent=2, ensure_ascii=False))
    return 0


def _export_onnx(args) -> int:
    from model.onnx_export import export_onnx

    out = export_onnx(args.model, args.out, quantize=args.quantize, opset=args.opset)
    info = json.loads((out / "onnx_export.json").read_text(encoding="utf-8"))
    check = info["verify_vs_torch"]
    print(f"{out}: model.onnx {info['model_bytes'] / 2**20:.1f} MB ({args.quantize or 'fp32'}); logits vs torch: "
          f"max |diff| {check['max_abs_diff']:.2e}, argmax agreement {check['argmax_agreement']:.4f}",
          file=sys.stderr)
    return 0


def _bench_module():
    """``scripts/bench.py`` (it sits beside the packages in the repository and is not installed)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "scripts" / "bench.py").exists():
        raise FileNotFoundError(f"{root / 'scripts' / 'bench.py'} not found; run `war-ner bench` from a checkout "
                                "of the repository (the benchmark script is not part of the installed package)")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import scripts.bench

    return scripts.bench


def _bench(args) -> int:
    return _bench_module().run_from_args(args)


def add_commands(sub) -> None:
    """Register the inference-side subcommands."""
    p = sub.add_parser("extract", help="raw report text -> entities -> event records (jsonl, csv or html)")
    p.add_argument("--model", required=True)
    p.add_argument("--date", help="report date YYYY-MM-DD (anchors اليوم، أمس، weekdays)")
    p.add_argument("--format", choices=["jsonl", "csv", "html"], default="jsonl")
    p.add_argument("--out", help="write here instead of stdout")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("inputs", nargs="+", help=".txt, .jsonl (text, optional id, date) or - for stdin")
    p.set_defaults(func=_extract)

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

    # ---- export-onnx, bench (model/onnx_export.py, scripts/bench.py) ----
    p = sub.add_parser("export-onnx", help="checkpoint -> ONNX folder (fp32 or dynamic int8) for ONNX Runtime")
    p.add_argument("--model", required=True, help="checkpoint folder written by `war-ner train`")
    p.add_argument("--out", required=True, help="ONNX folder to write (replaced atomically)")
    p.add_argument("--quantize", choices=["int8"], help="dynamic int8 quantisation of the weights")
    p.add_argument("--opset", type=int, default=17)
    p.set_defaults(func=_export_onnx)

    p = sub.add_parser("bench", help="inference paths, training and scaling benchmark; table + JSON")
    try:
        _bench_module().add_arguments(p)
    except (FileNotFoundError, ImportError):
        p.add_argument("rest", nargs="*", help="scripts/bench.py is not available in this installation")
    p.set_defaults(func=_bench)

    # (further inference-side commands go here)
