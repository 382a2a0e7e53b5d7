"""CLI commands of the annotation loop: ``convert``, ``labelstudio-config``, ``suggest``.

Import problems (a half-word span, a text mismatch, overlapping spans, an unknown label) are listed one per line
on stderr, ``file:line record: what; expected; fix``, and the command exits 1 without writing; what a format
holds that we do not carry (relations, rejected answers, extra annotations) is listed as ``note:`` lines and
the rest is written. Unreadable input exits 2 with one line (``model/errors.py``).
"""
from __future__ import annotations

import json
import sys
from typing import Optional, Sequence

from model.errors import InputError
from train.formats import FORMATS

_SHOWN = 50  # problems listed before "... and N more"


def _print_listing(kind: str, items: Sequence, limit: Optional[int] = _SHOWN) -> None:
    for item in items[:limit] if limit else items:
        print(f"{kind}{item}", file=sys.stderr)
    if limit and len(items) > limit:
        print(f"{kind}... and {len(items) - limit} more", file=sys.stderr)


def _meta_pairs(pairs: Sequence[str]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--meta {pair!r}", expected="KEY=VALUE, e.g. --meta split=train")
        out[key] = value
    return out


def convert(inputs: Sequence[str], to: str, out: str, src: Optional[str] = None, any_labels: bool = False,
            accept_predictions: bool = False, meta: Optional[dict] = None, all_notes: bool = False) -> int:
    """Read ``inputs`` (format detected unless ``src``), check every span, write ``out`` in ``to``; exit status."""
    from model.atomic import atomic_write_text, check_target
    from train.corpus import LABELS
    from train.formats import dumps, read_inputs

    check_target(out)
    result = read_inputs(inputs, src, None if any_labels else LABELS, accept_predictions)
    _print_listing("note: ", result.notes, None if all_notes else _SHOWN)
    if result.problems:
        _print_listing("", result.problems)
        print(f"{len(result.problems)} problem(s) in {', '.join(inputs)}; nothing written to {out}",
              file=sys.stderr)
        return 1
    if not result.docs:
        raise InputError("no record to write", where=", ".join(inputs),
                         expected="at least one annotated sentence", fix="check the notes above")
    for d in result.docs:
        for key, value in (meta or {}).items():
            d.meta.setdefault(key, value)
    atomic_write_text(out, dumps(result.docs, to))
    noted = f" ({len(result.notes)} note(s) above)" if result.notes else ""
    print(f"{len(result.docs)} sentences -> {out}{noted}", file=sys.stderr)
    return 0


def _convert(args) -> int:
    return convert(args.inputs, args.to, args.out, args.src, args.any_labels, args.accept_predictions,
                   _meta_pairs(args.meta), args.all_notes)


def _labelstudio_config(args) -> int:
    from train.corpus import LABELS
    from train.formats.labelstudio import labeling_config

    labels = [x.strip() for x in args.labels.split(",") if x.strip()] if args.labels else list(LABELS)
    sys.stdout.write(labeling_config(labels, args.word_granularity))
    return 0


def _suggest(args) -> int:
    from model.atomic import atomic_write_text, check_target
    from train.cli_checks import checkpoint_dir
    from train.formats import dumps
    from train.suggest import suggest

    if args.n < 1:
        raise InputError(f"--n {args.n}", expected="a positive number of sentences")
    checkpoint_dir(args.model)
    check_target(args.out)
    docs, predictions, stats = suggest(args.model, args.pool, args.n, args.method, args.exclude or (),
                                       args.per_report, args.batch_size)
    if not docs:
        raise InputError("no sentence left to suggest", where=", ".join(args.pool),
                         expected="pool sentences that are not already in the corpus (--exclude)")
    atomic_write_text(args.out, dumps(docs, args.format, predictions))
    print(json.dumps(stats), file=sys.stderr)
    print(f"{len(docs)} sentences from {stats['chosen_reports']} reports -> {args.out}", file=sys.stderr)
    return 0


def add_commands(sub) -> None:
    """Register the annotation-loop subcommands."""
    p = sub.add_parser("convert", help="convert annotations between our JSONL, Label Studio, doccano, Prodigy and "
                       "CoNLL, checking every span on import")
    p.add_argument("inputs", nargs="+", help="files (or a JSONL corpus folder)")
    p.add_argument("--to", choices=FORMATS, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--from", dest="src", choices=FORMATS, help="input format (default: detected per file)")
    p.add_argument("--any-labels", action="store_true", help="accept any label set (other corpora)")
    p.add_argument("--accept-predictions", action="store_true",
                   help="Label Studio: a task with no submitted annotation takes its most recent prediction")
    p.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE",
                   help="set a meta key on every record that lacks it (e.g. --meta split=train)")
    p.add_argument("--all-notes", action="store_true", help=f"list every note (default: the first {_SHOWN})")
    p.set_defaults(func=_convert)

    p = sub.add_parser("labelstudio-config", help="print the Label Studio labeling-interface XML for our types")
    p.add_argument("--labels", help="comma-separated entity types (default: the corpus types)")
    p.add_argument("--word-granularity", action="store_true",
                   help="snap selections to whitespace words (Label Studio then takes glued commas in too)")
    p.set_defaults(func=_labelstudio_config)

    p = sub.add_parser("suggest", help="the pool sentences a model is least sure about, with its entities as "
                       "pre-annotations, spread over reports")
    p.add_argument("--model", required=True, help="checkpoint folder (torch or ONNX)")
    p.add_argument("--pool", nargs="+", required=True,
                   help="raw report .txt files, JSONL files with a 'text' per line, or folders of them")
    p.add_argument("--n", type=int, default=50, help="how many sentences (default 50)")
    p.add_argument("--format", choices=FORMATS, default="labelstudio")
    p.add_argument("--out", required=True)
    p.add_argument("--exclude", nargs="*", help="corpus files or folders whose sentences are not suggested again "
                   "(e.g. data/annotations)")
    p.add_argument("--method", choices=["margin", "entropy"], default="margin",
                   help="margin: 1 - the smallest top-two tag margin of any word (default); entropy: mean "
                   "normalised word entropy")
    p.add_argument("--per-report", type=int, help="at most this many sentences of one report")
    p.add_argument("--batch-size", type=int, default=32)
    p.set_defaults(func=_suggest)
