"""``war-ner extract``: report archives -> entities -> event records (``train/batch`` does the work)."""
from __future__ import annotations

import sys

from train.batch.inputs import INPUT_HELP
from train.cli_checks import positive_int


def _extract(args) -> int:
    from train.batch import extract

    try:
        summary = extract(args.model, args.inputs, date=args.date, fmt=args.format, out=args.out,
                          batch_size=args.batch_size, workers=args.workers, threads=args.threads,
                          engine=args.engine, address=args.address, overwrite=args.overwrite,
                          stdin_format=args.stdin_format, progress=False if args.quiet else None)
    except KeyboardInterrupt:
        resumable = args.out and args.format != "html" and args.engine == "local"
        print("war-ner extract: interrupted" + ("; what was written is kept: rerun the same command to resume"
                                                if resumable else ""), file=sys.stderr)
        return 130
    reports = f" from {summary.reports + summary.skipped} report(s)" if summary.reports >= 0 else ""
    skipped = f" ({summary.skipped} already done before this run)" if summary.skipped else ""
    print(f"{summary.records} event record(s){reports}{skipped}", file=sys.stderr)
    return 0


def add_commands(sub) -> None:
    """Register ``extract``."""
    p = sub.add_parser("extract", help="report archives -> entities -> event records (jsonl, csv or html); "
                       "streams, resumes, runs on N processes or a Ray cluster")
    p.add_argument("--model", required=True, help="checkpoint folder (war-ner train) or its ONNX export")
    p.add_argument("--date", help="report date YYYY-MM-DD for reports without one (anchors اليوم، أمس، weekdays)")
    p.add_argument("--format", choices=["jsonl", "csv", "html"], default="jsonl",
                   help="jsonl and csv stream and resume; html needs every report first (no resume)")
    p.add_argument("--out", help="write here instead of stdout; rerun with the same --out to resume "
                   "(with --engine ray: a folder of JSONL shards)")
    p.add_argument("--overwrite", action="store_true", help="start --out again instead of resuming it")
    p.add_argument("--workers", type=positive_int, help="local: N processes, each loading the model once (default 1); "
                   "ray: N actors (default: the cluster's CPUs / --threads)")
    p.add_argument("--threads", type=positive_int, help="intra-op threads per process (default: the cores shared out)")
    p.add_argument("--engine", choices=["local", "ray"], default="local")
    p.add_argument("--address", help="with --engine ray: the cluster (ray://HOST:10001 or HOST:6379; default: "
                   "start a local Ray)")
    p.add_argument("--stdin-format", choices=["text", "jsonl"], default="text",
                   help="what - reads: one text report (default) or JSON Lines of reports")
    p.add_argument("--quiet", action="store_true", help="no progress bar (there is none when stderr is not a "
                   "terminal)")
    p.add_argument("--batch-size", type=positive_int, default=32, help="windows per forward pass")
    p.add_argument("inputs", nargs="+", help=INPUT_HELP + ". JSONL lines: {\"id\", \"text\", \"date\"}; other "
                   "fields are kept under report_fields")
    p.set_defaults(func=_extract)
